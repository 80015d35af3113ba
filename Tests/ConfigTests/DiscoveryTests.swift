import XCTest
@testable import Config

final class DiscoveryTests: XCTestCase {
    private let home = ["HOME": "/home/ana"]

    private func locate(
        explicit: String? = nil, environment: [String: String], existing: Set<String>
    ) throws(ConfigError) -> String {
        try SmartFSConfiguration.locate(explicitPath: explicit, environment: environment) { existing.contains($0) }
    }

    func testExplicitPathWinsOverEverything() throws {
        var environment = home
        environment["SMARTFS_CONFIG"] = "/env.toml"
        let existing: Set = ["/explicit.toml", "/env.toml", "./smartfs.toml", "/etc/smartfs/config.toml"]
        XCTAssertEqual(try locate(explicit: "/explicit.toml", environment: environment, existing: existing),
                       "/explicit.toml")
    }

    func testExplicitPathMissingIsAnError() {
        XCTAssertThrowsError(try locate(explicit: "/nope.toml", environment: home, existing: ["./smartfs.toml"])) {
            let error = $0 as? ConfigError
            XCTAssertEqual(error?.kind, .fileNotFound)
            XCTAssertEqual(error?.description, "/nope.toml: configuration file not found (given with --config)")
        }
    }

    func testEmptyExplicitPathIsAnError() {
        XCTAssertThrowsError(try locate(explicit: "", environment: home, existing: ["./smartfs.toml"])) {
            XCTAssertEqual(($0 as? ConfigError)?.description, "--config was given an empty path")
        }
    }

    func testEnvironmentVariableComesSecond() throws {
        var environment = home
        environment["SMARTFS_CONFIG"] = "/env.toml"
        XCTAssertEqual(try locate(environment: environment, existing: ["/env.toml", "./smartfs.toml"]), "/env.toml")
    }

    func testEnvironmentVariableNamingAMissingFileIsAnError() {
        var environment = home
        environment["SMARTFS_CONFIG"] = "/env.toml"
        XCTAssertThrowsError(try locate(environment: environment, existing: ["./smartfs.toml"])) {
            let error = $0 as? ConfigError
            XCTAssertEqual(error?.kind, .fileNotFound)
            XCTAssertEqual(error?.description, "/env.toml: configuration file not found (named by $SMARTFS_CONFIG)")
        }
    }

    func testEmptyEnvironmentVariableIsIgnored() throws {
        var environment = home
        environment["SMARTFS_CONFIG"] = ""
        XCTAssertEqual(try locate(environment: environment, existing: ["./smartfs.toml"]), "./smartfs.toml")
    }

    func testStandardLocationsInOrder() throws {
        let all: Set = ["./smartfs.toml", "/home/ana/.config/smartfs/config.toml", "/etc/smartfs/config.toml"]
        XCTAssertEqual(try locate(environment: home, existing: all), "./smartfs.toml")
        XCTAssertEqual(try locate(environment: home, existing: all.subtracting(["./smartfs.toml"])),
                       "/home/ana/.config/smartfs/config.toml")
        XCTAssertEqual(try locate(environment: home, existing: ["/etc/smartfs/config.toml"]),
                       "/etc/smartfs/config.toml")
    }

    func testHomeWithTrailingSlash() throws {
        XCTAssertEqual(
            try locate(environment: ["HOME": "/root/"], existing: ["/root/.config/smartfs/config.toml"]),
            "/root/.config/smartfs/config.toml")
    }

    func testNothingFoundListsEveryPlaceLookedIn() {
        XCTAssertThrowsError(try locate(environment: home, existing: [])) {
            let error = $0 as? ConfigError
            XCTAssertEqual(error?.kind, .noConfigurationFile)
            XCTAssertEqual(
                error?.description,
                "no configuration file found; looked in: ./smartfs.toml, /home/ana/.config/smartfs/config.toml, "
                    + "/etc/smartfs/config.toml (use --config FILE or set SMARTFS_CONFIG)")
        }
    }

    func testWithoutHomeTheUserLocationIsSkipped() {
        XCTAssertEqual(SmartFSConfiguration.standardLocations(environment: [:]),
                       ["./smartfs.toml", "/etc/smartfs/config.toml"])
        XCTAssertThrowsError(try locate(environment: [:], existing: [])) {
            XCTAssertEqual(
                ($0 as? ConfigError)?.description,
                "no configuration file found; looked in: ./smartfs.toml, /etc/smartfs/config.toml "
                    + "(use --config FILE or set SMARTFS_CONFIG)")
        }
    }

    func testDefaultFileExistsLooksAtTheFilesystem() throws {
        let directory = try makeTemporaryDirectory(self)
        let file = directory.appendingPathComponent("smartfs.toml").path
        XCTAssertThrowsError(try SmartFSConfiguration.locate(explicitPath: file, environment: [:]))
        try Data("[modules.media]\nbucket_name = \"media-bucket\"\n".utf8).write(to: URL(fileURLWithPath: file))
        XCTAssertEqual(try SmartFSConfiguration.locate(explicitPath: file, environment: [:]), file)
        XCTAssertEqual(try SmartFSConfiguration.locate(explicitPath: nil, environment: ["SMARTFS_CONFIG": file]), file)
    }
}

final class LoadTests: XCTestCase {
    func testLoadKeepsThePathAndResolves() throws {
        let directory = try makeTemporaryDirectory(self)
        let file = directory.appendingPathComponent("config.toml")
        try Data("""
            [defaults]
            bucket_name = "acme-files"

            [modules.media]
            [modules.static]
            """.utf8).write(to: file)
        let config = try SmartFSConfiguration.load(path: file.path, environment: [:])
        XCTAssertEqual(config.path, file.path)
        XCTAssertEqual(config.modules.map(\.name), ["media", "static"])
        XCTAssertEqual(config.module(named: "static")?.prefix, "static/")
    }

    func testMissingFileIsUnreadable() {
        XCTAssertThrowsError(try SmartFSConfiguration.load(path: "/nonexistent/smartfs.toml", environment: [:])) {
            let error = $0 as? ConfigError
            XCTAssertEqual(error?.kind, .unreadableFile)
            XCTAssertEqual(
                error?.description,
                "/nonexistent/smartfs.toml: cannot read the configuration file: No such file or directory")
        }
    }

    func testDirectoryIsUnreadable() throws {
        let directory = try makeTemporaryDirectory(self)
        XCTAssertThrowsError(try SmartFSConfiguration.load(path: directory.path, environment: [:])) {
            let error = $0 as? ConfigError
            XCTAssertEqual(error?.kind, .unreadableFile)
            XCTAssertEqual(error?.description,
                           "\(directory.path): cannot read the configuration file: Is a directory")
        }
    }

    // An unreadable file (as a user without permission) is covered by Tests/shell/test_config_cli.sh,
    // which runs the command as another uid: these tests run as root in CI.

    func testNonUTF8ContentNamesTheLineAndColumn() throws {
        let directory = try makeTemporaryDirectory(self)
        let file = directory.appendingPathComponent("latin1.toml")
        // "café" written in Latin-1: 0xE9 is not valid UTF-8.
        var bytes = Array("[modules.media]\nbucket_name = \"caf".utf8)
        bytes.append(0xE9)
        bytes += Array("\"\n".utf8)
        try Data(bytes).write(to: file)
        XCTAssertThrowsError(try SmartFSConfiguration.load(path: file.path, environment: [:])) {
            let error = $0 as? ConfigError
            XCTAssertEqual(error?.kind, .invalidEncoding)
            XCTAssertEqual(error?.line, 2)
            XCTAssertEqual(error?.column, 19)
            XCTAssertEqual(error?.description,
                           "\(file.path): line 2, column 19: the file is not valid UTF-8 text; save it as UTF-8")
        }
    }

    func testRawNULByteIsRejected() throws {
        let directory = try makeTemporaryDirectory(self)
        let file = directory.appendingPathComponent("nul.toml")
        try Data(Array("[modules.a]\nbucket_name = \"abc\"\n# x".utf8) + [0] + Array("\n".utf8)).write(to: file)
        XCTAssertThrowsError(try SmartFSConfiguration.load(path: file.path, environment: [:])) {
            XCTAssertEqual(($0 as? ConfigError)?.description,
                           "\(file.path): line 3, column 4: NUL characters are not allowed in a smartfs configuration")
        }
    }

    func testHugeFileIsRefused() throws {
        let directory = try makeTemporaryDirectory(self)
        let file = directory.appendingPathComponent("huge.toml")
        try Data(repeating: UInt8(ascii: "#"), count: SmartFSConfiguration.maximumFileSize + 1).write(to: file)
        XCTAssertThrowsError(try SmartFSConfiguration.load(path: file.path, environment: [:])) {
            XCTAssertEqual(($0 as? ConfigError)?.kind, .unreadableFile)
            XCTAssertTrue(($0 as? ConfigError)?.description.contains("larger than 1 MiB") ?? false)
        }
    }
}
