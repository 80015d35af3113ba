import FileSystem
import Foundation
import S3
import XCTest

/// The metadata cache: the mount's own changes show at once; others' after the TTL.
final class CachingTests: FileSystemTestCase {
    func testOwnChangesInvalidateTheCachesAtOnce() throws {
        let fs = try makeFS()  // default TTLs: 5 s, absent names 1 s
        assertErrno(ENOENT) { try fs.getattr("/media/a.txt") }
        XCTAssertEqual(try fs.readdir("/media"), [])

        try createFile(fs, "/media/a.txt", bytes("one"))
        XCTAssertEqual(try fs.getattr("/media/a.txt").size, 3)
        XCTAssertEqual(try fs.readdir("/media").names, ["a.txt"])

        let handle = try fs.open("/media/a.txt", flags: O_WRONLY)
        try write(fs, handle, at: 3, bytes(" two"))
        try fs.release(handle)
        XCTAssertEqual(try fs.getattr("/media/a.txt").size, 7)
        XCTAssertEqual(try readFile(fs, "/media/a.txt"), bytes("one two"))

        try fs.mkdir("/media/d", mode: 0o755, caller: caller)
        XCTAssertEqual(Set(try fs.readdir("/media").names), ["a.txt", "d"])
        try fs.rename("/media/a.txt", to: "/media/d/a.txt")
        XCTAssertEqual(try fs.readdir("/media").names, ["d"])
        XCTAssertEqual(try fs.readdir("/media/d").names, ["a.txt"])
        assertErrno(ENOENT) { try fs.getattr("/media/a.txt") }
        try fs.rename("/media/d", to: "/media/e")
        XCTAssertEqual(try fs.readdir("/media").names, ["e"])
        XCTAssertEqual(try fs.getattr("/media/e/a.txt").size, 7)
        assertErrno(ENOENT) { try fs.getattr("/media/d/a.txt") }
        try fs.unlink("/media/e/a.txt")
        XCTAssertEqual(try fs.readdir("/media/e"), [])
        try fs.rmdir("/media/e")
        XCTAssertEqual(try fs.readdir("/media"), [])
        try fs.symlink(target: "t", at: "/media/e", caller: caller)
        XCTAssertEqual(try fs.getattr("/media/e").kind, .symlink)
    }

    func testOthersChangesShowAfterTheTTL() throws {
        var options = FileSystemOptions()
        options.metadataTTL = 0.2
        options.negativeTTL = 0.1
        let fs = try makeFS(options: options)
        store.seed(bucket: "media-bucket", key: "media/f", "1")
        XCTAssertEqual(try fs.getattr("/media/f").size, 1)
        assertErrno(ENOENT) { try fs.getattr("/media/g") }
        store.seed(bucket: "media-bucket", key: "media/f", "22")
        store.seed(bucket: "media-bucket", key: "media/g", "g")
        usleep(300_000)
        XCTAssertEqual(try fs.getattr("/media/f").size, 2)
        XCTAssertEqual(try fs.getattr("/media/g").size, 1)
        XCTAssertEqual(Set(try fs.readdir("/media").names), ["f", "g"])
    }

    /// metadata_ttl = 0 ("no caching", for buckets shared with other writers): a name another host
    /// just created must not stay hidden behind a cached "absent" (docs/semantics.md: absent names
    /// are cached 1 s "or less when the TTL is shorter").
    func testZeroMetadataTTLDoesNotCacheAbsentNames() throws {
        var options = FileSystemOptions()
        options.metadataTTL = 0
        let fs = try makeFS(options: options)
        assertErrno(ENOENT) { try fs.getattr("/media/late.txt") }
        store.seed(bucket: "media-bucket", key: "media/late.txt", "here now")
        let attributes = assertNoThrow { try fs.getattr("/media/late.txt") }
        XCTAssertEqual(attributes?.size, 8)
    }

    func testZeroMetadataTTLSeesChangedObjectsAtOnce() throws {
        var options = FileSystemOptions()
        options.metadataTTL = 0
        options.negativeTTL = 0
        let fs = try makeFS(options: options)
        store.seed(bucket: "media-bucket", key: "media/f", "1")
        XCTAssertEqual(try fs.getattr("/media/f").size, 1)
        store.seed(bucket: "media-bucket", key: "media/f", "333")
        XCTAssertEqual(try fs.getattr("/media/f").size, 3)
        XCTAssertEqual(try readFile(fs, "/media/f"), bytes("333"))
    }
}
