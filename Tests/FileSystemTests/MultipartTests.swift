import FileSystem
import Foundation
import S3
import XCTest

/// Files above the multipart threshold.
final class MultipartTests: FileSystemTestCase {
    /// S3's smallest part (all but the last) is 5 MiB; the store enforces it.
    private func multipartOptions() -> FileSystemOptions {
        var options = FileSystemOptions()
        options.multipartThreshold = 5 << 20
        options.partSize = 5 << 20
        options.transferConcurrency = 3
        return options
    }

    private func writeInChunks(_ fs: SmartFileSystem, _ handle: UInt64, _ data: [UInt8], chunk: Int = 1 << 20) throws {
        var offset = 0
        while offset < data.count {
            let end = min(offset + chunk, data.count)
            try write(fs, handle, at: UInt64(offset), Array(data[offset..<end]))
            offset = end
        }
    }

    func testLargeFileIsUploadedInPartsWithTheRightBytes() throws {
        let fs = try makeFS(options: multipartOptions())
        let data = pattern((11 << 20) + 123, seed: 21)
        let handle = try fs.create("/media/video.mp4", mode: 0o644, flags: O_WRONLY, caller: caller)
        try writeInChunks(fs, handle, data)
        try fs.release(handle)

        let object = try XCTUnwrap(store.object("media-bucket", "media/video.mp4"))
        XCTAssertEqual(object.data.count, data.count)
        XCTAssertTrue(object.data == data, "bytes differ")
        XCTAssertTrue(object.etag.hasSuffix("-3\""), object.etag)
        XCTAssertEqual(object.contentType, "video/mp4")
        XCTAssertEqual(object.acl, "public-read")
        XCTAssertEqual(object.metadata["mode"], modeString(S_IFREG, 0o644))
        XCTAssertEqual(store.count("PutObject"), 0)
        XCTAssertEqual(store.count("CreateMultipartUpload"), 1)
        XCTAssertEqual(store.calls("UploadPart").compactMap(\.partNumber).sorted(), [1, 2, 3])
        XCTAssertEqual(store.calls("UploadPart").sorted { ($0.partNumber ?? 0) < ($1.partNumber ?? 0) }.compactMap(\.bodyLength),
                       [UInt64(5 << 20), UInt64(5 << 20), UInt64((1 << 20) + 123)])
        XCTAssertEqual(store.count("CompleteMultipartUpload"), 1)
        XCTAssertEqual(store.openUploads, 0)
        XCTAssertEqual(try fs.getattr("/media/video.mp4").size, UInt64(data.count))

        // And reads back through the filesystem.
        let reread = try readFile(try makeFS(), "/media/video.mp4")
        XCTAssertTrue(reread == data, "read-back differs")
    }

    func testAtTheThresholdIsOnePut() throws {
        let fs = try makeFS(options: multipartOptions())
        let data = pattern(5 << 20, seed: 2)
        let handle = try fs.create("/media/exact.bin", mode: 0o644, flags: O_WRONLY, caller: caller)
        try writeInChunks(fs, handle, data)
        try fs.release(handle)
        XCTAssertEqual(store.count("PutObject"), 1)
        XCTAssertEqual(store.count("CreateMultipartUpload"), 0)
        XCTAssertTrue(store.object("media-bucket", "media/exact.bin")?.data == data)
    }

    func testFailedPartAbortsTheUploadAndCloseRetries() throws {
        let fs = try makeFS(options: multipartOptions())
        let data = pattern((10 << 20) + 1, seed: 4)
        let handle = try fs.create("/media/big.bin", mode: 0o644, flags: O_WRONLY, caller: caller)
        try writeInChunks(fs, handle, data)
        var failure = InMemoryObjectStore.serviceError(500, "InternalError")
        failure.attempts = 6
        store.failNext("UploadPart", with: failure)
        let error = assertErrno(EIO) { try fs.flush(handle) }
        XCTAssertTrue(error?.reason.contains("media/big.bin") ?? false)
        XCTAssertEqual(store.count("AbortMultipartUpload"), 1)
        XCTAssertEqual(store.openUploads, 0, "no orphaned upload")
        XCTAssertNil(store.object("media-bucket", "media/big.bin"))

        try fs.release(handle)
        XCTAssertTrue(store.object("media-bucket", "media/big.bin")?.data == data)
        XCTAssertEqual(store.count("CompleteMultipartUpload"), 1)
    }

    func testFlushAllUploadsLargeFilesToo() throws {
        let fs = try makeFS(options: multipartOptions())
        let data = pattern((6 << 20), seed: 8)
        let handle = try fs.create("/docs/archive.tar", mode: 0o600, flags: O_WRONLY, caller: caller)
        try writeInChunks(fs, handle, data)
        XCTAssertEqual(fs.flushAll().count, 0)
        XCTAssertTrue(store.object("docs-bucket", "documents/archive.tar")?.data == data)
        XCTAssertEqual(store.object("docs-bucket", "documents/archive.tar")?.contentType, "application/x-tar")
        try fs.release(handle)
        XCTAssertEqual(store.count("CompleteMultipartUpload"), 1)
    }
}
