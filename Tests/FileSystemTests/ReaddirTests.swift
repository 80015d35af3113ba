import FileSystem
import Foundation
import S3
import XCTest

/// Directory listings: files and sub-directories, paging, hostile keys, pending files.
final class ReaddirTests: FileSystemTestCase {
    func testListsFilesAndSubdirectoriesButNotTheMarker() throws {
        let fs = try makeFS()
        store.seed(bucket: "media-bucket", key: "media/top.txt", bytes("12345"))
        store.seed(bucket: "media-bucket", key: "media/sub/x", bytes("x"))
        store.seed(bucket: "media-bucket", key: "media/sub2/", [])
        store.seed(bucket: "media-bucket", key: "media/d/", [])
        store.seed(bucket: "media-bucket", key: "media/d/f1", bytes("f1"))
        store.seed(bucket: "media-bucket", key: "media/d/e/g", bytes("g"))
        // Same first bytes, but not under the prefix "media/".
        store.seed(bucket: "media-bucket", key: "mediax/outside", bytes("o"))

        let root = try fs.readdir("/media")
        XCTAssertEqual(Set(root.names), ["top.txt", "sub", "sub2", "d"])
        XCTAssertEqual(root.count, 4)
        XCTAssertEqual(root.named("top.txt")?.attributes.kind, .file)
        XCTAssertEqual(root.named("top.txt")?.attributes.size, 5)
        XCTAssertEqual(root.named("top.txt")?.attributes.permissions, 0o644)
        XCTAssertEqual(root.named("sub")?.attributes.kind, .directory)
        XCTAssertEqual(root.named("sub2")?.attributes.kind, .directory)
        XCTAssertEqual(root.named("d")?.attributes.kind, .directory)

        let inner = try fs.readdir("/media/d")
        XCTAssertEqual(Set(inner.names), ["f1", "e"], "the marker d/ itself is not an entry")
        XCTAssertEqual(inner.count, 2)
        XCTAssertEqual(inner.named("e")?.attributes.kind, .directory)
        XCTAssertEqual(try fs.readdir("/media/sub2"), [])
        XCTAssertEqual(try fs.readdir("/docs"), [])
    }

    func testReaddirOfAFileIsENOTDIR() throws {
        let fs = try makeFS()
        store.seed(bucket: "media-bucket", key: "media/f.txt", bytes("f"))
        assertErrno(ENOTDIR) { try fs.readdir("/media/f.txt") }
        assertErrno(ENOENT) { try fs.readdir("/media/missing") }
    }

    func testLargeDirectoryIsListedAcrossPages() throws {
        let fs = try makeFS()
        let names = (0..<2500).map { String(format: "file-%04d.dat", $0) }
        for name in names { store.seed(bucket: "media-bucket", key: "media/big/\(name)", [1]) }
        store.seed(bucket: "media-bucket", key: "media/big/zsub/inner", [2])
        store.resetLog()

        let entries = try fs.readdir("/media/big")
        XCTAssertEqual(entries.count, 2501)
        XCTAssertEqual(Set(entries.names), Set(names + ["zsub"]))
        XCTAssertEqual(entries.named("zsub")?.attributes.kind, .directory)
        let pages = store.calls("ListObjectsV2").filter { $0.delimiter == "/" }
        XCTAssertEqual(pages.count, 3, "1,000 keys a page: \(pages)")
        XCTAssertTrue(pages.allSatisfy { $0.prefix == "media/big/" })
    }

    func testSmallPagesWithCommonPrefixesSpanningPages() throws {
        let fs = try makeFS()
        store.listPageSize = 3
        var expected: Set<String> = []
        for index in 0..<7 {
            store.seed(bucket: "media-bucket", key: "media/p/dir\(index)/a", [1])
            store.seed(bucket: "media-bucket", key: "media/p/dir\(index)/b", [1])
            store.seed(bucket: "media-bucket", key: "media/p/file\(index)", [1])
            expected.formUnion(["dir\(index)", "file\(index)"])
        }
        let entries = try fs.readdir("/media/p")
        XCTAssertEqual(Set(entries.names), expected)
        XCTAssertEqual(entries.count, 14, "no duplicates across pages")
    }

    func testHostileKeysAreSkippedAndNeverEscapeThePrefix() throws {
        let fs = try makeFS()
        let long = String(repeating: "L", count: 300)
        for key in ["media/dir/ok.txt", "media/dir//x", "media/dir/./x", "media/dir/../x", "media/dir/.", "media/dir/..",
                    "media/dir/\(long)", "media/dir/\(long)/inner", "media/dir/..hidden-but-legal"] {
            store.seed(bucket: "media-bucket", key: key, bytes("data"))
        }
        let entries = try fs.readdir("/media/dir")
        XCTAssertEqual(Set(entries.names), ["ok.txt", "..hidden-but-legal"])
        for entry in entries {
            XCTAssertFalse(entry.name.contains("/"), entry.name)
            XCTAssertFalse(["", ".", ".."].contains(entry.name))
            XCTAssertLessThanOrEqual(entry.name.utf8.count, 255)
        }
        // The module root shows only "dir".
        XCTAssertEqual(try fs.readdir("/media").names, ["dir"])
        XCTAssertEqual(try readFile(fs, "/media/dir/ok.txt"), bytes("data"))
        XCTAssertEqual(mutations(), [])
    }

    /// A key `x` and keys under `x/`: one entry, and stat must say what readdir said.
    func testKeyAndPrefixWithTheSameNameShowOneConsistentEntry() throws {
        let fs = try makeFS()
        store.seed(bucket: "media-bucket", key: "media/x", bytes("file"))
        store.seed(bucket: "media-bucket", key: "media/x/y", bytes("inner"))
        let entries = try fs.readdir("/media")
        XCTAssertEqual(entries.names, ["x"], "one entry for x and x/")
        let listed = try XCTUnwrap(entries.named("x"))
        XCTAssertEqual(listed.attributes.kind, .directory, "docs/semantics.md: the directory wins")
        let stat = try fs.getattr("/media/x")
        XCTAssertEqual(stat.kind, listed.attributes.kind,
                       "readdir says \(listed.attributes.kind), getattr says \(stat.kind) for the same name")
        let inside = assertNoThrow { try fs.readdir("/media/x") }
        XCTAssertEqual(inside?.names, ["y"])
    }

    func testFileBeingWrittenIsListedBeforeFlush() throws {
        let fs = try makeFS()
        store.seed(bucket: "media-bucket", key: "media/old.txt", bytes("old"))
        XCTAssertEqual(try fs.readdir("/media").names, ["old.txt"])  // primes the listing cache
        let handle = try fs.create("/media/new.bin", mode: 0o644, flags: O_WRONLY, caller: caller)
        try write(fs, handle, at: 0, pattern(7))
        let entries = try fs.readdir("/media")
        XCTAssertEqual(Set(entries.names), ["old.txt", "new.bin"])
        XCTAssertEqual(entries.named("new.bin")?.attributes.size, 7)
        XCTAssertEqual(try fs.getattr("/media/new.bin").size, 7)
        XCTAssertNil(store.object("media-bucket", "media/new.bin"))
        try fs.release(handle)
        XCTAssertEqual(store.object("media-bucket", "media/new.bin")?.data, pattern(7))
        XCTAssertEqual(Set(try fs.readdir("/media").names), ["old.txt", "new.bin"])
    }

    func testListingReflectsCreateAndUnlink() throws {
        let fs = try makeFS()
        XCTAssertEqual(try fs.readdir("/docs"), [])
        try createFile(fs, "/docs/a", bytes("a"))
        XCTAssertEqual(try fs.readdir("/docs").names, ["a"])
        XCTAssertEqual(try fs.readdir("/docs").named("a")?.attributes.kind, .file)
        try fs.unlink("/docs/a")
        XCTAssertEqual(try fs.readdir("/docs"), [])
        assertErrno(ENOENT) { try fs.getattr("/docs/a") }
    }
}
