import FileSystem
import Foundation
import S3
import XCTest

/// chmod, chown, utimens (metadata rewrites), symlinks, and what a fresh mount sees.
final class MetadataTests: FileSystemTestCase {
    func testChmodRewritesMetadataWithACopyKeepingContentTypeAndData() throws {
        let fs = try makeFS()
        let etag = store.seed(bucket: "media-bucket", key: "media/page.html", bytes("<html>"),
                              contentType: "text/html; charset=utf-8",
                              metadata: ["mode": modeString(S_IFREG, 0o644), "uid": "1000", "gid": "1000", "custom": "kept"],
                              acl: "public-read", cacheControl: "no-cache")
        store.resetLog()
        try fs.chmod("/media/page.html", mode: 0o600)

        XCTAssertEqual(store.count("GetObject"), 0)
        XCTAssertEqual(store.count("PutObject"), 0)
        let copy = try XCTUnwrap(store.calls("CopyObject").first)
        XCTAssertEqual(copy.sourceKey, "media/page.html")
        XCTAssertEqual(copy.key, "media/page.html")
        XCTAssertEqual(copy.replaceMetadata, true)
        let object = try XCTUnwrap(store.object("media-bucket", "media/page.html"))
        XCTAssertEqual(object.text, "<html>")
        XCTAssertEqual(object.etag, etag)
        XCTAssertEqual(object.contentType, "text/html; charset=utf-8")
        XCTAssertEqual(object.cacheControl, "no-cache")
        XCTAssertEqual(object.acl, "public-read")
        XCTAssertEqual(object.metadata["mode"], modeString(S_IFREG, 0o600))
        XCTAssertEqual(object.metadata["custom"], "kept")
        XCTAssertEqual(try fs.getattr("/media/page.html").permissions, 0o600)
    }

    func testChownAndUtimens() throws {
        let fs = try makeFS()
        store.seed(bucket: "media-bucket", key: "media/f", bytes("f"), metadata: ["uid": "1000", "gid": "1000", "mtime": "1600000000"])
        try fs.chown("/media/f", uid: 5, gid: nil)
        var object = try XCTUnwrap(store.object("media-bucket", "media/f"))
        XCTAssertEqual(object.metadata["uid"], "5")
        XCTAssertEqual(object.metadata["gid"], "1000", "nil leaves the gid")
        try fs.chown("/media/f", uid: nil, gid: 6)
        object = try XCTUnwrap(store.object("media-bucket", "media/f"))
        XCTAssertEqual(object.metadata["uid"], "5")
        XCTAssertEqual(object.metadata["gid"], "6")

        let mtime = Timestamp(seconds: 1_234_567_890, nanoseconds: 5)
        let atime = Timestamp(seconds: 1_111_111_111)
        try fs.utimens("/media/f", atime: atime, mtime: mtime)
        object = try XCTUnwrap(store.object("media-bucket", "media/f"))
        XCTAssertEqual(object.metadata["mtime"], "1234567890.000000005")
        XCTAssertEqual(object.metadata["atime"], "1111111111")
        XCTAssertEqual(object.text, "f")
        let attributes = try fs.getattr("/media/f")
        XCTAssertEqual(attributes.mtime, mtime)
        XCTAssertEqual(attributes.atime, atime)
        XCTAssertEqual(attributes.uid, 5)
        XCTAssertEqual(attributes.gid, 6)

        try fs.utimens("/media/f", atime: nil, mtime: nil)
        XCTAssertEqual(try fs.getattr("/media/f").mtime, mtime, "nil leaves the times")
    }

    func testAttributesSurviveARemount() throws {
        let fs = try makeFS()
        try createFile(fs, "/docs/report.pdf", bytes("%PDF-1.7"), mode: 0o640)
        try fs.chmod("/docs/report.pdf", mode: 0o604)
        try fs.chown("/docs/report.pdf", uid: 33, gid: 44)
        try fs.utimens("/docs/report.pdf", atime: nil, mtime: Timestamp(seconds: 1_500_000_000))

        let remounted = try makeFS()
        let attributes = try remounted.getattr("/docs/report.pdf")
        XCTAssertEqual(attributes.kind, .file)
        XCTAssertEqual(attributes.permissions, 0o604)
        XCTAssertEqual(attributes.uid, 33)
        XCTAssertEqual(attributes.gid, 44)
        XCTAssertEqual(attributes.mtime, Timestamp(seconds: 1_500_000_000))
        XCTAssertEqual(attributes.size, 8)
        XCTAssertEqual(store.object("docs-bucket", "documents/report.pdf")?.contentType, "application/pdf")
        XCTAssertEqual(store.object("docs-bucket", "documents/report.pdf")?.acl, "private")
        XCTAssertEqual(try readFile(remounted, "/docs/report.pdf"), bytes("%PDF-1.7"))
    }

    func testChmodOfADirectoryWritesItsMarker() throws {
        let fs = try makeFS()
        store.seed(bucket: "media-bucket", key: "media/implicit/x", bytes("x"))
        try fs.chmod("/media/implicit", mode: 0o711)
        let marker = try XCTUnwrap(store.object("media-bucket", "media/implicit/"), "a marker now records the mode")
        XCTAssertEqual(marker.data, [])
        XCTAssertEqual(marker.contentType, "application/x-directory")
        XCTAssertEqual(marker.metadata["mode"], modeString(S_IFDIR, 0o711))
        XCTAssertEqual(store.object("media-bucket", "media/implicit/x")?.text, "x")

        try fs.mkdir("/media/made", mode: 0o755, caller: caller)
        try fs.chown("/media/made", uid: 77, gid: nil)
        try fs.utimens("/media/made", atime: nil, mtime: Timestamp(seconds: 1_000_000_000))

        let remounted = try makeFS()
        XCTAssertEqual(try remounted.getattr("/media/implicit").permissions, 0o711)
        XCTAssertEqual(try remounted.getattr("/media/implicit").kind, .directory)
        let made = try remounted.getattr("/media/made")
        XCTAssertEqual(made.kind, .directory)
        XCTAssertEqual(made.permissions, 0o755)
        XCTAssertEqual(made.uid, 77)
        XCTAssertEqual(made.mtime, Timestamp(seconds: 1_000_000_000))
        XCTAssertEqual(try remounted.readdir("/media/implicit").names, ["x"])
    }

    func testChmodOfAFileBeingWrittenGoesOutWithTheUpload() throws {
        let fs = try makeFS()
        let handle = try fs.create("/media/w.txt", mode: 0o644, flags: O_WRONLY, caller: caller)
        try write(fs, handle, at: 0, bytes("w"))
        try fs.chmod("/media/w.txt", mode: 0o400)
        XCTAssertEqual(try fs.getattr("/media/w.txt").permissions, 0o400)
        try fs.release(handle)
        XCTAssertEqual(store.count("PutObject"), 1)
        XCTAssertEqual(store.count("CopyObject"), 0, "no separate metadata rewrite")
        XCTAssertEqual(store.object("media-bucket", "media/w.txt")?.metadata["mode"], modeString(S_IFREG, 0o400))
    }

    func testSymlinkAndReadlink() throws {
        let fs = try makeFS()
        try fs.symlink(target: "../other/file.txt", at: "/media/link", caller: Caller(uid: 501, gid: 20))
        let object = try XCTUnwrap(store.object("media-bucket", "media/link"))
        XCTAssertEqual(object.text, "../other/file.txt")
        XCTAssertEqual(object.metadata["mode"], modeString(S_IFLNK, 0o777))
        XCTAssertEqual(object.metadata["uid"], "501")
        XCTAssertEqual(object.acl, "public-read")

        let attributes = try fs.getattr("/media/link")
        XCTAssertEqual(attributes.kind, .symlink)
        XCTAssertEqual(attributes.mode, UInt32(S_IFLNK) | 0o777)
        XCTAssertEqual(attributes.size, UInt64("../other/file.txt".utf8.count))
        XCTAssertEqual(try fs.readlink("/media/link"), "../other/file.txt")

        let remounted = try makeFS()
        XCTAssertEqual(try remounted.getattr("/media/link").kind, .symlink)
        XCTAssertEqual(try remounted.readlink("/media/link"), "../other/file.txt")

        assertErrno(EEXIST) { try fs.symlink(target: "x", at: "/media/link", caller: self.caller) }
        store.seed(bucket: "media-bucket", key: "media/regular", "r")
        assertErrno(EINVAL) { try fs.readlink("/media/regular") }
    }

    func testSymlinkWrittenByS3fsIsRecognised() throws {
        let fs = try makeFS()
        store.seed(bucket: "media-bucket", key: "media/s3fs-link", "/absolute/target", metadata: ["mode": "41471"])
        XCTAssertEqual(try fs.getattr("/media/s3fs-link").kind, .symlink)
        XCTAssertEqual(try fs.readlink("/media/s3fs-link"), "/absolute/target")
    }
}
