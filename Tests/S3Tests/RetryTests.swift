import Foundation
import Synchronization
import XCTest
@testable import S3

/// A transport that answers from a script, so retry and error handling can be tested without a network.
final class ScriptedTransport: HTTPTransport {
    enum Answer: Sendable {
        case response(HTTPResponse)
        case failure(TransportError)
    }

    private let answers: Mutex<[Answer]>
    let requests = Mutex<[HTTPRequest]>([])

    init(_ answers: [Answer]) { self.answers = Mutex(answers) }

    func send(_ request: HTTPRequest, sink: BodySink?) throws(TransportError) -> HTTPResponse {
        requests.withLock { $0.append(request) }
        let answer = answers.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        switch answer {
        case .response(let response)?:
            if let sink, (200..<300).contains(response.status) {
                _ = response.body.withUnsafeBytes { sink($0) }
                return HTTPResponse(status: response.status, headers: response.headers, body: [])
            }
            return response
        case .failure(let error)?: throw error
        case nil: throw TransportError(kind: .other, message: "script exhausted")
        }
    }

    var count: Int { requests.withLock { $0.count } }
}

final class RetryTests: XCTestCase {
    private func client(_ transport: ScriptedTransport, attempts: Int = 4) throws -> S3Client {
        try S3Client(configuration: S3ClientConfiguration(
            endpoint: "http://127.0.0.1:1", credentials: StaticCredentialsProvider(S3Credentials(accessKey: "AK", secretKey: "SK")),
            maxAttempts: attempts, baseBackoff: 0.001, maxBackoff: 0.002), transport: transport)
    }

    private func error(_ status: Int, _ code: String) -> ScriptedTransport.Answer {
        .response(HTTPResponse(status: status, headers: ["x-amz-request-id": "REQ1"],
                               body: Array("<Error><Code>\(code)</Code><Message>m</Message><RequestId>REQ2</RequestId></Error>".utf8)))
    }

    func testRetriesSlowDownAndServerErrorsThenSucceeds() throws {
        let transport = ScriptedTransport([
            error(503, "SlowDown"), error(500, "InternalError"), .failure(TransportError(kind: .connect, message: "refused")),
            .response(HTTPResponse(status: 200, headers: ["etag": "\"e\""], body: [])),
        ])
        XCTAssertEqual(try client(transport).putObject(bucket: "b", key: "k", body: .bytes([1])), "\"e\"")
        XCTAssertEqual(transport.count, 4)
    }

    func testNeverRetriesAuthFailures() throws {
        for code in ["SignatureDoesNotMatch", "InvalidAccessKeyId", "AccessDenied"] {
            let transport = ScriptedTransport([error(403, code), error(403, code)])
            XCTAssertThrowsError(try client(transport).headObject(bucket: "b", key: "k")) { error in
                let s3 = error as! S3Error
                XCTAssertEqual(s3.code, code)
                XCTAssertTrue(s3.isAuthFailure)
                XCTAssertEqual(s3.attempts, 1)
                XCTAssertEqual(s3.requestID, "REQ2")
            }
            XCTAssertEqual(transport.count, 1)
        }
    }

    func testGivesUpAfterMaxAttempts() throws {
        let transport = ScriptedTransport(Array(repeating: error(503, "SlowDown"), count: 10))
        XCTAssertThrowsError(try client(transport, attempts: 3).deleteObject(bucket: "b", key: "k")) { error in
            XCTAssertEqual((error as! S3Error).attempts, 3)
            XCTAssertTrue("\(error)".contains("SlowDown"))
        }
        XCTAssertEqual(transport.count, 3)
    }

    func testHeadWithoutBodyMapsStatus() throws {
        let transport = ScriptedTransport([.response(HTTPResponse(status: 404, headers: [:], body: []))])
        XCTAssertThrowsError(try client(transport).headObject(bucket: "b", key: "k")) { error in
            XCTAssertTrue((error as! S3Error).isNotFound)
        }
    }

    func testCopyErrorInsideA200IsAnError() throws {
        let transport = ScriptedTransport([.response(HTTPResponse(status: 200, headers: [:],
            body: Array("<Error><Code>InternalError</Code><Message>x</Message></Error>".utf8)))])
        XCTAssertThrowsError(try client(transport, attempts: 1).copyObject(sourceBucket: "a", sourceKey: "k", bucket: "b", key: "k"))
    }

    func testInterruptedGetResumesFromWhereItStopped() throws {
        // First answer delivers 3 bytes then the connection drops; the retry must ask for the rest only,
        // pinned to the first answer's ETag.
        final class DroppingTransport: HTTPTransport {
            let requests = Mutex<[HTTPRequest]>([])
            func send(_ request: HTTPRequest, sink: BodySink?) throws(TransportError) -> HTTPResponse {
                let number = requests.withLock { $0.append(request); return $0.count }
                if number == 1 {
                    _ = [UInt8]([1, 2, 3]).withUnsafeBytes { sink!($0) }
                    throw TransportError(kind: .receive, message: "reset")
                }
                _ = [UInt8]([4, 5]).withUnsafeBytes { sink!($0) }
                return HTTPResponse(status: 206, headers: ["etag": "\"v1\"", "content-range": "bytes 3-4/5"], body: [])
            }
        }
        let transport = DroppingTransport()
        let client = try S3Client(configuration: S3ClientConfiguration(
            endpoint: "http://127.0.0.1:1", credentials: StaticCredentialsProvider(nil), baseBackoff: 0.001), transport: transport)
        var received: [UInt8] = []
        _ = try client.getObject(bucket: "b", key: "k", range: 0..<5, ifMatch: "\"v1\"") { received.append(contentsOf: $0); return true }
        XCTAssertEqual(received, [1, 2, 3, 4, 5])
        let second = transport.requests.withLock { $0[1] }
        XCTAssertTrue(second.headers.contains { $0.name == "Range" && $0.value == "bytes=3-4" })
        XCTAssertTrue(second.headers.contains { $0.name == "If-Match" && $0.value == "\"v1\"" })
    }

    func testKeysS3CannotHoldAreRefusedBeforeSending() throws {
        let transport = ScriptedTransport([])
        XCTAssertThrowsError(try client(transport).headObject(bucket: "b", key: String(repeating: "k", count: 1025))) { error in
            XCTAssertEqual((error as! S3Error).code, "KeyTooLongError")
        }
        XCTAssertEqual(transport.count, 0)
    }

    func testAddressingStyles() throws {
        let transport = ScriptedTransport([.response(HTTPResponse(status: 200, headers: [:], body: [])),
                                           .response(HTTPResponse(status: 200, headers: [:], body: []))])
        try client(transport).deleteObject(bucket: "bkt", key: "a b/c+d")
        XCTAssertEqual(transport.requests.withLock { $0[0].url }, "http://127.0.0.1:1/bkt/a%20b/c%2Bd")
        let virtual = try S3Client(configuration: S3ClientConfiguration(
            endpoint: "https://s3.example.com", addressingStyle: .virtual,
            credentials: StaticCredentialsProvider(S3Credentials(accessKey: "AK", secretKey: "SK"))), transport: transport)
        try virtual.deleteObject(bucket: "bkt", key: "k")
        let request = transport.requests.withLock { $0[1] }
        XCTAssertEqual(request.url, "https://bkt.s3.example.com/k")
        XCTAssertTrue(request.headers.contains { $0.name == "x-amz-content-sha256" && $0.value == "UNSIGNED-PAYLOAD" })
    }
}
