import FileSystem
import Foundation
import S3
import XCTest

/// `getattr` of files, directory markers, implicit directories and missing names.
final class AttributesTests: FileSystemTestCase {
    func testFileAttributesComeFromMetadata() throws {
        let fs = try makeFS()
        store.seed(bucket: "media-bucket", key: "media/tool.sh", bytes("#!/bin/sh\n"),
                   metadata: ["mode": modeString(S_IFREG, 0o750), "uid": "42", "gid": "43", "mtime": "1700000000",
                              "ctime": "1700000100", "atime": "1700000200"],
                   lastModified: Date(timeIntervalSince1970: 1_600_000_000))
        let attributes = try fs.getattr("/media/tool.sh")
        XCTAssertEqual(attributes.kind, .file)
        XCTAssertEqual(attributes.size, 10)
        XCTAssertEqual(attributes.permissions, 0o750)
        XCTAssertEqual(attributes.mode, UInt32(S_IFREG) | 0o750)
        XCTAssertEqual(attributes.uid, 42)
        XCTAssertEqual(attributes.gid, 43)
        XCTAssertEqual(attributes.mtime, Timestamp(seconds: 1_700_000_000))
        XCTAssertEqual(attributes.ctime, Timestamp(seconds: 1_700_000_100))
        XCTAssertEqual(attributes.atime, Timestamp(seconds: 1_700_000_200))
        XCTAssertEqual(attributes.etag, store.object("media-bucket", "media/tool.sh")?.etag)
    }

    func testFractionalMtimeInMetadata() throws {
        let fs = try makeFS()
        store.seed(bucket: "media-bucket", key: "media/f", bytes("x"), metadata: ["mtime": "1700000000.25"])
        XCTAssertEqual(try fs.getattr("/media/f").mtime, Timestamp(seconds: 1_700_000_000, nanoseconds: 250_000_000))
    }

    func testFileWithoutMetadataGetsModuleDefaultsAndLastModified() throws {
        let fs = try makeFS()
        let lastModified = Date(timeIntervalSince1970: 1_650_000_123)
        store.seed(bucket: "media-bucket", key: "media/plain.txt", bytes("abc"), lastModified: lastModified)
        store.seed(bucket: "docs-bucket", key: "documents/secret.txt", bytes("abcd"), lastModified: lastModified)

        let public_ = try fs.getattr("/media/plain.txt")
        XCTAssertEqual(public_.kind, .file)
        XCTAssertEqual(public_.size, 3)
        XCTAssertEqual(public_.permissions, 0o644)
        XCTAssertEqual(public_.uid, 1000)
        XCTAssertEqual(public_.gid, 1000)
        XCTAssertEqual(public_.mtime, Timestamp(seconds: 1_650_000_123))

        let private_ = try fs.getattr("/docs/secret.txt")
        XCTAssertEqual(private_.permissions, 0o600, "the private module's files are 0600")
        XCTAssertEqual(private_.size, 4)
    }

    func testDirectoryMarkerAttributes() throws {
        let fs = try makeFS()
        store.seed(bucket: "media-bucket", key: "media/d/", [], contentType: "application/x-directory",
                   metadata: ["mode": modeString(S_IFDIR, 0o750), "uid": "7", "gid": "8", "mtime": "1650000000"])
        let marked = try fs.getattr("/media/d")
        XCTAssertEqual(marked.kind, .directory)
        XCTAssertEqual(marked.permissions, 0o750)
        XCTAssertEqual(marked.uid, 7)
        XCTAssertEqual(marked.gid, 8)
        XCTAssertEqual(marked.mtime, Timestamp(seconds: 1_650_000_000))
        XCTAssertEqual(marked.size, 0)

        // A marker without metadata: the module's defaults (private: 0700).
        store.seed(bucket: "docs-bucket", key: "documents/e/", [], contentType: "application/x-directory")
        let bare = try fs.getattr("/docs/e")
        XCTAssertEqual(bare.kind, .directory)
        XCTAssertEqual(bare.permissions, 0o700)
        XCTAssertEqual(bare.uid, 1000)
    }

    func testImplicitDirectoryFromDeeperKeys() throws {
        let fs = try makeFS()
        store.seed(bucket: "media-bucket", key: "media/a/b/c.txt", bytes("c"), lastModified: Date(timeIntervalSince1970: 1_640_000_000))
        for path in ["/media/a", "/media/a/b"] {
            let attributes = try fs.getattr(path)
            XCTAssertEqual(attributes.kind, .directory, path)
            XCTAssertEqual(attributes.permissions, 0o755, path)
            XCTAssertEqual(attributes.uid, 1000, path)
        }
        XCTAssertEqual(try fs.getattr("/media/a/b").mtime, Timestamp(seconds: 1_640_000_000))
        XCTAssertEqual(try fs.getattr("/media/a/b/c.txt").kind, .file)
        XCTAssertEqual(store.keys("media-bucket"), ["media/a/b/c.txt"], "looking never writes")
    }

    func testMissingEntryIsENOENT() throws {
        let fs = try makeFS()
        store.seed(bucket: "media-bucket", key: "media/abc", bytes("x"))
        let error = assertErrno(ENOENT) { try fs.getattr("/media/ab") }
        XCTAssertTrue(error?.reason.contains("media/ab") ?? false, error?.reason ?? "")
        assertErrno(ENOENT) { try fs.getattr("/media/abc/d") }
        assertErrno(ENOENT) { try fs.open("/media/none", flags: O_RDONLY) }
        assertErrno(ENOENT) { try fs.readlink("/media/none") }
        assertErrno(ENOENT) { try fs.unlink("/media/none") }
        assertErrno(ENOENT) { try fs.rmdir("/media/none") }
        assertErrno(ENOENT) { try fs.rename("/media/none", to: "/media/other") }
        XCTAssertEqual(mutations(), [])
    }

    func testStatOfAFileOpenForWritingShowsItsCurrentSize() throws {
        let fs = try makeFS()
        let handle = try fs.create("/media/growing.bin", mode: 0o640, flags: O_WRONLY, caller: Caller(uid: 501, gid: 20))
        XCTAssertEqual(try fs.getattr("/media/growing.bin").size, 0)
        try write(fs, handle, at: 0, pattern(1000))
        try write(fs, handle, at: 1000, pattern(500))
        let attributes = try fs.getattr("/media/growing.bin")
        XCTAssertEqual(attributes.size, 1500)
        XCTAssertEqual(attributes.permissions, 0o640)
        XCTAssertEqual(attributes.uid, 501)
        XCTAssertEqual(attributes.gid, 20)
        XCTAssertNil(store.object("media-bucket", "media/growing.bin"), "nothing uploaded before flush")
        try fs.release(handle)
        XCTAssertEqual(store.object("media-bucket", "media/growing.bin")?.data.count, 1500)
    }
}
