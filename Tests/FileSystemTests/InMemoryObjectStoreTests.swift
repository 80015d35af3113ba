import FileSystem
import Foundation
import S3
import XCTest

/// The fake itself behaves like S3 where the filesystem relies on it.
final class InMemoryObjectStoreTests: XCTestCase {
    private func collect(_ store: InMemoryObjectStore, _ bucket: String, _ key: String, range: Range<UInt64>? = nil,
                         ifMatch: String? = nil) throws -> ([UInt8], ObjectInfo) {
        let buffer = Buffer()
        let info = try store.getObject(bucket: bucket, key: key, range: range, ifMatch: ifMatch) { chunk in
            buffer.bytes += chunk
            return true
        }
        return (buffer.bytes, info)
    }

    private final class Buffer: @unchecked Sendable { var bytes: [UInt8] = [] }

    private func s3Error(_ body: () throws -> Any) -> S3Error? {
        do {
            _ = try body()
            XCTFail("expected an S3Error")
        } catch let error as S3Error {
            return error
        } catch {
            XCTFail("unexpected \(error)")
        }
        return nil
    }

    func testPutHeadGetRangeAndErrors() throws {
        let store = InMemoryObjectStore(buckets: ["b"])
        let options = ObjectWriteOptions(acl: "public-read", contentType: "text/plain", cacheControl: "max-age=1",
                                         storageClass: "STANDARD_IA", serverSideEncryption: "AES256", metadata: ["Mode": "33188"])
        let etag = try store.putObject(bucket: "b", key: "k", body: .bytes(bytes("hello world")), options: options)
        XCTAssertEqual(etag, "\"5eb63bbbe01eeed093cb22bb8f5acdc3\"")
        let info = try store.headObject(bucket: "b", key: "k")
        XCTAssertEqual(info.size, 11)
        XCTAssertEqual(info.etag, etag)
        XCTAssertEqual(info.contentType, "text/plain")
        XCTAssertEqual(info.storageClass, "STANDARD_IA")
        XCTAssertEqual(info.metadata, ["mode": "33188"])
        XCTAssertEqual(store.object("b", "k")?.acl, "public-read")

        let (part, partInfo) = try collect(store, "b", "k", range: 6..<100)
        XCTAssertEqual(part, bytes("world"))
        XCTAssertEqual(partInfo.size, 11, "the whole object's size, as Content-Range tells")
        XCTAssertEqual(store.calls("GetObject").last?.range, 6..<100)

        XCTAssertEqual(s3Error { try self.collect(store, "b", "k", ifMatch: "\"other\"") }?.code, "PreconditionFailed")
        XCTAssertEqual(s3Error { try self.collect(store, "b", "k", ifMatch: "\"other\"") }?.status, 412)
        XCTAssertEqual(s3Error { try self.collect(store, "b", "k", range: 11..<20) }?.status, 416)
        XCTAssertEqual(s3Error { try store.headObject(bucket: "b", key: "missing") }?.code, "NotFound")
        XCTAssertEqual(s3Error { try self.collect(store, "b", "missing") }?.code, "NoSuchKey")
        XCTAssertEqual(s3Error { try store.headObject(bucket: "nobucket", key: "k") }?.status, 404)
        XCTAssertEqual(s3Error { try self.collect(store, "nobucket", "k") }?.code, "NoSuchBucket")
        XCTAssertEqual(s3Error { try store.headBucket("nobucket") }?.status, 404)
        XCTAssertNoThrow(try store.headBucket("b"))
        XCTAssertNoThrow(try store.deleteObject(bucket: "b", key: "missing"), "deleting a missing key succeeds")

        let file = NSTemporaryDirectory() + "store-body-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: file, contents: Data(bytes("0123456789")))
        defer { try? FileManager.default.removeItem(atPath: file) }
        try store.putObject(bucket: "b", key: "f", body: .file(path: file, offset: 2, length: 5), options: ObjectWriteOptions())
        XCTAssertEqual(store.object("b", "f")?.text, "23456")
    }

    func testListingOrderPrefixesAndPaging() throws {
        let store = InMemoryObjectStore(buckets: ["b"])
        for key in ["a/1", "a/2", "a-b", "a/", "b", "é", "Z", "a/sub/x", "a/sub/y", "a/tub/z"] {
            store.seed(bucket: "b", key: key, bytes(key))
        }
        let flat = try store.listObjectsV2(bucket: "b", prefix: "", delimiter: nil, continuationToken: nil, startAfter: nil, maxKeys: nil)
        XCTAssertEqual(flat.objects.map(\.key), ["Z", "a-b", "a/", "a/1", "a/2", "a/sub/x", "a/sub/y", "a/tub/z", "b", "é"],
                       "UTF-8 byte order")

        let delimited = try store.listObjectsV2(bucket: "b", prefix: "a/", delimiter: "/", continuationToken: nil,
                                                startAfter: nil, maxKeys: nil)
        XCTAssertEqual(delimited.objects.map(\.key), ["a/", "a/1", "a/2"])
        XCTAssertEqual(delimited.commonPrefixes, ["a/sub/", "a/tub/"])
        XCTAssertFalse(delimited.isTruncated)

        var seenObjects: [String] = []
        var seenPrefixes: [String] = []
        var token: String?
        var pages = 0
        repeat {
            let page = try store.listObjectsV2(bucket: "b", prefix: "a/", delimiter: "/", continuationToken: token,
                                               startAfter: nil, maxKeys: 2)
            XCTAssertLessThanOrEqual(page.objects.count + page.commonPrefixes.count, 2)
            seenObjects += page.objects.map(\.key)
            seenPrefixes += page.commonPrefixes
            token = page.isTruncated ? page.nextContinuationToken : nil
            pages += 1
        } while token != nil
        XCTAssertEqual(seenObjects, ["a/", "a/1", "a/2"])
        XCTAssertEqual(seenPrefixes, ["a/sub/", "a/tub/"])
        XCTAssertEqual(pages, 3)

        let after = try store.listObjectsV2(bucket: "b", prefix: "", delimiter: nil, continuationToken: nil, startAfter: "a/sub/x", maxKeys: 2)
        XCTAssertEqual(after.objects.map(\.key), ["a/sub/y", "a/tub/z"])
        XCTAssertTrue(after.isTruncated)
        XCTAssertEqual(s3Error {
            try store.listObjectsV2(bucket: "b", prefix: "", delimiter: nil, continuationToken: "garbage", startAfter: nil, maxKeys: nil)
        }?.status, 400)
    }

    func testCopyMetadataDirective() throws {
        let store = InMemoryObjectStore(buckets: ["b", "c"])
        store.seed(bucket: "b", key: "src", bytes("data"), contentType: "image/png", metadata: ["mode": "33188", "x": "1"], cacheControl: "max-age=9")
        let options = ObjectWriteOptions(acl: "public-read", contentType: "text/plain", cacheControl: "no-store",
                                         storageClass: "GLACIER", metadata: ["y": "2"])
        try store.copyObject(sourceBucket: "b", sourceKey: "src", bucket: "c", key: "kept", options: options, replaceMetadata: false)
        let kept = try XCTUnwrap(store.object("c", "kept"))
        XCTAssertEqual(kept.contentType, "image/png")
        XCTAssertEqual(kept.cacheControl, "max-age=9")
        XCTAssertEqual(kept.metadata, ["mode": "33188", "x": "1"])
        XCTAssertEqual(kept.acl, "public-read")
        XCTAssertEqual(kept.storageClass, "GLACIER")
        XCTAssertEqual(kept.text, "data")

        try store.copyObject(sourceBucket: "b", sourceKey: "src", bucket: "c", key: "replaced", options: options, replaceMetadata: true)
        let replaced = try XCTUnwrap(store.object("c", "replaced"))
        XCTAssertEqual(replaced.contentType, "text/plain")
        XCTAssertEqual(replaced.cacheControl, "no-store")
        XCTAssertEqual(replaced.metadata, ["y": "2"])

        let selfCopy = s3Error {
            try store.copyObject(sourceBucket: "b", sourceKey: "src", bucket: "b", key: "src", options: ObjectWriteOptions(acl: "private"),
                                 replaceMetadata: false)
        }
        XCTAssertEqual(selfCopy?.code, "InvalidRequest")
        XCTAssertEqual(s3Error {
            try store.copyObject(sourceBucket: "b", sourceKey: "none", bucket: "b", key: "x", options: ObjectWriteOptions(), replaceMetadata: true)
        }?.code, "NoSuchKey")
    }

    func testMultipartJoinsPartsInOrderAndEnforcesSizes() throws {
        let store = InMemoryObjectStore(buckets: ["b"])
        store.minimumPartSize = 4
        store.seed(bucket: "b", key: "src", bytes("0123456789"))
        let id = try store.createMultipartUpload(bucket: "b", key: "k", options: ObjectWriteOptions(contentType: "text/plain"))
        let e2 = try store.uploadPart(bucket: "b", key: "k", uploadID: id, partNumber: 2, body: .bytes(bytes("BBBB")))
        let e1 = try store.uploadPart(bucket: "b", key: "k", uploadID: id, partNumber: 1, body: .bytes(bytes("AAAA")))
        let e3 = try store.uploadPartCopy(bucket: "b", key: "k", uploadID: id, partNumber: 3, sourceBucket: "b", sourceKey: "src", range: 7..<10)
        let etag = try store.completeMultipartUpload(bucket: "b", key: "k", uploadID: id, parts: [
            CompletedPart(partNumber: 3, etag: e3), CompletedPart(partNumber: 1, etag: e1), CompletedPart(partNumber: 2, etag: e2),
        ])
        XCTAssertTrue(etag.hasSuffix("-3\""))
        XCTAssertEqual(store.object("b", "k")?.text, "AAAABBBB789")
        XCTAssertEqual(store.object("b", "k")?.contentType, "text/plain")
        XCTAssertEqual(store.openUploads, 0)

        let small = try store.createMultipartUpload(bucket: "b", key: "s", options: ObjectWriteOptions())
        let s1 = try store.uploadPart(bucket: "b", key: "s", uploadID: small, partNumber: 1, body: .bytes(bytes("x")))
        let s2 = try store.uploadPart(bucket: "b", key: "s", uploadID: small, partNumber: 2, body: .bytes(bytes("y")))
        XCTAssertEqual(s3Error {
            try store.completeMultipartUpload(bucket: "b", key: "s", uploadID: small,
                                              parts: [CompletedPart(partNumber: 1, etag: s1), CompletedPart(partNumber: 2, etag: s2)])
        }?.code, "EntityTooSmall")
        XCTAssertEqual(s3Error {
            try store.completeMultipartUpload(bucket: "b", key: "s", uploadID: small, parts: [CompletedPart(partNumber: 1, etag: "\"bad\"")])
        }?.code, "InvalidPart")
        try store.abortMultipartUpload(bucket: "b", key: "s", uploadID: small)
        XCTAssertEqual(store.openUploads, 0)
        XCTAssertEqual(s3Error { try store.abortMultipartUpload(bucket: "b", key: "s", uploadID: small) }?.code, "NoSuchUpload")
    }

    func testFaultInjectionAndLog() throws {
        let store = InMemoryObjectStore(buckets: ["b"])
        store.failNext("PutObject", times: 2, with: InMemoryObjectStore.serviceError(503, "SlowDown"))
        for _ in 0..<2 {
            let error = s3Error { try store.putObject(bucket: "b", key: "k", body: .empty, options: ObjectWriteOptions()) }
            XCTAssertEqual(error?.code, "SlowDown")
            XCTAssertEqual(error?.operation, "PutObject")
            XCTAssertEqual(error?.key, "k")
        }
        XCTAssertNoThrow(try store.putObject(bucket: "b", key: "k", body: .empty, options: ObjectWriteOptions()))
        XCTAssertEqual(store.count("PutObject"), 3)
        store.failNext("HeadObject", key: "other", with: InMemoryObjectStore.serviceError(403, "AccessDenied"))
        XCTAssertNoThrow(try store.headObject(bucket: "b", key: "k"), "the fault is for another key")
        XCTAssertEqual(s3Error { try store.headObject(bucket: "b", key: "other") }?.code, "AccessDenied")
        XCTAssertEqual(s3Error { try store.putObject(bucket: "b", key: String(repeating: "k", count: 1025), body: .empty,
                                                     options: ObjectWriteOptions()) }?.code, "KeyTooLongError")
    }
}
