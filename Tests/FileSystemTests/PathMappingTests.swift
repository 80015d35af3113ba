import FileSystem
import Foundation
import S3
import XCTest

/// Paths to modules, buckets and keys; what the root allows; name and key length limits.
final class PathMappingTests: FileSystemTestCase {
    func testRootListsExactlyTheModules() throws {
        let fs = try makeFS()
        let entries = try fs.readdir("/")
        XCTAssertEqual(entries.names, ["media", "docs"])
        XCTAssertEqual(entries.map(\.attributes.kind), [.directory, .directory])
        XCTAssertEqual(entries.named("media")?.attributes.permissions, 0o755, "public-read module")
        XCTAssertEqual(entries.named("docs")?.attributes.permissions, 0o700, "private module")

        let root = try fs.getattr("/")
        XCTAssertEqual(root.kind, .directory)
        XCTAssertEqual(root.mode, UInt32(S_IFDIR) | 0o755)
        XCTAssertEqual(try fs.getattr("/media").kind, .directory)
        XCTAssertEqual(try fs.getattr("/docs").permissions, 0o700)
        XCTAssertEqual(try fs.getattr("/docs").uid, 1000)
        XCTAssertTrue(store.calls.isEmpty, "the root and the module roots need no S3 call: \(store.calls)")
    }

    func testPathMapsToBucketPrefixAndKey() throws {
        let fs = try makeFS()
        try createFile(fs, "/media/a/b.txt", bytes("hello"))
        XCTAssertEqual(store.keys("media-bucket"), ["media/a/b.txt"])
        XCTAssertEqual(store.object("media-bucket", "media/a/b.txt")?.text, "hello")
        XCTAssertEqual(store.keys("docs-bucket"), [])
        XCTAssertEqual(store.calls("PutObject").map(\.bucket), ["media-bucket"])

        store.seed(bucket: "docs-bucket", key: "documents/x/y.pdf", "%PDF")
        XCTAssertEqual(try readFile(fs, "/docs/x/y.pdf"), bytes("%PDF"))
        XCTAssertEqual(store.calls("GetObject").last?.bucket, "docs-bucket")
        XCTAssertEqual(store.calls("GetObject").last?.key, "documents/x/y.pdf")
        // An object outside the module's prefix is not visible through it.
        store.seed(bucket: "docs-bucket", key: "elsewhere.txt", "x")
        assertErrno(ENOENT) { try fs.getattr("/docs/elsewhere.txt") }
    }

    func testUnknownModuleIsENOENT() throws {
        let fs = try makeFS()
        assertErrno(ENOENT) { try fs.getattr("/nope") }
        assertErrno(ENOENT) { try fs.getattr("/nope/a.txt") }
        assertErrno(ENOENT) { try fs.readdir("/nope") }
        assertErrno(ENOENT) { try fs.open("/nope/a.txt", flags: O_RDONLY) }
        assertErrno(ENOENT) { try fs.create("/nope/a.txt", mode: 0o644, flags: O_WRONLY, caller: self.caller) }
        XCTAssertTrue(store.calls.isEmpty, "\(store.calls)")
    }

    func testCreatingRemovingOrRenamingAtTheRootIsEPERM() throws {
        let fs = try makeFS()
        assertErrno(EPERM) { try fs.mkdir("/newmodule", mode: 0o755, caller: self.caller) }
        assertErrno(EPERM) { try fs.create("/file.txt", mode: 0o644, flags: O_WRONLY, caller: self.caller) }
        assertErrno(EPERM) { try fs.symlink(target: "media", at: "/link", caller: self.caller) }
        assertErrno(EPERM) { try fs.rmdir("/media") }
        assertErrno(EPERM) { try fs.unlink("/media") }
        assertErrno(EPERM) { try fs.rename("/media", to: "/pictures") }
        assertErrno(EPERM) { try fs.rename("/media", to: "/docs/media") }
        store.seed(bucket: "media-bucket", key: "media/a.txt", "a")
        assertErrno(EPERM) { try fs.rename("/media/a.txt", to: "/a.txt") }
        assertErrno(EPERM) { try fs.rename("/media/a.txt", to: "/docs") }
        XCTAssertEqual(mutations(), [])
        XCTAssertEqual(store.keys("media-bucket"), ["media/a.txt"])
    }

    func testNameLongerThan255BytesIsENAMETOOLONG() throws {
        let fs = try makeFS()
        let long = String(repeating: "n", count: 256)
        assertErrno(ENAMETOOLONG) { try fs.getattr("/media/\(long)") }
        assertErrno(ENAMETOOLONG) { try fs.create("/media/\(long)", mode: 0o644, flags: O_WRONLY, caller: self.caller) }
        assertErrno(ENAMETOOLONG) { try fs.mkdir("/media/dir/\(long)", mode: 0o755, caller: self.caller) }
        // Multi-byte characters count in bytes: 128 × "é" is 256 bytes.
        assertErrno(ENAMETOOLONG) { try fs.getattr("/media/" + String(repeating: "é", count: 128)) }

        let longest = String(repeating: "n", count: 255)
        try createFile(fs, "/media/\(longest)", bytes("ok"))
        XCTAssertEqual(store.object("media-bucket", "media/\(longest)")?.text, "ok")
        XCTAssertEqual(try fs.getattr("/media/\(longest)").size, 2)
        XCTAssertEqual(mutations().count, 1)
    }

    func testKeyLongerThan1024BytesIsENAMETOOLONG() throws {
        let fs = try makeFS()
        // "media/" (6) + 4 × 200-byte names + 4 slashes + the last name: pick it to reach 1,025 bytes.
        let directories = (0..<4).map { String(repeating: Character(String($0)), count: 200) }.joined(separator: "/")
        let relativeForKey = { (total: Int) in directories + "/" + String(repeating: "f", count: total - 6 - directories.utf8.count - 1) }
        let tooLong = relativeForKey(1025)
        XCTAssertEqual(("media/" + tooLong).utf8.count, 1025)
        assertErrno(ENAMETOOLONG) { try fs.getattr("/media/\(tooLong)") }
        assertErrno(ENAMETOOLONG) { try fs.create("/media/\(tooLong)", mode: 0o644, flags: O_WRONLY, caller: self.caller) }
        assertErrno(ENAMETOOLONG) { try fs.mkdir("/media/\(tooLong)", mode: 0o755, caller: self.caller) }
        XCTAssertEqual(mutations(), [])

        let fits = relativeForKey(1000)
        try createFile(fs, "/media/\(fits)", bytes("deep"))
        XCTAssertEqual(store.object("media-bucket", "media/\(fits)")?.text, "deep")
    }

    /// S3 keys may be 1,024 bytes long: an object with such a key that readdir lists must also stat.
    func testObjectWithA1024ByteKeyThatReaddirListsCanBeStatted() throws {
        let fs = try makeFS()
        let directory = String(repeating: "d", count: 255) + "/" + String(repeating: "e", count: 255) + "/"
            + String(repeating: "g", count: 255)
        let name = String(repeating: "f", count: 1024 - "media/".utf8.count - directory.utf8.count - 1)
        let key = "media/" + directory + "/" + name
        XCTAssertEqual(key.utf8.count, S3Client.maxKeyLength)
        store.seed(bucket: "media-bucket", key: key, "legal")

        let entries = try fs.readdir("/media/" + directory)
        XCTAssertEqual(entries.names, [name], "the listing shows the object")
        let attributes = assertNoThrow { try fs.getattr("/media/" + directory + "/" + name) }
        XCTAssertEqual(attributes?.size, 5)
    }

    func testStatfsAndAccess() throws {
        let fs = try makeFS()
        XCTAssertEqual(fs.statfs().nameMax, 255)
        store.seed(bucket: "media-bucket", key: "media/f", "x")
        XCTAssertNoThrow(try fs.access("/media/f", mask: R_OK | W_OK))
        assertErrno(ENOENT) { try fs.access("/media/missing", mask: R_OK) }
    }
}
