import ArgumentParser
import Foundation
import S3

/// Measures the S3 client's own put and get throughput, for comparison with boto3 on the same
/// server (scripts/bench_s3_client.sh runs both).
struct S3BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench-s3", abstract: "Measure raw S3 client throughput.",
                                                    shouldDisplay: false)

    @Option var endpoint: String
    @Option var bucket: String
    @Option var size: Int = 64 << 20
    @Option var region: String = "us-east-1"

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let credentials = S3Credentials(accessKey: environment["AWS_ACCESS_KEY_ID"] ?? "", secretKey: environment["AWS_SECRET_ACCESS_KEY"] ?? "")
        let client = try S3Client(configuration: S3ClientConfiguration(
            endpoint: endpoint, region: region, addressingStyle: .path, credentials: StaticCredentialsProvider(credentials)))
        let path = NSTemporaryDirectory() + "/smartfs-bench-\(getpid())"
        FileManager.default.createFile(atPath: path, contents: Data((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let putStart = Date()
        try client.putObject(bucket: bucket, key: "bench/object", body: .file(path: path, offset: 0, length: UInt64(size)))
        let putSeconds = Date().timeIntervalSince(putStart)
        let getStart = Date()
        var received = 0
        try client.getObject(bucket: bucket, key: "bench/object") { received += $0.count; return true }
        let getSeconds = Date().timeIntervalSince(getStart)
        let mib = Double(size) / 1_048_576
        print(String(format: "smartfs-s3 put %.1f MiB/s get %.1f MiB/s (%d bytes)", mib / putSeconds, mib / getSeconds, received))
    }
}
