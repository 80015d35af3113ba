import FileSystem
import Foundation
import S3
import XCTest

/// Read-only modules, the global read-only flag, and file_overwrite = false.
final class PolicyTests: FileSystemTestCase {
    private func seedReadOnlyContent() {
        store.seed(bucket: "docs-bucket", key: "documents/a.txt", "contents")
        store.seed(bucket: "docs-bucket", key: "documents/dir/", [])
        store.seed(bucket: "docs-bucket", key: "documents/dir/inner.txt", "inner")
        store.seed(bucket: "docs-bucket", key: "documents/empty/", [])
    }

    private func assertEveryMutationIsEROFS(_ fs: SmartFileSystem, file: StaticString = #filePath, line: UInt = #line) {
        let c = caller
        let attempts: [(String, () throws -> Any)] = [
            ("create", { try fs.create("/docs/new.txt", mode: 0o644, flags: O_WRONLY, caller: c) }),
            ("mkdir", { try fs.mkdir("/docs/newdir", mode: 0o755, caller: c) }),
            ("rmdir", { try fs.rmdir("/docs/empty") }),
            ("unlink", { try fs.unlink("/docs/a.txt") }),
            ("symlink", { try fs.symlink(target: "a.txt", at: "/docs/l", caller: c) }),
            ("rename within", { try fs.rename("/docs/a.txt", to: "/docs/b.txt") }),
            ("rename directory", { try fs.rename("/docs/dir", to: "/docs/dir2") }),
            ("rename out", { try fs.rename("/docs/a.txt", to: "/media/a.txt") }),
            ("truncate", { try fs.truncate("/docs/a.txt", size: 0, handle: nil) }),
            ("chmod", { try fs.chmod("/docs/a.txt", mode: 0o600) }),
            ("chown", { try fs.chown("/docs/a.txt", uid: 1, gid: 1) }),
            ("utimens", { try fs.utimens("/docs/a.txt", atime: nil, mtime: Timestamp(seconds: 1)) }),
            ("chmod dir", { try fs.chmod("/docs/dir", mode: 0o700) }),
            ("open O_WRONLY", { try fs.open("/docs/a.txt", flags: O_WRONLY) }),
            ("open O_RDWR", { try fs.open("/docs/a.txt", flags: O_RDWR) }),
            ("open O_TRUNC", { try fs.open("/docs/a.txt", flags: O_WRONLY | O_TRUNC) }),
            ("access W_OK", { try fs.access("/docs/a.txt", mask: W_OK) }),
        ]
        for (name, attempt) in attempts {
            assertErrno(EROFS, name, file: file, line: line) { try attempt() }
        }
    }

    func testReadOnlyModuleRefusesEveryMutation() throws {
        seedReadOnlyContent()
        let fs = try makeFS([media, module("docs", bucket: "docs-bucket", prefix: "documents/", readOnly: true)])
        assertEveryMutationIsEROFS(fs)
        // Moving a file into the read-only module is refused as well.
        store.seed(bucket: "media-bucket", key: "media/m.txt", "m")
        assertErrno(EROFS) { try fs.rename("/media/m.txt", to: "/docs/m.txt") }

        XCTAssertEqual(mutations(), [], "no write reached S3")
        XCTAssertEqual(store.keys("docs-bucket").count, 4)
        // Reading works.
        XCTAssertEqual(try readFile(fs, "/docs/a.txt"), bytes("contents"))
        XCTAssertEqual(Set(try fs.readdir("/docs").names), ["a.txt", "dir", "empty"])
        XCTAssertNoThrow(try fs.access("/docs/a.txt", mask: R_OK))
        // The other module is not affected.
        try createFile(fs, "/media/ok.txt", bytes("ok"))
        XCTAssertEqual(store.object("media-bucket", "media/ok.txt")?.text, "ok")
    }

    func testGlobalReadOnlyOptionRefusesEveryMutation() throws {
        seedReadOnlyContent()
        var options = FileSystemOptions()
        options.readOnly = true
        let fs = try makeFS(options: options)
        assertEveryMutationIsEROFS(fs)
        assertErrno(EROFS) { try fs.create("/media/x", mode: 0o644, flags: O_WRONLY, caller: self.caller) }
        assertErrno(EROFS) { try fs.mkdir("/media/x", mode: 0o755, caller: self.caller) }
        XCTAssertEqual(mutations(), [])
        XCTAssertEqual(try readFile(fs, "/docs/dir/inner.txt"), bytes("inner"))
    }

    private func noOverwriteFS() throws -> SmartFileSystem {
        try makeFS([module("media", bucket: "media-bucket", prefix: "media/", acl: "public-read", fileOverwrite: false), docs])
    }

    func testFileOverwriteFalseAllowsNewFiles() throws {
        let fs = try noOverwriteFS()
        let handle = try fs.create("/media/new.txt", mode: 0o644, flags: O_WRONLY, caller: caller)
        try write(fs, handle, at: 0, bytes("part one"))
        try fs.truncate("/media/new.txt", size: 4, handle: handle)
        try write(fs, handle, at: 4, bytes(" two"))
        try fs.release(handle)
        XCTAssertEqual(store.object("media-bucket", "media/new.txt")?.text, "part two")
        try fs.mkdir("/media/newdir", mode: 0o755, caller: caller)
        try createFile(fs, "/media/newdir/x", bytes("x"))
        XCTAssertEqual(store.keys("media-bucket"), ["media/new.txt", "media/newdir/", "media/newdir/x"])
    }

    func testFileOverwriteFalseRefusesToModifyExistingFiles() throws {
        let fs = try noOverwriteFS()
        store.seed(bucket: "media-bucket", key: "media/existing.txt", "original")
        store.seed(bucket: "media-bucket", key: "media/other.txt", "other")
        store.resetLog()
        assertErrno(EPERM, "open for writing") { try fs.open("/media/existing.txt", flags: O_WRONLY) }
        assertErrno(EPERM, "open read-write") { try fs.open("/media/existing.txt", flags: O_RDWR) }
        assertErrno(EPERM, "O_TRUNC") { try fs.open("/media/existing.txt", flags: O_WRONLY | O_TRUNC) }
        assertErrno(EPERM, "truncate") { try fs.truncate("/media/existing.txt", size: 2, handle: nil) }
        assertErrno(EPERM, "truncate to 0") { try fs.truncate("/media/existing.txt", size: 0, handle: nil) }
        assertErrno(EPERM, "rename onto") { try fs.rename("/media/other.txt", to: "/media/existing.txt") }
        store.seed(bucket: "docs-bucket", key: "documents/d.txt", "from docs")
        assertErrno(EPERM, "rename onto from another module") { try fs.rename("/docs/d.txt", to: "/media/existing.txt") }
        XCTAssertEqual(mutations(), [])
        XCTAssertEqual(store.object("media-bucket", "media/existing.txt")?.text, "original")
        XCTAssertEqual(store.object("media-bucket", "media/other.txt")?.text, "other")
        // Reading is fine.
        XCTAssertEqual(try readFile(fs, "/media/existing.txt"), bytes("original"))
    }

    func testFileOverwriteFalseStillAllowsUnlinkChmodAndUtimens() throws {
        let fs = try noOverwriteFS()
        let etag = store.seed(bucket: "media-bucket", key: "media/keep.txt", "same bytes")
        store.seed(bucket: "media-bucket", key: "media/gone.txt", "bye")
        try fs.chmod("/media/keep.txt", mode: 0o600)
        try fs.utimens("/media/keep.txt", atime: nil, mtime: Timestamp(seconds: 1_234_567_890))
        let kept = try XCTUnwrap(store.object("media-bucket", "media/keep.txt"))
        XCTAssertEqual(kept.text, "same bytes")
        XCTAssertEqual(kept.etag, etag)
        XCTAssertEqual(kept.metadata["mode"], modeString(S_IFREG, 0o600))
        XCTAssertEqual(kept.metadata["mtime"], "1234567890")
        try fs.unlink("/media/gone.txt")
        XCTAssertEqual(store.keys("media-bucket"), ["media/keep.txt"])
        // A rename to a new name is allowed too (nothing is overwritten).
        try fs.rename("/media/keep.txt", to: "/media/kept.txt")
        XCTAssertEqual(store.keys("media-bucket"), ["media/kept.txt"])
    }

    /// `create` can be called for a name that exists in S3 (the kernel's negative entry is stale, or
    /// another client wrote it meanwhile): with file_overwrite = false the existing object must survive.
    func testFileOverwriteFalseCreateOverAnExistingObjectDoesNotReplaceIt() throws {
        let fs = try noOverwriteFS()
        store.seed(bucket: "media-bucket", key: "media/taken.txt", "original")
        var refusal: FSError?
        do {
            let handle = try fs.create("/media/taken.txt", mode: 0o644, flags: O_WRONLY | O_CREAT, caller: caller)
            try write(fs, handle, at: 0, bytes("replacement"))
            try? fs.flush(handle)
            try? fs.release(handle)
        } catch let error as FSError {
            refusal = error
        }
        XCTAssertEqual(store.object("media-bucket", "media/taken.txt")?.text, "original",
                       "file_overwrite = false, yet the existing object was replaced")
        if let refusal {
            XCTAssertTrue([EEXIST, EPERM].contains(refusal.errno), errnoName(refusal.errno))
        }
    }
}
