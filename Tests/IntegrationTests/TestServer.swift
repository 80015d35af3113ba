import Foundation
import S3
import XCTest

/// The S3 server the integration tests talk to: moto, started with signature checking on by
/// `scripts/s3server.sh` (which `scripts/test.sh` runs), described by SMARTFS_TEST_* variables.
enum TestServer {
    struct Settings {
        var endpoint: String
        var accessKey: String
        var secretKey: String
        var region: String
    }

    static func settings() throws -> Settings {
        let environment = ProcessInfo.processInfo.environment
        guard let endpoint = environment["SMARTFS_TEST_ENDPOINT"], let accessKey = environment["SMARTFS_TEST_ACCESS_KEY"],
              let secretKey = environment["SMARTFS_TEST_SECRET_KEY"] else {
            XCTFail("""
                integration tests need a running S3 server: run scripts/test.sh, or start one with \
                scripts/s3server.sh start and export the SMARTFS_TEST_* variables it prints
                """)
            throw XCTSkip("unreachable")  // XCTFail above already failed the test
        }
        return Settings(endpoint: endpoint, accessKey: accessKey, secretKey: secretKey,
                        region: environment["SMARTFS_TEST_REGION"] ?? "us-east-1")
    }

    static func client(secretKey: String? = nil, accessKey: String? = nil, maxAttempts: Int = 4) throws -> S3Client {
        let settings = try settings()
        let credentials = S3Credentials(accessKey: accessKey ?? settings.accessKey, secretKey: secretKey ?? settings.secretKey)
        return try S3Client(configuration: S3ClientConfiguration(
            endpoint: settings.endpoint, region: settings.region, addressingStyle: .path,
            credentials: StaticCredentialsProvider(credentials), maxAttempts: maxAttempts, baseBackoff: 0.05))
    }

    /// A new bucket with a unique name; deleted with everything in it by `removeBucket`.
    static func makeBucket(_ client: S3Client, _ label: String) throws -> String {
        let name = "it-\(label)-\(UUID().uuidString.prefix(8).lowercased())"
        try client.createBucket(name)
        return name
    }

    static func removeBucket(_ client: S3Client, _ bucket: String) {
        if let page = try? client.listAllObjects(bucket: bucket) {
            _ = try? client.deleteObjects(bucket: bucket, keys: page.objects.map(\.key))
        }
        for upload in (try? client.listMultipartUploads(bucket: bucket)) ?? [] {
            try? client.abortMultipartUpload(bucket: bucket, key: upload.key, uploadID: upload.uploadID)
        }
        try? client.deleteBucket(bucket)
    }
}
