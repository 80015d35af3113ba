import FileSystem
import Foundation
import S3
import XCTest

/// Rewriting a small part of a large existing object uploads only what is needed: parts left
/// unchanged are copied on the server (UploadPartCopy), never downloaded and sent again.
final class PartialRewriteTests: FileSystemTestCase {
    private let mib: UInt64 = 1 << 20

    private func options(writeBack: Bool = false) -> FileSystemOptions {
        var options = FileSystemOptions()
        options.multipartThreshold = 5 << 20
        options.partSize = 5 << 20
        options.transferConcurrency = 2
        options.writeBack = writeBack
        return options
    }

    /// Bytes downloaded by GETs of `key` since the log was reset.
    private func downloaded(_ key: String) -> UInt64 {
        store.calls("GetObject").filter { $0.key == key }.reduce(0) { total, call in
            total + UInt64(call.range?.count ?? Int.max / 2)
        }
    }

    func testInPlaceWriteCopiesUnchangedPartsOnTheServer() throws {
        let original = pattern(20 << 20, seed: 7)
        store.seed(bucket: "media-bucket", key: "media/db.dump", original)
        let media = module("media", bucket: "media-bucket", prefix: "media/", acl: "public-read", fileOverwrite: true)
        let fs2 = try makeFS([media], options: options())
        store.resetLog()

        // dd conv=notrunc seek=12MiB: ten bytes in the third 5 MiB part.
        let handle = try fs2.open("/media/db.dump", flags: O_RDWR)
        XCTAssertEqual(try write(fs2, handle, at: 12 * mib, bytes("0123456789")), 10)
        try fs2.flush(handle)
        try fs2.release(handle)

        var expected = original
        expected.replaceSubrange(Int(12 * mib)..<Int(12 * mib + 10), with: bytes("0123456789"))
        XCTAssertEqual(store.object("media-bucket", "media/db.dump")?.data, expected)
        XCTAssertEqual(store.calls("UploadPartCopy").compactMap(\.partNumber).sorted(), [1, 2, 4])
        XCTAssertEqual(store.calls("UploadPart").compactMap(\.partNumber), [3])
        XCTAssertLessThanOrEqual(downloaded("media/db.dump"), 5 * mib, "only the changed part's bytes are fetched")
    }

    func testAppendToALargeObjectSendsOnlyTheTail() throws {
        let media = module("media", bucket: "media-bucket", prefix: "media/", acl: "public-read", fileOverwrite: true)
        let fs = try makeFS([media], options: options())
        let original = pattern(15 << 20, seed: 3)
        store.seed(bucket: "media-bucket", key: "media/app.log", original)
        store.resetLog()

        let handle = try fs.open("/media/app.log", flags: O_WRONLY | O_APPEND)
        XCTAssertEqual(try write(fs, handle, at: 15 * mib, bytes("new line\n")), 9)
        XCTAssertEqual(try fs.getattr("/media/app.log").size, 15 * mib + 9)
        try fs.release(handle)

        XCTAssertEqual(store.object("media-bucket", "media/app.log")?.data, original + bytes("new line\n"))
        XCTAssertEqual(store.calls("UploadPartCopy").compactMap(\.partNumber).sorted(), [1, 2, 3])
        XCTAssertEqual(downloaded("media/app.log"), 0, "nothing downloaded to append")
    }

    func testReadsOfAPartialCopySeeBothTheWritesAndTheRest() throws {
        let media = module("media", bucket: "media-bucket", prefix: "media/", acl: "public-read", fileOverwrite: true)
        let fs = try makeFS([media], options: options(writeBack: true))
        let original = pattern(12 << 20, seed: 9)
        store.seed(bucket: "media-bucket", key: "media/mixed.bin", original)

        let handle = try fs.open("/media/mixed.bin", flags: O_RDWR)
        _ = try write(fs, handle, at: 6 * mib - 2, bytes("ABCD"))
        var expected = original
        expected.replaceSubrange(Int(6 * mib - 2)..<Int(6 * mib + 2), with: bytes("ABCD"))
        XCTAssertEqual(try fs.read(handle, offset: 6 * mib - 4, size: 8), Array(expected[Int(6 * mib - 4)..<Int(6 * mib + 4)]))
        try fs.fsync(handle)  // write-back: returns once it is in S3
        try fs.release(handle)
        XCTAssertEqual(store.object("media-bucket", "media/mixed.bin")?.data, expected)
        XCTAssertFalse(store.calls("UploadPartCopy").isEmpty)
        XCTAssertEqual(try readFile(fs, "/media/mixed.bin"), expected)
    }

    func testObjectChangedInS3MeanwhileIsNotOverwrittenBlindly() throws {
        let media = module("media", bucket: "media-bucket", prefix: "media/", acl: "public-read", fileOverwrite: true)
        let fs = try makeFS([media], options: options())
        store.seed(bucket: "media-bucket", key: "media/raced.bin", pattern(10 << 20, seed: 1))
        let handle = try fs.open("/media/raced.bin", flags: O_RDWR)
        _ = try write(fs, handle, at: 1, bytes("x"))
        store.seed(bucket: "media-bucket", key: "media/raced.bin", pattern(10 << 20, seed: 2))  // another host
        assertErrno(ESTALE) { try fs.flush(handle) }
        XCTAssertEqual(store.object("media-bucket", "media/raced.bin")?.data, pattern(10 << 20, seed: 2))
    }
}

extension PartialRewriteTests {
    func testRenameOfAPartiallyRewrittenFileLandsWholeUnderTheNewName() throws {
        let media = module("media", bucket: "media-bucket", prefix: "media/", acl: "public-read", fileOverwrite: true)
        let fs = try makeFS([media], options: options())
        let original = pattern(11 << 20, seed: 4)
        store.seed(bucket: "media-bucket", key: "media/old.bin", original)
        let handle = try fs.open("/media/old.bin", flags: O_RDWR)
        _ = try write(fs, handle, at: 100, bytes("zz"))
        try fs.rename("/media/old.bin", to: "/media/new.bin")
        try fs.release(handle)
        var expected = original
        expected.replaceSubrange(100..<102, with: bytes("zz"))
        XCTAssertEqual(store.object("media-bucket", "media/new.bin")?.data, expected)
        XCTAssertNil(store.object("media-bucket", "media/old.bin"))
    }
}

/// When the data waiting for upload would pass the cache's bound, writers wait (back-pressure)
/// rather than fail, and nothing is lost.
final class BackPressureTests: FileSystemTestCase {
    func testWritersWaitForRoomInsteadOfFailing() throws {
        var options = FileSystemOptions()
        options.writeBack = true
        options.maxCacheBytes = 3 << 20
        let fs = try makeFS(options: options)
        // The first upload fails once: it is retried after a back-off, holding its bytes meanwhile.
        store.failNext("PutObject", times: 1, key: "media/a.bin", with: InMemoryObjectStore.serviceError(503, "SlowDown"))
        try createFile(fs, "/media/a.bin", pattern(2 << 20, seed: 1))
        let start = Date()
        try createFile(fs, "/media/b.bin", pattern(2 << 20, seed: 2))  // 2 + 2 MiB > 3 MiB: waits for a.bin
        XCTAssertGreaterThan(Date().timeIntervalSince(start), 0.3, "the second close should have waited for room")
        XCTAssertNotNil(store.object("media-bucket", "media/a.bin"), "a.bin was uploaded before b.bin was accepted")
        XCTAssertTrue(fs.flushAll().isEmpty)
        XCTAssertEqual(store.object("media-bucket", "media/b.bin")?.data, pattern(2 << 20, seed: 2))
    }
}
