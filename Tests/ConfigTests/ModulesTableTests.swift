import XCTest
import Config

final class ModulesTableTests: XCTestCase {
    private let accessKey = "AKIAIOSFODNN7EXAMPLE"
    private let secretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    private let sessionToken = "FwoGZXIvYXdzEXAMPLETOKENxyz"

    private func sampleConfiguration() throws -> SmartFSConfiguration {
        try SmartFSConfiguration.parse("""
            [defaults]
            bucket_name = "acme-files"
            region_name = "eu-west-1"

            [modules.media]
            [modules.static]
            default_acl = "public-read"

            [modules."Compliance Docs"]
            bucket_name = "acme-compliance"
            region_name = "us-gov-west-1"
            access_key = "\(accessKey)"
            secret_key = "\(secretKey)"
            session_token = "\(sessionToken)"
            read_only = true

            [modules.minio]
            bucket_name = "local-bucket"
            endpoint_url = "http://localhost:9000"
            profile = "dev"
            """, path: "/etc/smartfs/config.toml", environment: [:])
    }

    func testTableHasTheColumnsAndOneRowPerModule() throws {
        let output = renderModulesTable(try sampleConfiguration())
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let header = lines[0].split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        XCTAssertEqual(header, ["MODULE", "BUCKET", "PREFIX", "ACL", "REGION", "ENDPOINT", "OVERWRITE", "READ-ONLY",
                                "CREDENTIALS"])
        XCTAssertTrue(
            lines[1].hasPrefix("Compliance Docs  acme-compliance  (whole bucket)  private      us-gov-west-1"),
                      lines[1])
        XCTAssertTrue(lines[2].hasPrefix("media "), lines[2])
        XCTAssertTrue(lines[3].hasPrefix("minio "), lines[3])
        XCTAssertTrue(lines[4].hasPrefix("static "), lines[4])
        XCTAssertEqual(lines[5], "")
        XCTAssertTrue(output.hasSuffix("\n"))
    }

    func testColumnsAreAligned() throws {
        let output = renderModulesTable(try sampleConfiguration())
        let rows = output.split(separator: "\n").prefix(5).map(String.init)
        let header = rows[0]
        for column in ["BUCKET", "PREFIX", "ACL", "REGION", "ENDPOINT", "OVERWRITE", "READ-ONLY", "CREDENTIALS"] {
            let offset = header.distance(from: header.startIndex, to: header.range(of: column)!.lowerBound)
            for row in rows.dropFirst() {
                let characters = Array(row)
                XCTAssertEqual(characters[offset - 2], " ", "\(column) in \(row)")
                XCTAssertEqual(characters[offset - 1], " ", "\(column) in \(row)")
                XCTAssertNotEqual(characters[offset], " ", "\(column) in \(row)")
            }
        }
    }

    func testRowContents() throws {
        let rows = renderModulesTable(try sampleConfiguration()).split(separator: "\n").map(String.init)
        func cells(_ row: String) -> String { row.split(separator: " ").joined(separator: " ") }
        XCTAssertEqual(cells(rows[1]), "Compliance Docs acme-compliance (whole bucket) private us-gov-west-1 AWS "
                           + "yes yes AKIA**** +token (module)")
        XCTAssertEqual(cells(rows[2]), "media acme-files media/ private eu-west-1 AWS no no not set")
        XCTAssertEqual(cells(rows[3]), "minio local-bucket (whole bucket) private eu-west-1 http://localhost:9000 "
                           + "yes no profile dev (module)")
        XCTAssertEqual(cells(rows[4]), "static acme-files static/ public-read eu-west-1 AWS yes no not set")
    }

    func testSecretsAreNeverPrinted() throws {
        let output = renderModulesTable(try sampleConfiguration())
        XCTAssertFalse(output.contains(secretKey))
        XCTAssertFalse(output.contains(sessionToken))
        XCTAssertFalse(output.contains(accessKey))
        XCTAssertFalse(output.contains(String(secretKey.prefix(4))))
        XCTAssertFalse(output.contains(String(accessKey.prefix(5))))
        XCTAssertTrue(output.contains("AKIA****"))
        XCTAssertTrue(output.contains("secret_key             = set (****) (module)"))
        XCTAssertTrue(output.contains("session_token          = set (****) (module)"))
    }

    func testSourcesSection() throws {
        let output = renderModulesTable(try sampleConfiguration())
        XCTAssertTrue(output.contains("Where each value came from (/etc/smartfs/config.toml):"))
        let media = """
            [modules.media]
              bucket_name            = acme-files (defaults)
              location               = media/ (preset)
              default_acl            = private (builtin)
              access_key             = not set
              secret_key             = not set
              session_token          = not set
              region_name            = eu-west-1 (defaults)
              endpoint_url           = not set (AWS)
              addressing_style       = virtual (builtin)
              profile                = not set
              read_only              = false (builtin)
              file_overwrite         = false (preset)
              storage_class          = not set
              server_side_encryption = not set
              sse_kms_key_id         = not set
              cache_control          = not set
            """
        XCTAssertTrue(output.contains(media), output)
        XCTAssertTrue(
            output.contains("[modules.\"Compliance Docs\"]\n  bucket_name            = acme-compliance (module)"))
        XCTAssertTrue(output.contains("  location               = \"\" (whole bucket) (builtin)"))
        XCTAssertTrue(output.contains("  endpoint_url           = http://localhost:9000 (module)"))
        XCTAssertTrue(output.contains("  addressing_style       = path (builtin)"))
    }

    func testMasking() {
        XCTAssertEqual(maskAccessKey("AKIAIOSFODNN7EXAMPLE"), "AKIA****")
        XCTAssertEqual(maskAccessKey("minioadmin"), "mini****")
        XCTAssertEqual(maskAccessKey("short"), "****")
        XCTAssertEqual(maskAccessKey(""), "****")
    }

    func testShortAccessKeyIsHiddenEntirely() {
        let module = ModuleConfiguration(name: "a", bucket: "acme", accessKey: "key1", secretKey: "s3cr3t",
                                         sources: ["access_key": .module, "secret_key": .module])
        let output = renderModulesTable(SmartFSConfiguration(path: "x.toml", modules: [module]))
        XCTAssertFalse(output.contains("key1"))
        XCTAssertFalse(output.contains("s3cr3t"))
        XCTAssertTrue(output.contains("**** (module)"))
    }

    func testControlCharactersInNamesAreEscaped() {
        let module = ModuleConfiguration(name: "evil\u{1B}[2J\nname", bucket: "acme")
        let output = renderModulesTable(SmartFSConfiguration(path: "x.toml", modules: [module]))
        XCTAssertFalse(output.contains("\u{1B}"))
        XCTAssertTrue(output.contains("evil\\u{1b}[2J\\nname"))
    }
}
