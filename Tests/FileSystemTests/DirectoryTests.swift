import FileSystem
import Foundation
import S3
import XCTest

/// mkdir, rmdir, and unlink of directories.
final class DirectoryTests: FileSystemTestCase {
    func testMkdirWritesAMarkerWithModeAndOwner() throws {
        let fs = try makeFS()
        try fs.mkdir("/media/new", mode: 0o750, caller: Caller(uid: 501, gid: 20))
        let marker = try XCTUnwrap(store.object("media-bucket", "media/new/"))
        XCTAssertEqual(marker.data, [])
        XCTAssertEqual(marker.contentType, "application/x-directory")
        XCTAssertEqual(marker.acl, "public-read")
        XCTAssertEqual(marker.metadata["mode"], modeString(S_IFDIR, 0o750))
        XCTAssertEqual(marker.metadata["uid"], "501")
        XCTAssertEqual(marker.metadata["gid"], "20")
        XCTAssertNotNil(marker.metadata["mtime"].flatMap(Timestamp.init(metadataValue:)))
        XCTAssertEqual(store.keys("media-bucket"), ["media/new/"])

        let attributes = try fs.getattr("/media/new")
        XCTAssertEqual(attributes.kind, .directory)
        XCTAssertEqual(attributes.permissions, 0o750)
        XCTAssertEqual(attributes.uid, 501)
        XCTAssertEqual(try fs.readdir("/media").named("new")?.attributes.kind, .directory)
        XCTAssertEqual(try fs.readdir("/media/new"), [])

        // Seen the same way by a fresh mount.
        let remounted = try makeFS().getattr("/media/new")
        XCTAssertEqual(remounted.kind, .directory)
        XCTAssertEqual(remounted.permissions, 0o750)
        XCTAssertEqual(remounted.gid, 20)
    }

    func testMkdirOfAnExistingNameIsEEXIST() throws {
        let fs = try makeFS()
        store.seed(bucket: "media-bucket", key: "media/marked/", [])
        store.seed(bucket: "media-bucket", key: "media/implicit/file", bytes("f"))
        store.seed(bucket: "media-bucket", key: "media/file.txt", bytes("f"))
        for path in ["/media/marked", "/media/implicit", "/media/file.txt"] {
            assertErrno(EEXIST, path) { try fs.mkdir(path, mode: 0o755, caller: self.caller) }
        }
        XCTAssertEqual(mutations(), [])
        try fs.mkdir("/media/fresh", mode: 0o755, caller: caller)
        assertErrno(EEXIST) { try fs.mkdir("/media/fresh", mode: 0o755, caller: self.caller) }
        XCTAssertEqual(store.count("PutObject"), 1)
    }

    func testRmdirOfANonEmptyDirectoryIsENOTEMPTY() throws {
        let fs = try makeFS()
        store.seed(bucket: "media-bucket", key: "media/full/", [])
        store.seed(bucket: "media-bucket", key: "media/full/f", bytes("f"))
        store.seed(bucket: "media-bucket", key: "media/nested/", [])
        store.seed(bucket: "media-bucket", key: "media/nested/child/", [])
        store.seed(bucket: "media-bucket", key: "media/implicit/x", bytes("x"))
        for path in ["/media/full", "/media/nested", "/media/implicit"] {
            assertErrno(ENOTEMPTY, path) { try fs.rmdir(path) }
        }
        XCTAssertEqual(mutations(), [])
        XCTAssertEqual(store.keys("media-bucket").count, 5)
    }

    func testRmdirOfAnEmptyDirectoryRemovesTheMarker() throws {
        let fs = try makeFS()
        try fs.mkdir("/docs/empty", mode: 0o700, caller: caller)
        XCTAssertEqual(try fs.readdir("/docs").names, ["empty"])
        try fs.rmdir("/docs/empty")
        XCTAssertEqual(store.keys("docs-bucket"), [])
        assertErrno(ENOENT) { try fs.getattr("/docs/empty") }
        XCTAssertEqual(try fs.readdir("/docs"), [])
        // And it can be made again right away.
        try fs.mkdir("/docs/empty", mode: 0o700, caller: caller)
        XCTAssertEqual(store.keys("docs-bucket"), ["documents/empty/"])
    }

    func testRmdirWithAFileBeingWrittenInsideIsENOTEMPTY() throws {
        let fs = try makeFS()
        try fs.mkdir("/media/d", mode: 0o755, caller: caller)
        let handle = try fs.create("/media/d/pending.txt", mode: 0o644, flags: O_WRONLY, caller: caller)
        assertErrno(ENOTEMPTY) { try fs.rmdir("/media/d") }
        try fs.release(handle)
        XCTAssertEqual(store.keys("media-bucket"), ["media/d/", "media/d/pending.txt"])
    }

    func testRmdirOfAFileIsENOTDIRAndUnlinkOfADirectoryIsEISDIR() throws {
        let fs = try makeFS()
        store.seed(bucket: "media-bucket", key: "media/f", bytes("f"))
        store.seed(bucket: "media-bucket", key: "media/d/", [])
        assertErrno(ENOTDIR) { try fs.rmdir("/media/f") }
        assertErrno(EISDIR) { try fs.unlink("/media/d") }
        XCTAssertEqual(mutations(), [])
    }

    func testCreateInsideANewDirectory() throws {
        let fs = try makeFS()
        try fs.mkdir("/docs/reports", mode: 0o700, caller: caller)
        try createFile(fs, "/docs/reports/q1.csv", bytes("a,b\n"))
        XCTAssertEqual(store.keys("docs-bucket"), ["documents/reports/", "documents/reports/q1.csv"])
        XCTAssertEqual(store.object("docs-bucket", "documents/reports/q1.csv")?.contentType, "text/csv")
        XCTAssertEqual(try fs.readdir("/docs/reports").names, ["q1.csv"])
    }
}
