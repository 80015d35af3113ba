import FileSystem
import Foundation
import S3
import XCTest

/// S3 failures become exactly one errno each, with a reason naming the module, key and S3 code.
final class ErrorMappingTests: FileSystemTestCase {
    private struct Case {
        var name: String
        var error: S3Error
        var errno: Int32
    }

    private static func afterRetries(_ error: S3Error) -> S3Error {
        var error = error
        error.attempts = 6
        return error
    }

    private let cases: [Case] = [
        Case(name: "404 NoSuchKey", error: InMemoryObjectStore.serviceError(404, "NoSuchKey"), errno: ENOENT),
        Case(name: "404 NoSuchBucket", error: InMemoryObjectStore.serviceError(404, "NoSuchBucket"), errno: ENOENT),
        Case(name: "403 AccessDenied", error: InMemoryObjectStore.serviceError(403, "AccessDenied"), errno: EACCES),
        Case(name: "403 SignatureDoesNotMatch", error: InMemoryObjectStore.serviceError(403, "SignatureDoesNotMatch"), errno: EACCES),
        Case(name: "403 InvalidAccessKeyId", error: InMemoryObjectStore.serviceError(403, "InvalidAccessKeyId"), errno: EACCES),
        Case(name: "400 ExpiredToken", error: InMemoryObjectStore.serviceError(400, "ExpiredToken"), errno: EACCES),
        Case(name: "400 EntityTooLarge", error: InMemoryObjectStore.serviceError(400, "EntityTooLarge"), errno: EFBIG),
        Case(name: "400 InvalidArgument", error: InMemoryObjectStore.serviceError(400, "InvalidArgument"), errno: EINVAL),
        Case(name: "key too long", error: InMemoryObjectStore.clientError("KeyTooLongError"), errno: ENAMETOOLONG),
        Case(name: "connection refused", error: afterRetries(InMemoryObjectStore.transportError("ConnectionFailed")), errno: EIO),
        Case(name: "timeout", error: afterRetries(InMemoryObjectStore.transportError("Timeout")), errno: ETIMEDOUT),
        Case(name: "500 after retries", error: afterRetries(InMemoryObjectStore.serviceError(500, "InternalError")), errno: EIO),
        Case(name: "503 SlowDown after retries", error: afterRetries(InMemoryObjectStore.serviceError(503, "SlowDown")), errno: EIO),
    ]

    private func assertReason(_ error: FSError?, module: String, key: String, code: String,
                              file: StaticString = #filePath, line: UInt = #line) {
        guard let error else { return }
        XCTAssertTrue(error.reason.contains("module \(module)"), "module missing: \(error.reason)", file: file, line: line)
        XCTAssertTrue(error.reason.contains(key), "key missing: \(error.reason)", file: file, line: line)
        XCTAssertTrue(error.reason.contains(code), "S3 code missing: \(error.reason)", file: file, line: line)
        XCTAssertEqual(error.s3?.code, code, file: file, line: line)
        if let requestID = error.s3?.requestID {
            XCTAssertTrue(error.reason.contains(requestID), "request id missing: \(error.reason)", file: file, line: line)
        }
    }

    /// Reading an open file: the GET fails.
    func testReadFailures() throws {
        for test in cases {
            let fs = try makeFS()
            store.seed(bucket: "media-bucket", key: "media/r.bin", pattern(100))
            let handle = try fs.open("/media/r.bin", flags: O_RDONLY)
            store.failNext("GetObject", with: test.error)
            let error = assertErrno(test.errno, test.name) { try fs.read(handle, offset: 0, size: 10) }
            assertReason(error, module: "media", key: "media/r.bin", code: test.error.code)
            // The next read works: the failure was not remembered.
            XCTAssertEqual(try fs.read(handle, offset: 0, size: 10), Array(pattern(100)[0..<10]), test.name)
            try fs.release(handle)
        }
    }

    /// stat: the HEAD fails with something other than "not found".
    func testGetattrFailures() throws {
        for test in cases where !test.error.isNotFound {
            let fs = try makeFS()
            store.seed(bucket: "docs-bucket", key: "documents/h.txt", "h")
            store.failNext("HeadObject", with: test.error)
            let error = assertErrno(test.errno, test.name) { try fs.getattr("/docs/h.txt") }
            assertReason(error, module: "docs", key: "documents/h.txt", code: test.error.code)
            XCTAssertEqual(try fs.getattr("/docs/h.txt").size, 1, "not cached as a failure: \(test.name)")
        }
    }

    /// close: the upload fails.
    func testUploadFailures() throws {
        for (index, test) in cases.enumerated() {
            let fs = try makeFS()
            let path = "/media/up\(index).txt"
            let handle = try fs.create(path, mode: 0o644, flags: O_WRONLY, caller: caller)
            try write(fs, handle, at: 0, bytes("data"))
            store.failNext("PutObject", with: test.error)
            let error = assertErrno(test.errno, test.name) { try fs.flush(handle) }
            assertReason(error, module: "media", key: "media/up\(index).txt", code: test.error.code)
            try fs.release(handle)
            XCTAssertEqual(store.object("media-bucket", "media/up\(index).txt")?.text, "data", "retried at close: \(test.name)")
        }
    }

    /// readdir: the listing fails.
    func testListingFailures() throws {
        for test in cases {
            let fs = try makeFS()
            store.failNext("ListObjectsV2", with: test.error)
            let error = assertErrno(test.errno, test.name) { try fs.readdir("/media") }
            assertReason(error, module: "media", key: "media/", code: test.error.code)
        }
    }

    func testRenameFailureLeavesTheSourceInPlace() throws {
        let fs = try makeFS()
        store.seed(bucket: "media-bucket", key: "media/a", "a")
        store.failNext("CopyObject", with: InMemoryObjectStore.serviceError(403, "AccessDenied"))
        let error = assertErrno(EACCES) { try fs.rename("/media/a", to: "/docs/a") }
        assertReason(error, module: "docs", key: "documents/a", code: "AccessDenied")
        XCTAssertEqual(store.keys("media-bucket"), ["media/a"])
        XCTAssertEqual(store.count("DeleteObject"), 0)

        store.seed(bucket: "media-bucket", key: "media/d/1", "1")
        store.seed(bucket: "media-bucket", key: "media/d/2", "2")
        store.failNext("CopyObject", key: "media/e/2", with: InMemoryObjectStore.serviceError(500, "InternalError"))
        assertErrno(EIO) { try fs.rename("/media/d", to: "/media/e") }
        XCTAssertEqual(store.keys("media-bucket", prefix: "media/d/"), ["media/d/1", "media/d/2"], "nothing deleted")
    }

    /// S3 answers a GET of an archived (Glacier, Deep Archive) object with 403 InvalidObjectState;
    /// FSError.from means that to be EAGAIN ("restore it first"), not a permission problem.
    func testArchivedObjectIsEAGAINNotEACCES() throws {
        let fs = try makeFS()
        store.seed(bucket: "media-bucket", key: "media/cold.bin", pattern(10))
        let handle = try fs.open("/media/cold.bin", flags: O_RDONLY)
        store.failNext("GetObject", with: InMemoryObjectStore.serviceError(
            403, "InvalidObjectState", message: "The operation is not valid for the object's storage class"))
        let error = assertErrno(EAGAIN) { try fs.read(handle, offset: 0, size: 10) }
        assertReason(error, module: "media", key: "media/cold.bin", code: "InvalidObjectState")
        try fs.release(handle)
    }

    /// Reads are pinned to one version: a handle that has read from version 1 does not go on
    /// with bytes of version 2.
    func testObjectChangedInS3WhileOpenIsESTALE() throws {
        let fs = try makeFS()
        let old = pattern(5 << 20, seed: 1)
        store.seed(bucket: "media-bucket", key: "media/v", old)
        let handle = try fs.open("/media/v", flags: O_RDONLY)
        XCTAssertEqual(try fs.read(handle, offset: 2_500_000, size: 10), Array(old[2_500_000..<2_500_010]))
        store.seed(bucket: "media-bucket", key: "media/v", pattern(5 << 20, seed: 9))
        let error = assertErrno(ESTALE) { try fs.read(handle, offset: 4_800_000, size: 10) }
        assertReason(error, module: "media", key: "media/v", code: "PreconditionFailed")
        XCTAssertEqual(error?.s3?.status, 412)
        try fs.release(handle)
    }

    /// After ESTALE the log says "reopen to read the new version": the reopen must not reuse the
    /// version that S3 just refused.
    func testReopenAfterESTALEReadsTheNewVersion() throws {
        let fs = try makeFS()
        store.seed(bucket: "media-bucket", key: "media/v", pattern(5 << 20, seed: 1))
        let handle = try fs.open("/media/v", flags: O_RDONLY)
        _ = try fs.read(handle, offset: 2_500_000, size: 10)
        let new = pattern(3 << 20, seed: 9)
        store.seed(bucket: "media-bucket", key: "media/v", new)
        assertErrno(ESTALE) { try fs.read(handle, offset: 4_800_000, size: 10) }
        try fs.release(handle)
        let reread = assertNoThrow { try self.readFile(fs, "/media/v") }
        XCTAssertTrue(reread == new, "reopened: \(reread?.count ?? -1) bytes, expected the new \(new.count)")
    }

    func testMkdirAndUnlinkFailures() throws {
        let fs = try makeFS()
        store.failNext("PutObject", with: InMemoryObjectStore.serviceError(403, "AccessDenied"))
        let mkdirError = assertErrno(EACCES) { try fs.mkdir("/docs/d", mode: 0o700, caller: self.caller) }
        assertReason(mkdirError, module: "docs", key: "documents/d/", code: "AccessDenied")
        assertErrno(ENOENT) { try fs.getattr("/docs/d") }

        store.seed(bucket: "docs-bucket", key: "documents/f", "f")
        store.failNext("DeleteObject", with: InMemoryObjectStore.transportError("Timeout"))
        let unlinkError = assertErrno(ETIMEDOUT) { try fs.unlink("/docs/f") }
        assertReason(unlinkError, module: "docs", key: "documents/f", code: "Timeout")
        XCTAssertEqual(store.keys("docs-bucket"), ["documents/f"])
    }
}
