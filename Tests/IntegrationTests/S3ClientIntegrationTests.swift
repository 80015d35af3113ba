import Foundation
import S3
import XCTest

/// Every S3 operation of the client against a real, signature-checking S3 server.
final class S3ClientIntegrationTests: XCTestCase {
    var client: S3Client!
    var bucket: String!

    override func setUpWithError() throws {
        client = try TestServer.client()
        bucket = try TestServer.makeBucket(client, "client")
    }

    override func tearDown() {
        if let client, let bucket { TestServer.removeBucket(client, bucket) }
    }

    func testHeadBucketAndMissingBucket() throws {
        try client.headBucket(bucket)
        XCTAssertThrowsError(try client.headBucket("no-such-bucket-\(UUID().uuidString.prefix(6).lowercased())")) { error in
            XCTAssertTrue((error as! S3Error).isNotFound, "\(error)")
        }
    }

    func testPutHeadGetWithOptions() throws {
        let body = Array("hello, smartfs".utf8)
        let options = ObjectWriteOptions(acl: "public-read", contentType: "text/plain", cacheControl: "max-age=60",
                                         storageClass: "STANDARD_IA", serverSideEncryption: "AES256",
                                         metadata: ["mode": "33188", "uid": "1000", "mtime": "1700000000"])
        let etag = try client.putObject(bucket: bucket, key: "dir/hello.txt", body: .bytes(body), options: options)
        XCTAssertFalse(etag.isEmpty)

        let info = try client.headObject(bucket: bucket, key: "dir/hello.txt")
        XCTAssertEqual(info.size, UInt64(body.count))
        XCTAssertEqual(info.etag, etag)
        XCTAssertEqual(info.contentType, "text/plain")
        XCTAssertEqual(info.cacheControl, "max-age=60")
        XCTAssertEqual(info.storageClass, "STANDARD_IA")
        XCTAssertEqual(info.serverSideEncryption, "AES256")
        XCTAssertEqual(info.metadata, ["mode": "33188", "uid": "1000", "mtime": "1700000000"])
        XCTAssertNotNil(info.lastModified)

        XCTAssertEqual(try client.getObjectBytes(bucket: bucket, key: "dir/hello.txt").bytes, body)
        XCTAssertEqual(try client.getObjectBytes(bucket: bucket, key: "dir/hello.txt", range: 7..<14).bytes, Array("smartfs".utf8))
        let ranged = try client.getObjectBytes(bucket: bucket, key: "dir/hello.txt", range: 0..<5)
        XCTAssertEqual(ranged.info.size, UInt64(body.count), "size of a ranged GET is the whole object's")
    }

    func testMissingObject() throws {
        XCTAssertThrowsError(try client.headObject(bucket: bucket, key: "nope")) { XCTAssertTrue(($0 as! S3Error).isNotFound) }
        XCTAssertThrowsError(try client.getObjectBytes(bucket: bucket, key: "nope")) { error in
            let s3 = error as! S3Error
            XCTAssertEqual(s3.code, "NoSuchKey")
            XCTAssertEqual(s3.attempts, 1)
        }
    }

    func testKeysWithOddCharactersRoundTrip() throws {
        let keys = [
            "with space.txt", "plus+sign.txt", "equals=sign", "percent%25.txt", "100% sure", "tilde~file", "a//double/slash",
            "question?.txt", "hash#tag", "café/naïve ünïcödé.txt", "日本語/ファイル", "-leading-dash", "amp&semi;colon:at@",
            "dollar$comma,quote'paren(1)", "brackets[0]{x}", "emoji 🎉.png", "dir/./dot/../dots", "trailing space ",
        ]
        for key in keys {
            try client.putObject(bucket: bucket, key: key, body: .bytes(Array(key.utf8)))
        }
        for key in keys {
            XCTAssertEqual(try client.headObject(bucket: bucket, key: key).size, UInt64(key.utf8.count), key)
            XCTAssertEqual(try client.getObjectBytes(bucket: bucket, key: key).bytes, Array(key.utf8), key)
        }
        let listed = try client.listAllObjects(bucket: bucket).objects.map(\.key)
        XCTAssertEqual(Set(listed), Set(keys))
        let prefixed = try client.listAllObjects(bucket: bucket, prefix: "café/").objects.map(\.key)
        XCTAssertEqual(prefixed, ["café/naïve ünïcödé.txt"])
        XCTAssertEqual(try client.listAllObjects(bucket: bucket, prefix: "plus+").objects.map(\.key), ["plus+sign.txt"])
        XCTAssertEqual(try client.deleteObjects(bucket: bucket, keys: keys), [])
        XCTAssertEqual(try client.listAllObjects(bucket: bucket).objects, [])
    }

    func testListingWithDelimiterAndPages() throws {
        for name in ["a/1", "a/2", "b/x/y", "c", "d", "e", "f"] {
            try client.putObject(bucket: bucket, key: "root/\(name)", body: .bytes([]))
        }
        let first = try client.listObjectsV2(bucket: bucket, prefix: "root/", delimiter: "/", maxKeys: 3)
        XCTAssertTrue(first.isTruncated)
        XCTAssertNotNil(first.nextContinuationToken)
        let all = try client.listAllObjects(bucket: bucket, prefix: "root/", delimiter: "/")
        XCTAssertEqual(all.objects.map(\.key), ["root/c", "root/d", "root/e", "root/f"])
        XCTAssertEqual(all.commonPrefixes, ["root/a/", "root/b/"])

        var pages = 0
        var keys: [String] = []
        var token: String?
        repeat {
            let page = try client.listObjectsV2(bucket: bucket, prefix: "root/", continuationToken: token, maxKeys: 2)
            keys += page.objects.map(\.key)
            token = page.nextContinuationToken
            pages += 1
        } while token != nil
        XCTAssertEqual(pages, 4)
        XCTAssertEqual(keys.count, 7)
    }

    func testCopyWithinAndAcrossBuckets() throws {
        let other = try TestServer.makeBucket(client, "copy")
        defer { TestServer.removeBucket(client, other) }
        try client.putObject(bucket: bucket, key: "src.txt", body: .bytes(Array("data".utf8)),
                             options: ObjectWriteOptions(contentType: "text/plain", metadata: ["mode": "420"]))
        try client.copyObject(sourceBucket: bucket, sourceKey: "src.txt", bucket: bucket, key: "same bucket copy.txt")
        let kept = try client.headObject(bucket: bucket, key: "same bucket copy.txt")
        XCTAssertEqual(kept.metadata["mode"], "420")
        XCTAssertEqual(kept.contentType, "text/plain")

        try client.copyObject(sourceBucket: bucket, sourceKey: "src.txt", bucket: other, key: "moved/ünï.txt",
                              options: ObjectWriteOptions(acl: "private", contentType: "application/octet-stream", metadata: ["mode": "384"]),
                              replaceMetadata: true)
        let replaced = try client.headObject(bucket: other, key: "moved/ünï.txt")
        XCTAssertEqual(replaced.metadata["mode"], "384")
        XCTAssertEqual(replaced.contentType, "application/octet-stream")
        XCTAssertEqual(try client.getObjectBytes(bucket: other, key: "moved/ünï.txt").bytes, Array("data".utf8))

        XCTAssertThrowsError(try client.copyObject(sourceBucket: bucket, sourceKey: "absent", bucket: other, key: "x")) {
            XCTAssertTrue(($0 as! S3Error).isNotFound, "\($0)")
        }
    }

    func testDeleteIsIdempotent() throws {
        try client.putObject(bucket: bucket, key: "gone", body: .bytes([1]))
        try client.deleteObject(bucket: bucket, key: "gone")
        try client.deleteObject(bucket: bucket, key: "gone")
        XCTAssertThrowsError(try client.headObject(bucket: bucket, key: "gone"))
    }

    func testMultipartRoundTripOf20MiBFromAFile() throws {
        let partSize = 5 << 20
        let size = 20 << 20
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mpu-\(UUID().uuidString)").path
        var data = [UInt8](repeating: 0, count: size)
        var seed: UInt32 = 12345
        for index in data.indices { seed = seed &* 1_103_515_245 &+ 12345; data[index] = UInt8(truncatingIfNeeded: seed >> 16) }
        FileManager.default.createFile(atPath: path, contents: Data(data))
        defer { try? FileManager.default.removeItem(atPath: path) }

        let key = "big/multi part.bin"
        let upload = try client.createMultipartUpload(bucket: bucket, key: key, options: ObjectWriteOptions(acl: "private", contentType: "application/octet-stream"))
        XCTAssertEqual(try client.listMultipartUploads(bucket: bucket).map(\.uploadID), [upload])
        var parts: [CompletedPart] = []
        for (index, offset) in stride(from: 0, to: size, by: partSize).enumerated() {
            let etag = try client.uploadPart(bucket: bucket, key: key, uploadID: upload, partNumber: index + 1,
                                             body: .file(path: path, offset: UInt64(offset), length: UInt64(min(partSize, size - offset))))
            parts.append(CompletedPart(partNumber: index + 1, etag: etag))
        }
        try client.completeMultipartUpload(bucket: bucket, key: key, uploadID: upload, parts: parts)
        XCTAssertEqual(try client.listMultipartUploads(bucket: bucket), [])
        XCTAssertEqual(try client.headObject(bucket: bucket, key: key).size, UInt64(size))

        var streamed = [UInt8]()
        streamed.reserveCapacity(size)
        try client.getObject(bucket: bucket, key: key) { streamed.append(contentsOf: $0); return true }
        XCTAssertTrue(streamed == data, "20 MiB object read back differs")

        // UploadPartCopy: a new object made from ranges of the first, on the server.
        let copy = try client.createMultipartUpload(bucket: bucket, key: "big/copy.bin")
        let p1 = try client.uploadPartCopy(bucket: bucket, key: "big/copy.bin", uploadID: copy, partNumber: 1,
                                           sourceBucket: bucket, sourceKey: key, range: 0..<UInt64(partSize))
        let p2 = try client.uploadPart(bucket: bucket, key: "big/copy.bin", uploadID: copy, partNumber: 2, body: .bytes(Array("tail".utf8)))
        try client.completeMultipartUpload(bucket: bucket, key: "big/copy.bin", uploadID: copy,
                                           parts: [CompletedPart(partNumber: 1, etag: p1), CompletedPart(partNumber: 2, etag: p2)])
        let copied = try client.getObjectBytes(bucket: bucket, key: "big/copy.bin").bytes
        XCTAssertEqual(copied.count, partSize + 4)
        XCTAssertTrue(copied.prefix(partSize).elementsEqual(data.prefix(partSize)))
        XCTAssertEqual(Array(copied.suffix(4)), Array("tail".utf8))
    }

    func testAbortMultipartUpload() throws {
        let upload = try client.createMultipartUpload(bucket: bucket, key: "aborted")
        _ = try client.uploadPart(bucket: bucket, key: "aborted", uploadID: upload, partNumber: 1, body: .bytes([1, 2, 3]))
        try client.abortMultipartUpload(bucket: bucket, key: "aborted", uploadID: upload)
        XCTAssertEqual(try client.listMultipartUploads(bucket: bucket), [])
        XCTAssertThrowsError(try client.headObject(bucket: bucket, key: "aborted"))
    }

    func testWrongSecretFailsFastWithTypedAuthError() throws {
        let bad = try TestServer.client(secretKey: "definitely-not-the-secret", maxAttempts: 6)
        let start = Date()
        XCTAssertThrowsError(try bad.putObject(bucket: bucket, key: "x", body: .bytes([1]))) { error in
            let s3 = error as! S3Error
            XCTAssertEqual(s3.code, "SignatureDoesNotMatch", "\(s3)")
            XCTAssertTrue(s3.isAuthFailure)
            XCTAssertEqual(s3.attempts, 1, "auth failures are never retried")
        }
        XCTAssertThrowsError(try bad.listObjectsV2(bucket: bucket)) { XCTAssertEqual(($0 as! S3Error).code, "SignatureDoesNotMatch") }
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
        let unknown = try TestServer.client(accessKey: "AKIANOTAREALKEY00000")
        XCTAssertThrowsError(try unknown.listObjectsV2(bucket: bucket)) { XCTAssertEqual(($0 as! S3Error).code, "InvalidAccessKeyId") }
    }

    func testUnreachableServerIsATransportErrorAfterBoundedRetries() throws {
        let client = try S3Client(configuration: S3ClientConfiguration(
            endpoint: "http://127.0.0.1:9", credentials: StaticCredentialsProvider(S3Credentials(accessKey: "a", secretKey: "b")),
            maxAttempts: 3, baseBackoff: 0.01))
        let start = Date()
        XCTAssertThrowsError(try client.headBucket("bucket")) { error in
            let s3 = error as! S3Error
            XCTAssertEqual(s3.kind, .transport)
            XCTAssertEqual(s3.code, "ConnectionFailed")
            XCTAssertEqual(s3.attempts, 3)
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
    }
}
