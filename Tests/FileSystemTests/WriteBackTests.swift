import FileSystem
import Foundation
import S3
import XCTest

/// Write-back (what `smartfs mount` uses): close() journals the data and returns; uploads run in
/// the background. These tests only assert what does not depend on when an upload runs: what
/// this mount shows meanwhile, and the state once `fsync` or `flushAll` has waited.
final class WriteBackTests: FileSystemTestCase {
    private func writeBackFS(_ modules: [MountedModule]? = nil) throws -> SmartFileSystem {
        var options = FileSystemOptions()
        options.writeBack = true
        options.uploadWorkers = 2
        return try makeFS(modules, options: options)
    }

    /// Files left in every mount's journal directory.
    private func journalFiles() -> [String] {
        let mountsDirectory = tmp + "/mounts"
        var files: [String] = []
        for mount in (try? FileManager.default.contentsOfDirectory(atPath: mountsDirectory)) ?? [] {
            files += (try? FileManager.default.contentsOfDirectory(atPath: "\(mountsDirectory)/\(mount)/journal")) ?? []
        }
        return files
    }

    func testClosedFileIsServedLocallyAndUploadedByFlushAll() throws {
        let fs = try writeBackFS()
        let data = pattern(200_000, seed: 12)
        try fs.mkdir("/media/wb", mode: 0o755, caller: caller)
        try createFile(fs, "/media/wb/site.css", data, mode: 0o640)
        // Whether or not the upload ran yet, this mount shows the new file.
        XCTAssertEqual(try fs.getattr("/media/wb/site.css").size, 200_000)
        XCTAssertEqual(try fs.getattr("/media/wb/site.css").permissions, 0o640)
        XCTAssertEqual(try fs.readdir("/media/wb").names, ["site.css"])
        XCTAssertEqual(try readFile(fs, "/media/wb/site.css"), data)

        XCTAssertEqual(fs.flushAll(patience: 5).map(\.reason), [])
        let object = try XCTUnwrap(store.object("media-bucket", "media/wb/site.css"))
        XCTAssertTrue(object.data == data)
        XCTAssertEqual(object.contentType, "text/css")
        XCTAssertEqual(object.acl, "public-read")
        XCTAssertEqual(object.metadata["mode"], modeString(S_IFREG, 0o640))
        XCTAssertEqual(store.keys("media-bucket"), ["media/wb/", "media/wb/site.css"])
        XCTAssertEqual(store.count("PutObject"), 2, "the marker and the file")
        XCTAssertEqual(journalFiles(), [], "the journal is emptied once uploaded")
        XCTAssertEqual(stagingFiles(), [])
    }

    func testFsyncReturnsOnceTheFileIsInS3() throws {
        let fs = try writeBackFS()
        let handle = try fs.create("/docs/f.txt", mode: 0o600, flags: O_WRONLY, caller: caller)
        try write(fs, handle, at: 0, bytes("durable"))
        try fs.fsync(handle)
        XCTAssertEqual(store.object("docs-bucket", "documents/f.txt")?.text, "durable")
        try fs.release(handle)
        XCTAssertEqual(fs.flushAll(patience: 5).count, 0)
        XCTAssertEqual(store.count("PutObject"), 1)
    }

    func testNewerVersionsWinAndLandInOrder() throws {
        let fs = try writeBackFS()
        try createFile(fs, "/media/v.txt", bytes("v1"))
        for version in 2...4 {
            let handle = try fs.open("/media/v.txt", flags: O_WRONLY | O_TRUNC)
            try write(fs, handle, at: 0, bytes("v\(version)"))
            try fs.release(handle)
            XCTAssertEqual(try readFile(fs, "/media/v.txt"), bytes("v\(version)"))
        }
        XCTAssertEqual(fs.flushAll(patience: 5).count, 0)
        XCTAssertEqual(store.object("media-bucket", "media/v.txt")?.text, "v4")
        XCTAssertEqual(journalFiles(), [])
    }

    func testUnlinkAfterCloseLeavesNothingInS3() throws {
        let fs = try writeBackFS()
        try createFile(fs, "/media/tmp.txt", bytes("short-lived"))
        try fs.unlink("/media/tmp.txt")
        assertErrno(ENOENT) { try fs.getattr("/media/tmp.txt") }
        XCTAssertEqual(fs.flushAll(patience: 5).count, 0)
        XCTAssertEqual(store.keys("media-bucket"), [])
        XCTAssertEqual(journalFiles(), [])
        XCTAssertEqual(stagingFiles(), [])
    }

    func testRenameAfterCloseLandsUnderTheNewNameOnly() throws {
        let fs = try writeBackFS()
        try createFile(fs, "/media/.part", bytes("payload"))
        try fs.rename("/media/.part", to: "/docs/final.txt")
        XCTAssertEqual(try readFile(fs, "/docs/final.txt"), bytes("payload"))
        XCTAssertEqual(fs.flushAll(patience: 5).count, 0)
        XCTAssertEqual(store.keys("media-bucket"), [])
        XCTAssertEqual(store.keys("docs-bucket"), ["documents/final.txt"])
        XCTAssertEqual(store.object("docs-bucket", "documents/final.txt")?.text, "payload")
        XCTAssertEqual(store.object("docs-bucket", "documents/final.txt")?.acl, "private")
    }

    func testChmodAfterCloseIsKept() throws {
        let fs = try writeBackFS()
        try createFile(fs, "/media/m.txt", bytes("m"), mode: 0o644)
        try fs.chmod("/media/m.txt", mode: 0o600)
        try fs.utimens("/media/m.txt", atime: nil, mtime: Timestamp(seconds: 1_500_000_000))
        XCTAssertEqual(fs.flushAll(patience: 5).count, 0)
        let object = try XCTUnwrap(store.object("media-bucket", "media/m.txt"))
        XCTAssertEqual(object.metadata["mode"], modeString(S_IFREG, 0o600))
        XCTAssertEqual(object.metadata["mtime"], "1500000000")
        XCTAssertEqual(try makeFS().getattr("/media/m.txt").permissions, 0o600)
    }

    func testFileOverwriteFalseCountsAJournaledVersionAsExisting() throws {
        let fs = try writeBackFS([module("media", bucket: "media-bucket", prefix: "media/", fileOverwrite: false)])
        try createFile(fs, "/media/once.txt", bytes("first"))
        assertErrno(EPERM) { try fs.open("/media/once.txt", flags: O_WRONLY) }
        assertErrno(EPERM) { try fs.truncate("/media/once.txt", size: 0, handle: nil) }
        XCTAssertEqual(fs.flushAll(patience: 5).count, 0)
        XCTAssertEqual(store.object("media-bucket", "media/once.txt")?.text, "first")
    }

    func testAFailedUploadIsRetriedInTheBackground() throws {
        let fs = try writeBackFS()
        store.failNext("PutObject", with: InMemoryObjectStore.serviceError(503, "SlowDown"))
        try createFile(fs, "/media/r.txt", bytes("retry me"))  // close succeeds: the data is journaled
        XCTAssertEqual(fs.flushAll(patience: 10).map(\.reason), [])
        XCTAssertEqual(store.object("media-bucket", "media/r.txt")?.text, "retry me")
        XCTAssertEqual(store.count("PutObject"), 2)
        XCTAssertEqual(journalFiles(), [])
    }
}
