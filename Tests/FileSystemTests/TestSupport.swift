import Cache
import FileSystem
import Foundation
import S3
import XCTest

/// Names for the errno values the tests expect, for readable failures.
func errnoName(_ code: Int32) -> String {
    let names: [Int32: String] = [
        EPERM: "EPERM", ENOENT: "ENOENT", EIO: "EIO", EBADF: "EBADF", EACCES: "EACCES", EEXIST: "EEXIST",
        ENOTDIR: "ENOTDIR", EISDIR: "EISDIR", EINVAL: "EINVAL", EFBIG: "EFBIG", EROFS: "EROFS",
        ENAMETOOLONG: "ENAMETOOLONG", ENOTEMPTY: "ENOTEMPTY", ETIMEDOUT: "ETIMEDOUT", ESTALE: "ESTALE", EAGAIN: "EAGAIN",
    ]
    return names[code] ?? "errno \(code)"
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Deterministic, non-repeating-looking bytes, so that misplaced ranges show.
func pattern(_ count: Int, seed: UInt32 = 1) -> [UInt8] {
    var state = seed &* 2_654_435_761 | 1
    var out = [UInt8](repeating: 0, count: count)
    for index in 0..<count {
        state = state &* 1_103_515_245 &+ 12_345
        out[index] = UInt8(truncatingIfNeeded: state >> 16)
    }
    return out
}

let rdonly = O_RDONLY
let wronly = O_WRONLY
let rdwr = O_RDWR

/// The usual fixture: a store with two buckets and two modules on it.
///
/// - `media`: bucket `media-bucket`, prefix `media/`, ACL `public-read` (files 0644, dirs 0755)
/// - `docs`: bucket `docs-bucket`, prefix `documents/`, ACL `private` (files 0600, dirs 0700)
class FileSystemTestCase: XCTestCase {
    var store: InMemoryObjectStore!
    var tmp: String!
    let caller = Caller(uid: 1000, gid: 1000)
    private var mounts = 0

    override func setUpWithError() throws {
        store = InMemoryObjectStore(buckets: ["media-bucket", "docs-bucket"])
        tmp = NSTemporaryDirectory() + "smartfs-fstests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let tmp { try? FileManager.default.removeItem(atPath: tmp) }
        store = nil
    }

    func module(_ name: String, bucket: String, prefix: String, store: InMemoryObjectStore? = nil,
                acl: String? = "private", readOnly: Bool = false, fileOverwrite: Bool = true,
                storageClass: String? = nil, serverSideEncryption: String? = nil, cacheControl: String? = nil,
                copyDomain: String = "default") -> MountedModule {
        MountedModule(name: name, bucket: bucket, prefix: prefix, store: store ?? self.store, readOnly: readOnly,
                      fileOverwrite: fileOverwrite,
                      writeOptions: ObjectWriteOptions(acl: acl, cacheControl: cacheControl, storageClass: storageClass,
                                                       serverSideEncryption: serverSideEncryption),
                      copyDomain: copyDomain)
    }

    var media: MountedModule { module("media", bucket: "media-bucket", prefix: "media/", acl: "public-read") }
    var docs: MountedModule { module("docs", bucket: "docs-bucket", prefix: "documents/", acl: "private") }

    /// A filesystem over `modules` (media and docs by default), with a cache directory of its own.
    func makeFS(_ modules: [MountedModule]? = nil, options: FileSystemOptions = FileSystemOptions()) throws -> SmartFileSystem {
        mounts += 1
        let cache = try CacheDirectory(base: tmp, mountPoint: "/mnt/x\(mounts)")
        return SmartFileSystem(modules: modules ?? [media, docs], cacheDirectory: cache, options: options,
                               owner: OwnershipDefaults(uid: 1000, gid: 1000))
    }

    /// Staging files left in every cache directory made so far.
    func stagingFiles() -> [String] {
        let mountsDirectory = tmp + "/mounts"
        var files: [String] = []
        for mount in (try? FileManager.default.contentsOfDirectory(atPath: mountsDirectory)) ?? [] {
            files += (try? FileManager.default.contentsOfDirectory(atPath: "\(mountsDirectory)/\(mount)/staging")) ?? []
        }
        return files
    }

    // MARK: File helpers

    @discardableResult
    func write(_ fs: SmartFileSystem, _ handle: UInt64, at offset: UInt64, _ data: [UInt8]) throws -> Int {
        try data.withUnsafeBytes { buffer in try fs.write(handle, offset: offset, bytes: buffer) }
    }

    /// create + write + release: a whole new file.
    func createFile(_ fs: SmartFileSystem, _ path: String, _ data: [UInt8], mode: UInt32 = 0o644) throws {
        let handle = try fs.create(path, mode: mode, flags: O_WRONLY | O_CREAT, caller: caller)
        if !data.isEmpty { try write(fs, handle, at: 0, data) }
        try fs.flush(handle)
        try fs.release(handle)
    }

    /// Reads from `offset` to the end of the file through `handle`, in `chunk`-byte reads.
    func readToEnd(_ fs: SmartFileSystem, _ handle: UInt64, from offset: UInt64 = 0, chunk: Int = 128 << 10) throws -> [UInt8] {
        var result: [UInt8] = []
        var position = offset
        while true {
            let piece = try fs.read(handle, offset: position, size: chunk)
            if piece.isEmpty { break }
            result += piece
            position += UInt64(piece.count)
        }
        return result
    }

    /// open O_RDONLY + read everything + release.
    func readFile(_ fs: SmartFileSystem, _ path: String) throws -> [UInt8] {
        let handle = try fs.open(path, flags: O_RDONLY)
        defer { try? fs.release(handle) }
        return try readToEnd(fs, handle)
    }

    /// Asserts that `body` fails with `expected`, and returns the error.
    @discardableResult
    func assertErrno<T>(_ expected: Int32, _ message: @autoclosure () -> String = "",
                        file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> T) -> FSError? {
        do {
            let value = try body()
            XCTFail("expected \(errnoName(expected)), but it succeeded (\(value)) \(message())", file: file, line: line)
            return nil
        } catch let error as FSError {
            XCTAssertEqual(errnoName(error.errno), errnoName(expected), "\(error.reason) \(message())", file: file, line: line)
            return error
        } catch {
            XCTFail("expected FSError \(errnoName(expected)), got \(error) \(message())", file: file, line: line)
            return nil
        }
    }

    /// Runs `body`, failing the test with the errno and reason if it throws.
    @discardableResult
    func assertNoThrow<T>(file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> T) -> T? {
        do {
            return try body()
        } catch let error as FSError {
            XCTFail("failed with \(errnoName(error.errno)): \(error.reason)", file: file, line: line)
        } catch {
            XCTFail("failed with \(error)", file: file, line: line)
        }
        return nil
    }

    /// The calls that change anything in a store.
    static let mutatingOperations: Set<String> = [
        "PutObject", "CopyObject", "DeleteObject", "DeleteObjects", "CreateMultipartUpload", "UploadPart",
        "UploadPartCopy", "CompleteMultipartUpload", "AbortMultipartUpload",
    ]

    func mutations(_ store: InMemoryObjectStore? = nil) -> [StoreCall] {
        (store ?? self.store).calls.filter { Self.mutatingOperations.contains($0.operation) }
    }
}

extension Array where Element == DirectoryEntry {
    var names: [String] { map(\.name) }
    func named(_ name: String) -> DirectoryEntry? { first { $0.name == name } }
}

/// `st_mode` values as s3fs writes them into `x-amz-meta-mode`.
func modeString(_ type: mode_t, _ permissions: UInt32) -> String { String(UInt32(type) | permissions) }
