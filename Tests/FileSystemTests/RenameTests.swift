import FileSystem
import Foundation
import S3
import XCTest

/// rename: files and directories, within and across modules and endpoints, open files.
final class RenameTests: FileSystemTestCase {
    func testRenameOfAFileIsAServerSideCopyAndADelete() throws {
        let fs = try makeFS()
        let data = pattern(300_000)
        store.seed(bucket: "media-bucket", key: "media/a.bin", data,
                   metadata: ["mode": modeString(S_IFREG, 0o640), "uid": "7", "gid": "8", "mtime": "1700000000"])
        store.resetLog()
        try fs.rename("/media/a.bin", to: "/media/b.bin")

        XCTAssertEqual(store.count("GetObject"), 0, "no download")
        XCTAssertEqual(store.count("PutObject"), 0, "no upload")
        let copies = store.calls("CopyObject")
        XCTAssertEqual(copies.count, 1)
        XCTAssertEqual(copies.first?.sourceBucket, "media-bucket")
        XCTAssertEqual(copies.first?.sourceKey, "media/a.bin")
        XCTAssertEqual(copies.first?.key, "media/b.bin")
        XCTAssertEqual(store.calls("DeleteObject").map(\.key), ["media/a.bin"])
        XCTAssertEqual(store.keys("media-bucket"), ["media/b.bin"])

        let moved = try XCTUnwrap(store.object("media-bucket", "media/b.bin"))
        XCTAssertEqual(moved.data, data)
        XCTAssertEqual(moved.acl, "public-read")
        XCTAssertEqual(moved.metadata["mode"], modeString(S_IFREG, 0o640))
        XCTAssertEqual(moved.metadata["uid"], "7")
        XCTAssertEqual(moved.metadata["mtime"], "1700000000")

        assertErrno(ENOENT) { try fs.getattr("/media/a.bin") }
        let attributes = try fs.getattr("/media/b.bin")
        XCTAssertEqual(attributes.size, 300_000)
        XCTAssertEqual(attributes.permissions, 0o640)
        XCTAssertEqual(attributes.uid, 7)
        XCTAssertEqual(try fs.readdir("/media").names, ["b.bin"])
    }

    /// Metadata that other tools put on an object (not the POSIX attributes) survives a rename,
    /// as it does when a whole directory is renamed.
    func testRenameOfAFileKeepsOtherUserMetadata() throws {
        let fs = try makeFS()
        store.seed(bucket: "media-bucket", key: "media/a.txt", bytes("a"),
                   metadata: ["mode": modeString(S_IFREG, 0o644), "sha256": "abc123", "origin": "uploader"])
        store.seed(bucket: "media-bucket", key: "media/dir/b.txt", bytes("b"),
                   metadata: ["mode": modeString(S_IFREG, 0o644), "sha256": "def456"])
        try fs.rename("/media/dir", to: "/media/dir2")
        XCTAssertEqual(store.object("media-bucket", "media/dir2/b.txt")?.metadata["sha256"], "def456", "directory rename")
        try fs.rename("/media/a.txt", to: "/media/c.txt")
        let moved = try XCTUnwrap(store.object("media-bucket", "media/c.txt"))
        XCTAssertEqual(moved.metadata["sha256"], "abc123", "file rename dropped user metadata: \(moved.metadata)")
        XCTAssertEqual(moved.metadata["origin"], "uploader")
    }

    func testRenameTakesTheContentTypeOfTheNewName() throws {
        let fs = try makeFS()
        store.seed(bucket: "media-bucket", key: "media/.site.css.tmp", bytes("b{}"))
        try fs.rename("/media/.site.css.tmp", to: "/media/site.css")
        XCTAssertEqual(store.object("media-bucket", "media/site.css")?.contentType, "text/css")
    }

    func testRenameOntoAnExistingFileReplacesIt() throws {
        let fs = try makeFS()
        store.seed(bucket: "media-bucket", key: "media/a", "AAA")
        store.seed(bucket: "media-bucket", key: "media/b", "B")
        XCTAssertEqual(try fs.getattr("/media/b").size, 1)
        try fs.rename("/media/a", to: "/media/b")
        XCTAssertEqual(store.keys("media-bucket"), ["media/b"])
        XCTAssertEqual(store.object("media-bucket", "media/b")?.text, "AAA")
        XCTAssertEqual(try fs.getattr("/media/b").size, 3, "no stale size")
        XCTAssertEqual(try readFile(fs, "/media/b"), bytes("AAA"))
    }

    func testRenameNoReplaceOntoAnExistingNameIsEEXIST() throws {
        let fs = try makeFS()
        store.seed(bucket: "media-bucket", key: "media/a", "A")
        store.seed(bucket: "media-bucket", key: "media/b", "B")
        assertErrno(EEXIST) { try fs.rename("/media/a", to: "/media/b", noReplace: true) }
        XCTAssertEqual(store.object("media-bucket", "media/a")?.text, "A")
        XCTAssertEqual(store.object("media-bucket", "media/b")?.text, "B")
        XCTAssertEqual(mutations(), [])
        try fs.rename("/media/a", to: "/media/c", noReplace: true)
        XCTAssertEqual(store.keys("media-bucket"), ["media/b", "media/c"])
        assertErrno(EINVAL) { try fs.rename("/media/b", to: "/media/c", exchange: true) }
    }

    func testRenameOfADirectoryMovesEveryKey() throws {
        let fs = try makeFS()
        let contents = ["media/d/": "", "media/d/x.txt": "x", "media/d/sub/y.txt": "yy", "media/d/sub/deep/z.txt": "zzz",
                        "media/d/sub2/": ""]
        for (key, text) in contents {
            store.seed(bucket: "media-bucket", key: key, bytes(text), metadata: ["uid": "9"])
        }
        store.seed(bucket: "media-bucket", key: "media/dx", "not inside d/")
        store.resetLog()
        try fs.rename("/media/d", to: "/media/e")

        XCTAssertEqual(store.keys("media-bucket", prefix: "media/d/"), [], "nothing left behind")
        XCTAssertEqual(store.keys("media-bucket"),
                       ["media/dx", "media/e/", "media/e/sub/deep/z.txt", "media/e/sub/y.txt", "media/e/sub2/", "media/e/x.txt"])
        for (key, text) in contents {
            let moved = "media/e/" + key.dropFirst("media/d/".count)
            XCTAssertEqual(store.object("media-bucket", moved)?.text, text, moved)
            XCTAssertEqual(store.object("media-bucket", moved)?.metadata["uid"], "9", moved)
        }
        XCTAssertEqual(store.object("media-bucket", "media/e/")?.contentType, "application/x-directory")
        XCTAssertEqual(store.count("GetObject"), 0)
        XCTAssertEqual(store.count("PutObject"), 0)
        XCTAssertEqual(store.count("CopyObject"), 5)
        XCTAssertEqual(store.count("DeleteObjects"), 1, "the originals go in one batch")

        assertErrno(ENOENT) { try fs.getattr("/media/d") }
        assertErrno(ENOENT) { try fs.getattr("/media/d/x.txt") }
        XCTAssertEqual(Set(try fs.readdir("/media").names), ["dx", "e"])
        XCTAssertEqual(Set(try fs.readdir("/media/e").names), ["x.txt", "sub", "sub2"])
        XCTAssertEqual(try readFile(fs, "/media/e/sub/deep/z.txt"), bytes("zzz"))
    }

    func testRenameOfAnImplicitDirectory() throws {
        let fs = try makeFS()
        store.seed(bucket: "media-bucket", key: "media/i/a", "a")
        try fs.rename("/media/i", to: "/media/j")
        XCTAssertEqual(store.keys("media-bucket"), ["media/j/a"])
        XCTAssertEqual(try fs.getattr("/media/j").kind, .directory)
    }

    func testRenameIntoItselfIsEINVAL() throws {
        let fs = try makeFS()
        store.seed(bucket: "media-bucket", key: "media/d/a", "a")
        assertErrno(EINVAL) { try fs.rename("/media/d", to: "/media/d/inner") }
        XCTAssertEqual(mutations(), [])
    }

    func testRenameTypeMismatches() throws {
        let fs = try makeFS()
        store.seed(bucket: "media-bucket", key: "media/file", "f")
        store.seed(bucket: "media-bucket", key: "media/dir/", [])
        store.seed(bucket: "media-bucket", key: "media/full/x", "x")
        assertErrno(EISDIR) { try fs.rename("/media/file", to: "/media/dir") }
        assertErrno(ENOTDIR) { try fs.rename("/media/dir", to: "/media/file") }
        assertErrno(ENOTEMPTY) { try fs.rename("/media/dir", to: "/media/full") }
        XCTAssertEqual(mutations(), [])

        // Onto an empty directory: allowed.
        store.seed(bucket: "media-bucket", key: "media/src/y", "y")
        try fs.rename("/media/src", to: "/media/dir")
        XCTAssertEqual(store.object("media-bucket", "media/dir/y")?.text, "y")
        XCTAssertEqual(store.keys("media-bucket", prefix: "media/src"), [])
    }

    func testRenameAcrossModulesInTheSameCopyDomainCopiesOnTheServer() throws {
        let vault = module("docs", bucket: "docs-bucket", prefix: "documents/", acl: "private", storageClass: "STANDARD_IA",
                           serverSideEncryption: "aws:kms", cacheControl: "private, max-age=0")
        let fs = try makeFS([media, vault])
        let data = pattern(200_000)
        store.seed(bucket: "media-bucket", key: "media/photos/p.jpg", data, contentType: "image/jpeg",
                   metadata: ["mode": modeString(S_IFREG, 0o644)], acl: "public-read")
        store.resetLog()
        try fs.rename("/media/photos/p.jpg", to: "/docs/p.jpg")

        XCTAssertEqual(store.count("GetObject"), 0)
        let copy = try XCTUnwrap(store.calls("CopyObject").first)
        XCTAssertEqual(copy.sourceBucket, "media-bucket")
        XCTAssertEqual(copy.sourceKey, "media/photos/p.jpg")
        XCTAssertEqual(copy.bucket, "docs-bucket")
        XCTAssertEqual(copy.key, "documents/p.jpg")
        let moved = try XCTUnwrap(store.object("docs-bucket", "documents/p.jpg"))
        XCTAssertEqual(moved.data, data)
        XCTAssertEqual(moved.acl, "private", "the destination module's ACL")
        XCTAssertEqual(moved.contentType, "image/jpeg")
        XCTAssertEqual(moved.storageClass, "STANDARD_IA")
        XCTAssertEqual(moved.serverSideEncryption, "aws:kms")
        XCTAssertEqual(moved.cacheControl, "private, max-age=0")
        XCTAssertEqual(moved.metadata["mode"], modeString(S_IFREG, 0o644))
        XCTAssertEqual(store.keys("media-bucket"), [])
        XCTAssertEqual(try fs.readdir("/docs").names, ["p.jpg"])
    }

    func testRenameAcrossCopyDomainsCopiesThroughTheClient() throws {
        let other = InMemoryObjectStore(buckets: ["archive"])
        let source = module("media", bucket: "media-bucket", prefix: "media/", acl: "public-read", copyDomain: "aws")
        let target = module("archive", bucket: "archive", prefix: "", store: other, acl: "bucket-owner-full-control",
                            storageClass: "GLACIER_IR", copyDomain: "minio")
        let fs = try makeFS([source, target])
        let data = pattern(700_000, seed: 5)
        store.seed(bucket: "media-bucket", key: "media/v.mp4", data, metadata: ["mode": modeString(S_IFREG, 0o600), "uid": "3"])
        try fs.rename("/media/v.mp4", to: "/archive/2024/v.mp4")

        let moved = try XCTUnwrap(other.object("archive", "2024/v.mp4"))
        XCTAssertEqual(moved.data, data, "bytes identical")
        XCTAssertEqual(moved.etag, InMemoryObjectStore.etag(data))
        XCTAssertEqual(moved.acl, "bucket-owner-full-control")
        XCTAssertEqual(moved.storageClass, "GLACIER_IR")
        XCTAssertEqual(moved.contentType, "video/mp4")
        XCTAssertEqual(moved.metadata["mode"], modeString(S_IFREG, 0o600))
        XCTAssertEqual(moved.metadata["uid"], "3")
        XCTAssertEqual(store.count("CopyObject") + other.count("CopyObject"), 0, "no server-side copy between domains")
        XCTAssertEqual(store.count("GetObject"), 1)
        XCTAssertEqual(other.count("PutObject"), 1)
        XCTAssertEqual(store.keys("media-bucket"), [])
        XCTAssertEqual(stagingFiles(), [])
        XCTAssertEqual(try readFile(fs, "/archive/2024/v.mp4"), data)
    }

    func testRenameOfADirectoryAcrossCopyDomains() throws {
        let other = InMemoryObjectStore(buckets: ["archive"])
        let fs = try makeFS([module("media", bucket: "media-bucket", prefix: "media/", copyDomain: "a"),
                             module("archive", bucket: "archive", prefix: "old/", store: other, copyDomain: "b")])
        store.seed(bucket: "media-bucket", key: "media/set/1.txt", "one")
        store.seed(bucket: "media-bucket", key: "media/set/2/2.txt", "two")
        try fs.rename("/media/set", to: "/archive/set")
        XCTAssertEqual(other.keys("archive"), ["old/set/1.txt", "old/set/2/2.txt"])
        XCTAssertEqual(other.object("archive", "old/set/2/2.txt")?.text, "two")
        XCTAssertEqual(store.keys("media-bucket"), [])
    }

    func testRenameOfANewFileStillOpenLandsUnderTheNewNameAtClose() throws {
        let fs = try makeFS()
        let handle = try fs.create("/media/.upload.tmp", mode: 0o644, flags: O_WRONLY, caller: caller)
        try write(fs, handle, at: 0, bytes("first "))
        try fs.rename("/media/.upload.tmp", to: "/media/final.txt")
        try write(fs, handle, at: 6, bytes("second"))
        XCTAssertEqual(try fs.getattr("/media/final.txt").size, 12)
        assertErrno(ENOENT) { try fs.getattr("/media/.upload.tmp") }
        XCTAssertEqual(try fs.readdir("/media").names, ["final.txt"])
        try fs.release(handle)

        XCTAssertEqual(store.keys("media-bucket"), ["media/final.txt"])
        XCTAssertEqual(store.object("media-bucket", "media/final.txt")?.text, "first second")
        XCTAssertEqual(store.object("media-bucket", "media/final.txt")?.contentType, "text/plain")
        XCTAssertEqual(store.calls("PutObject").map(\.key), ["media/final.txt"])
    }

    func testRenameOfAnExistingFileOpenAndDirty() throws {
        let fs = try makeFS()
        store.seed(bucket: "media-bucket", key: "media/old.txt", "0123456789")
        let handle = try fs.open("/media/old.txt", flags: O_WRONLY)
        try write(fs, handle, at: 0, bytes("AB"))
        try fs.rename("/media/old.txt", to: "/docs/new.txt")
        try fs.release(handle)
        XCTAssertEqual(store.keys("media-bucket"), [])
        XCTAssertEqual(store.keys("docs-bucket"), ["documents/new.txt"])
        XCTAssertEqual(store.object("docs-bucket", "documents/new.txt")?.text, "AB23456789")
        XCTAssertEqual(store.object("docs-bucket", "documents/new.txt")?.acl, "private")
    }

    func testRenameOfAFileOpenForReadingKeepsTheHandleWorking() throws {
        let fs = try makeFS()
        let data = pattern(10_000)
        store.seed(bucket: "media-bucket", key: "media/r.bin", data)
        let handle = try fs.open("/media/r.bin", flags: O_RDONLY)
        XCTAssertEqual(try fs.read(handle, offset: 0, size: 10), Array(data[0..<10]))
        try fs.rename("/media/r.bin", to: "/media/s.bin")
        XCTAssertEqual(try readToEnd(fs, handle), data)
        try fs.release(handle)
        XCTAssertEqual(store.keys("media-bucket"), ["media/s.bin"])
        XCTAssertEqual(store.count("PutObject"), 0)
    }

    func testRenameOfADirectoryWithAFileBeingWrittenInside() throws {
        let fs = try makeFS()
        store.seed(bucket: "media-bucket", key: "media/d/", [])
        let handle = try fs.create("/media/d/f.txt", mode: 0o644, flags: O_WRONLY, caller: caller)
        try write(fs, handle, at: 0, bytes("pending"))
        try fs.rename("/media/d", to: "/media/e")
        try fs.release(handle)
        XCTAssertEqual(store.keys("media-bucket"), ["media/e/", "media/e/f.txt"])
        XCTAssertEqual(store.object("media-bucket", "media/e/f.txt")?.text, "pending")
    }

    /// What rsync does: write a temporary name, set times and mode, rename onto the final name.
    func testRsyncStyleTemporaryFileThenRename() throws {
        let fs = try makeFS()
        try createFile(fs, "/media/.index.html.Ab12Cd", bytes("<p>hi</p>"), mode: 0o600)
        try fs.utimens("/media/.index.html.Ab12Cd", atime: nil, mtime: Timestamp(seconds: 1_577_836_800))
        try fs.chmod("/media/.index.html.Ab12Cd", mode: 0o644)
        try fs.rename("/media/.index.html.Ab12Cd", to: "/media/index.html")
        XCTAssertEqual(store.keys("media-bucket"), ["media/index.html"])
        let object = try XCTUnwrap(store.object("media-bucket", "media/index.html"))
        XCTAssertEqual(object.text, "<p>hi</p>")
        XCTAssertEqual(object.contentType, "text/html")
        XCTAssertEqual(object.metadata["mtime"], "1577836800")
        XCTAssertEqual(object.metadata["mode"], modeString(S_IFREG, 0o644))
        XCTAssertEqual(object.acl, "public-read")
        let attributes = try makeFS().getattr("/media/index.html")
        XCTAssertEqual(attributes.mtime, Timestamp(seconds: 1_577_836_800))
        XCTAssertEqual(attributes.permissions, 0o644)
    }

    func testLinkIsEPERM() throws {
        let fs = try makeFS()
        store.seed(bucket: "media-bucket", key: "media/a", "a")
        assertErrno(EPERM) { try fs.link("/media/a", to: "/media/b") }
        XCTAssertEqual(store.keys("media-bucket"), ["media/a"])
    }
}
