import FileSystem
import Foundation
import S3
import XCTest

/// create/open/read/write/truncate/flush/fsync/release and what lands in S3.
final class ReadWriteTests: FileSystemTestCase {
    func testCreateWriteFlushUploadsWithTheModuleRules() throws {
        let module = module("media", bucket: "media-bucket", prefix: "media/", acl: "public-read", storageClass: "STANDARD_IA",
                            serverSideEncryption: "AES256", cacheControl: "max-age=3600")
        let fs = try makeFS([module])
        let before = Timestamp.now()
        let handle = try fs.create("/media/css/site.css", mode: 0o640, flags: O_WRONLY | O_CREAT, caller: Caller(uid: 501, gid: 20))
        XCTAssertEqual(try write(fs, handle, at: 0, bytes("body { color: red }")), 19)
        XCTAssertTrue(store.calls("PutObject").isEmpty, "nothing is uploaded before flush")
        try fs.flush(handle)

        let object = try XCTUnwrap(store.object("media-bucket", "media/css/site.css"))
        XCTAssertEqual(object.text, "body { color: red }")
        XCTAssertEqual(object.acl, "public-read")
        XCTAssertEqual(object.contentType, "text/css")
        XCTAssertEqual(object.cacheControl, "max-age=3600")
        XCTAssertEqual(object.storageClass, "STANDARD_IA")
        XCTAssertEqual(object.serverSideEncryption, "AES256")
        XCTAssertEqual(object.metadata["mode"], modeString(S_IFREG, 0o640))
        XCTAssertEqual(object.metadata["uid"], "501")
        XCTAssertEqual(object.metadata["gid"], "20")
        let mtime = try XCTUnwrap(object.metadata["mtime"].flatMap(Timestamp.init(metadataValue:)))
        XCTAssertGreaterThanOrEqual(mtime.seconds, before.seconds)
        XCTAssertLessThanOrEqual(mtime.seconds, Timestamp.now().seconds)
        XCTAssertEqual(store.calls("PutObject").map(\.key), ["media/css/site.css"])

        try fs.release(handle)
        XCTAssertEqual(store.count("PutObject"), 1, "release after flush does not upload again")
        XCTAssertEqual(stagingFiles(), [], "the staging file is removed at the last close")

        let stat = try fs.getattr("/media/css/site.css")
        XCTAssertEqual(stat.size, 19)
        XCTAssertEqual(stat.permissions, 0o640)
        XCTAssertEqual(stat.uid, 501)
    }

    func testContentTypeFollowsTheExtension() throws {
        let fs = try makeFS()
        let cases = ["photo.jpg": "image/jpeg", "photo.JPEG": "image/jpeg", "style.css": "text/css", "app.js": "text/javascript",
                     "data.json": "application/json", "page.html": "text/html", "noextension": "application/octet-stream",
                     "font.woff2": "font/woff2"]
        for (name, type) in cases {
            try createFile(fs, "/media/\(name)", bytes(name))
            XCTAssertEqual(store.object("media-bucket", "media/\(name)")?.contentType, type, name)
        }
    }

    func testEmptyNewFileIsUploadedOnClose() throws {
        let fs = try makeFS()
        let handle = try fs.create("/docs/empty", mode: 0o600, flags: O_WRONLY, caller: caller)
        try fs.release(handle)
        let object = try XCTUnwrap(store.object("docs-bucket", "documents/empty"))
        XCTAssertEqual(object.data, [])
        XCTAssertEqual(object.acl, "private")
        XCTAssertEqual(try fs.getattr("/docs/empty").size, 0)
    }

    func testSmallReadOfLargeObjectUsesARangedGet() throws {
        let fs = try makeFS()
        let size = 5 << 20
        let data = pattern(size, seed: 7)
        store.seed(bucket: "media-bucket", key: "media/big.bin", data)
        let handle = try fs.open("/media/big.bin", flags: O_RDONLY)
        store.resetLog()

        let offset = 2_000_000
        XCTAssertEqual(try fs.read(handle, offset: UInt64(offset), size: 10), Array(data[offset..<(offset + 10)]))
        let first = try XCTUnwrap(store.calls("GetObject").first, "the read went to S3")
        let range = try XCTUnwrap(first.range, "a ranged GET, not the whole object")
        XCTAssertTrue(range.contains(UInt64(offset)) && range.contains(UInt64(offset + 9)), "\(range) holds the bytes read")
        XCTAssertLessThanOrEqual(range.count, 2 << 20, "a small read fetches little (docs: the window starts at 1 MiB)")

        // Another small read elsewhere: still never the whole object.
        XCTAssertEqual(try fs.read(handle, offset: 4_500_000, size: 10), Array(data[4_500_000..<4_500_010]))
        let gets = store.calls("GetObject")
        XCTAssertTrue(gets.allSatisfy { $0.range != nil && $0.range!.count < size }, "\(gets)")
        try fs.release(handle)
        XCTAssertEqual(mutations(), [])
    }

    func testReadsAtArbitraryOffsetsAndAtEOF() throws {
        let fs = try makeFS()
        let size = 3 << 20 + 17
        let data = pattern(size, seed: 3)
        store.seed(bucket: "media-bucket", key: "media/r.bin", data)
        let handle = try fs.open("/media/r.bin", flags: O_RDONLY)
        for (offset, length) in [(0, 1), (size - 1, 1), (1 << 20, 4096), (123_457, 70_000), ((2 << 20) - 5, 10),
                                 (size - 100, 4096), (17, 3 << 20)] {
            let expected = Array(data[offset..<min(size, offset + length)])
            XCTAssertEqual(try fs.read(handle, offset: UInt64(offset), size: length), expected, "read \(length) at \(offset)")
        }
        XCTAssertEqual(try fs.read(handle, offset: UInt64(size), size: 10), [], "at EOF")
        XCTAssertEqual(try fs.read(handle, offset: UInt64(size + 1000), size: 10), [], "past EOF")
        XCTAssertEqual(try fs.read(handle, offset: 5, size: 0), [])
        XCTAssertTrue(store.calls("GetObject").allSatisfy { $0.range != nil }, "\(store.calls("GetObject"))")
        try fs.release(handle)
    }

    func testSequentialReadOfWholeFileIsCorrectAndReadsAhead() throws {
        let fs = try makeFS()
        let data = pattern(5 << 20, seed: 11)
        store.seed(bucket: "media-bucket", key: "media/seq.bin", data)
        let handle = try fs.open("/media/seq.bin", flags: O_RDONLY)
        store.resetLog()
        XCTAssertEqual(try readToEnd(fs, handle, chunk: 128 << 10), data)
        let gets = store.calls("GetObject")
        XCTAssertLessThan(gets.count, 20, "40 reads of 128 KiB need a few GETs, not one each: \(gets)")
        XCTAssertTrue(gets.allSatisfy { $0.range != nil && $0.range!.count <= 16 << 20 }, "\(gets)")
        try fs.release(handle)
    }

    func testWriteAtOffsetIntoAnExistingObjectKeepsTheRest() throws {
        let fs = try makeFS()
        store.seed(bucket: "media-bucket", key: "media/digits.txt", "0123456789", contentType: "text/plain")
        let handle = try fs.open("/media/digits.txt", flags: O_WRONLY)
        try write(fs, handle, at: 3, bytes("ab"))
        XCTAssertEqual(try fs.getattr("/media/digits.txt").size, 10)
        try fs.release(handle)
        XCTAssertEqual(store.object("media-bucket", "media/digits.txt")?.text, "012ab56789")
        XCTAssertEqual(store.count("PutObject"), 1)
    }

    func testWritePastTheEndLeavesAZeroFilledHole() throws {
        let fs = try makeFS()
        store.seed(bucket: "media-bucket", key: "media/h", "ab")
        let handle = try fs.open("/media/h", flags: O_RDWR)
        try write(fs, handle, at: 5, bytes("Z"))
        XCTAssertEqual(try fs.read(handle, offset: 0, size: 100), bytes("ab") + [0, 0, 0] + bytes("Z"))
        try fs.release(handle)
        XCTAssertEqual(store.object("media-bucket", "media/h")?.data, bytes("ab") + [0, 0, 0] + bytes("Z"))
    }

    func testAppend() throws {
        let fs = try makeFS()
        store.seed(bucket: "media-bucket", key: "media/log.txt", "hello")
        let size = try fs.getattr("/media/log.txt").size
        let handle = try fs.open("/media/log.txt", flags: O_WRONLY | O_APPEND)
        try write(fs, handle, at: size, bytes(" world"))
        try write(fs, handle, at: size + 6, bytes("!"))
        try fs.release(handle)
        XCTAssertEqual(store.object("media-bucket", "media/log.txt")?.text, "hello world!")
    }

    func testReadYourOwnWritesThroughAnotherHandle() throws {
        let fs = try makeFS()
        store.seed(bucket: "media-bucket", key: "media/shared", "aaaaaaaaaa")
        let reader = try fs.open("/media/shared", flags: O_RDONLY)
        XCTAssertEqual(try fs.read(reader, offset: 0, size: 4), bytes("aaaa"))
        let writer = try fs.open("/media/shared", flags: O_WRONLY)
        try write(fs, writer, at: 2, bytes("BB"))
        XCTAssertEqual(try fs.read(reader, offset: 0, size: 10), bytes("aaBBaaaaaa"))
        try fs.release(writer)
        try fs.release(reader)
        XCTAssertEqual(store.object("media-bucket", "media/shared")?.text, "aaBBaaaaaa")
    }

    func testTruncateDownAndUpThroughAHandle() throws {
        let fs = try makeFS()
        store.seed(bucket: "media-bucket", key: "media/t.txt", "0123456789")
        let handle = try fs.open("/media/t.txt", flags: O_RDWR)
        try fs.truncate("/media/t.txt", size: 4, handle: handle)
        XCTAssertEqual(try fs.getattr("/media/t.txt").size, 4)
        XCTAssertEqual(try fs.read(handle, offset: 0, size: 100), bytes("0123"))
        try fs.truncate("/media/t.txt", size: 8, handle: handle)
        XCTAssertEqual(try fs.read(handle, offset: 0, size: 100), bytes("0123") + [0, 0, 0, 0])
        XCTAssertEqual(store.object("media-bucket", "media/t.txt")?.text, "0123456789", "not uploaded before close")
        try fs.release(handle)
        XCTAssertEqual(store.object("media-bucket", "media/t.txt")?.data, bytes("0123") + [0, 0, 0, 0])
    }

    func testTruncateByPathUploadsAtOnce() throws {
        let fs = try makeFS()
        store.seed(bucket: "media-bucket", key: "media/p.txt", "0123456789")
        try fs.truncate("/media/p.txt", size: 3, handle: nil)
        XCTAssertEqual(store.object("media-bucket", "media/p.txt")?.text, "012")
        XCTAssertEqual(try fs.getattr("/media/p.txt").size, 3)
        try fs.truncate("/media/p.txt", size: 5, handle: nil)
        XCTAssertEqual(store.object("media-bucket", "media/p.txt")?.data, bytes("012") + [0, 0])
        store.resetLog()
        try fs.truncate("/media/p.txt", size: 0, handle: nil)
        XCTAssertEqual(store.object("media-bucket", "media/p.txt")?.data, [])
        XCTAssertEqual(store.count("GetObject"), 0, "truncating to zero needs no download")
        XCTAssertEqual(store.count("PutObject"), 1)
        XCTAssertEqual(stagingFiles(), [])
        store.seed(bucket: "media-bucket", key: "media/dir/x", "x")
        assertErrno(EISDIR) { try fs.truncate("/media/dir", size: 0, handle: nil) }
    }

    func testOpenWithOTruncStartsEmpty() throws {
        let fs = try makeFS()
        store.seed(bucket: "media-bucket", key: "media/o.txt", "old contents")
        store.resetLog()
        let handle = try fs.open("/media/o.txt", flags: O_WRONLY | O_TRUNC)
        XCTAssertEqual(try fs.getattr("/media/o.txt").size, 0)
        try write(fs, handle, at: 0, bytes("new"))
        try fs.release(handle)
        XCTAssertEqual(store.object("media-bucket", "media/o.txt")?.text, "new")
        XCTAssertEqual(store.count("GetObject"), 0, "O_TRUNC needs no download")
    }

    func testFsyncUploadsAndReleaseDoesNotUploadAgain() throws {
        let fs = try makeFS()
        let handle = try fs.create("/media/s.txt", mode: 0o644, flags: O_WRONLY, caller: caller)
        try write(fs, handle, at: 0, bytes("one"))
        try fs.fsync(handle)
        XCTAssertEqual(store.object("media-bucket", "media/s.txt")?.text, "one")
        try write(fs, handle, at: 3, bytes(" two"))
        try fs.fsync(handle)
        XCTAssertEqual(store.object("media-bucket", "media/s.txt")?.text, "one two")
        try fs.flush(handle)
        try fs.release(handle)
        XCTAssertEqual(store.count("PutObject"), 2)
    }

    func testReleaseAfterFlushUploadsOnce() throws {
        let fs = try makeFS()
        let handle = try fs.create("/media/once.txt", mode: 0o644, flags: O_WRONLY, caller: caller)
        try write(fs, handle, at: 0, bytes("x"))
        try fs.flush(handle)
        try fs.flush(handle)
        try fs.release(handle)
        XCTAssertEqual(store.count("PutObject"), 1)

        // Opening and closing without writing uploads nothing.
        let reopened = try fs.open("/media/once.txt", flags: O_RDWR)
        try fs.flush(reopened)
        try fs.release(reopened)
        XCTAssertEqual(store.count("PutObject"), 1)
        XCTAssertEqual(store.count("CopyObject"), 0)
    }

    func testUnlinkOfANewFileOpenForWritingUploadsNothing() throws {
        let fs = try makeFS()
        let handle = try fs.create("/media/gone.txt", mode: 0o644, flags: O_WRONLY, caller: caller)
        try write(fs, handle, at: 0, bytes("temporary"))
        try fs.unlink("/media/gone.txt")
        assertErrno(ENOENT) { try fs.getattr("/media/gone.txt") }
        XCTAssertEqual(try fs.readdir("/media"), [])
        try write(fs, handle, at: 9, bytes(" more"))
        try fs.flush(handle)
        try fs.release(handle)
        XCTAssertEqual(store.count("PutObject"), 0)
        XCTAssertEqual(store.keys("media-bucket"), [])
        XCTAssertEqual(stagingFiles(), [], "the staging file of the unlinked file outlives its last close")
    }

    func testUnlinkOfAnExistingFileOpenForWritingDeletesAndUploadsNothing() throws {
        let fs = try makeFS()
        store.seed(bucket: "media-bucket", key: "media/e.txt", "existing")
        let handle = try fs.open("/media/e.txt", flags: O_WRONLY)
        try write(fs, handle, at: 0, bytes("changed"))
        try fs.unlink("/media/e.txt")
        try fs.release(handle)
        XCTAssertEqual(store.keys("media-bucket"), [])
        XCTAssertEqual(store.count("PutObject"), 0)
        XCTAssertEqual(store.calls("DeleteObject").map(\.key), ["media/e.txt"])
    }

    /// POSIX: a file unlinked while open stays readable through the open descriptor.
    func testOpenHandleStillReadsAfterUnlink() throws {
        let fs = try makeFS()
        store.seed(bucket: "media-bucket", key: "media/keep.txt", "still here")
        let handle = try fs.open("/media/keep.txt", flags: O_RDONLY)
        try fs.unlink("/media/keep.txt")
        XCTAssertNil(store.object("media-bucket", "media/keep.txt"))
        let data = assertNoThrow { try fs.read(handle, offset: 0, size: 100) }
        XCTAssertEqual(data, bytes("still here"))
        try fs.release(handle)
    }

    func testWriteOnAReadOnlyHandleIsEBADF() throws {
        let fs = try makeFS()
        store.seed(bucket: "media-bucket", key: "media/r", "r")
        let handle = try fs.open("/media/r", flags: O_RDONLY)
        assertErrno(EBADF) { try self.write(fs, handle, at: 0, bytes("w")) }
        try fs.release(handle)
        assertErrno(EBADF) { try fs.read(handle, offset: 0, size: 1) }
        store.seed(bucket: "media-bucket", key: "media/dir/", [])
        assertErrno(EISDIR) { try fs.open("/media/dir", flags: O_RDONLY) }
    }

    func testFlushAllUploadsEveryDirtyFile() throws {
        let fs = try makeFS()
        store.seed(bucket: "docs-bucket", key: "documents/existing.txt", "v1")
        let a = try fs.create("/media/a.txt", mode: 0o644, flags: O_WRONLY, caller: caller)
        let b = try fs.create("/media/sub/b.txt", mode: 0o644, flags: O_WRONLY, caller: caller)
        let c = try fs.open("/docs/existing.txt", flags: O_WRONLY)
        let clean = try fs.open("/docs/existing.txt", flags: O_RDONLY)
        try write(fs, a, at: 0, bytes("A"))
        try write(fs, b, at: 0, bytes("B"))
        try write(fs, c, at: 2, bytes("+"))
        XCTAssertEqual(store.count("PutObject"), 0)

        XCTAssertEqual(fs.flushAll().map(\.reason), [])
        XCTAssertEqual(store.object("media-bucket", "media/a.txt")?.text, "A")
        XCTAssertEqual(store.object("media-bucket", "media/sub/b.txt")?.text, "B")
        XCTAssertEqual(store.object("docs-bucket", "documents/existing.txt")?.text, "v1+")
        XCTAssertEqual(store.count("PutObject"), 3)
        for handle in [a, b, c, clean] { try fs.release(handle) }
        XCTAssertEqual(store.count("PutObject"), 3, "nothing left to upload at close")
    }

    func testFailedFlushKeepsTheDataAndReleaseRetries() throws {
        let fs = try makeFS()
        let handle = try fs.create("/media/retry.txt", mode: 0o644, flags: O_WRONLY, caller: caller)
        try write(fs, handle, at: 0, bytes("precious"))
        var failure = InMemoryObjectStore.serviceError(503, "ServiceUnavailable")
        failure.attempts = 6
        store.failNext("PutObject", with: failure)
        assertErrno(EIO) { try fs.flush(handle) }
        XCTAssertNil(store.object("media-bucket", "media/retry.txt"))
        try fs.release(handle)
        XCTAssertEqual(store.object("media-bucket", "media/retry.txt")?.text, "precious")
    }
}
