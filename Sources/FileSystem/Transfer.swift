import Cache
import Foundation
import S3

/// Moving bytes to and from S3: uploads from staging files (single PUT or parallel multipart),
/// server-side copies (CopyObject, or UploadPartCopy beyond 5 GiB), and copies through the
/// client between modules that cannot copy on the server.
extension SmartFileSystem {
    /// The headers an object written to `module` at `key` carries: the module's rules, the
    /// Content-Type of its name, and the POSIX attributes.
    func writeOptions(_ module: MountedModule, key: String, metadata: [String: String]) -> ObjectWriteOptions {
        var options = module.writeOptions
        options.contentType = key.hasSuffix("/") ? "application/x-directory" : contentTypes.type(for: key)
        options.metadata = metadata
        return options
    }

    /// Part size for an object of `size` bytes: at least the configured size, and large enough
    /// that no object needs more than 10,000 parts.
    func partSize(for size: UInt64) -> UInt64 {
        let minimum = (size + 9_999) / 10_000
        let mebibyte: UInt64 = 1 << 20
        return max(options.partSize, (minimum + mebibyte - 1) / mebibyte * mebibyte)
    }

    /// Uploads `size` bytes of the local file `path` as `module`/`key`; returns the ETag.
    func upload(_ module: MountedModule, key: String, path: String, size: UInt64,
                metadata: [String: String]) throws(FSError) -> String {
        let options = writeOptions(module, key: key, metadata: metadata)
        do {
            if size <= self.options.multipartThreshold {
                return try module.store.putObject(bucket: module.bucket, key: key,
                                                  body: .file(path: path, offset: 0, length: size), options: options)
            }
            return try multipart(module, key: key, size: size, options: options) { number, range, uploadID throws(S3Error) in
                try module.store.uploadPart(bucket: module.bucket, key: key, uploadID: uploadID, partNumber: number,
                                            body: .file(path: path, offset: range.lowerBound, length: UInt64(range.count)))
            }
        } catch {
            throw FSError.from(error, module: module.name, key: key)
        }
    }

    /// Uploads a partial local copy of a large object (see `PartialCopy`): a multipart upload
    /// whose parts untouched since `partial.baseETag` are copied on the server (UploadPartCopy),
    /// and whose other parts are sent from the local file after the bytes it lacks are fetched.
    func uploadPartial(_ module: MountedModule, key: String, path: String, size: UInt64,
                       metadata: [String: String], partial: PartialCopy) throws(FSError) -> String {
        let options = writeOptions(module, key: key, metadata: metadata)
        do {
            let current = try module.store.headObject(bucket: module.bucket, key: key)
            guard current.etag == partial.baseETag else {
                throw FSError(ESTALE, "module \(module.name): \(key) changed in S3 since it was opened for writing; the local changes stay in \(path)")
            }
            let descriptor = Glibc.open(path, O_WRONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                throw FSError(EIO, "module \(module.name): cannot open \(path): \(String(cString: strerror(errno)))")
            }
            defer { close(descriptor) }
            let lock = NSLock()
            let base = min(partial.baseSize, size)
            return try multipart(module, key: key, size: size, options: options) { number, range, uploadID throws(S3Error) in
                if range.upperBound <= base && !partial.written.intersects(range) {
                    return try module.store.uploadPartCopy(bucket: module.bucket, key: key, uploadID: uploadID, partNumber: number,
                                                           sourceBucket: module.bucket, sourceKey: key, range: range)
                }
                // Fetch what this part lacks from the base version, then send the part.
                let limit = range.lowerBound..<min(range.upperBound, base)
                for gap in lock.withLock({ partial.present.missing(in: limit) }) where !gap.isEmpty {
                    let writer = StagingWriter(descriptor: descriptor, offset: gap.lowerBound)
                    try module.store.getObject(bucket: module.bucket, key: key, range: gap, ifMatch: partial.baseETag) { writer.write($0) }
                    if let failure = writer.failure {
                        throw S3Error(kind: .invalidRequest, operation: "UploadPart", bucket: module.bucket, key: key, status: nil,
                                      code: "LocalWriteError", message: "cannot write \(path): \(failure)")
                    }
                }
                return try module.store.uploadPart(bucket: module.bucket, key: key, uploadID: uploadID, partNumber: number,
                                                   body: .file(path: path, offset: range.lowerBound, length: UInt64(range.count)))
            }
        } catch let error as FSError {
            throw error
        } catch let error as S3Error {
            throw FSError.from(error, module: module.name, key: key)
        } catch {
            throw FSError(EIO, "module \(module.name): \(key): \(error)")
        }
    }

    /// Runs a multipart upload whose parts `makePart` produces, several at once; aborts it on failure.
    private func multipart(_ module: MountedModule, key: String, size: UInt64, options: ObjectWriteOptions,
                           makePart: @escaping (Int, Range<UInt64>, String) throws(S3Error) -> String) throws(S3Error) -> String {
        let uploadID = try module.store.createMultipartUpload(bucket: module.bucket, key: key, options: options)
        let part = partSize(for: size)
        let ranges = stride(from: UInt64(0), to: size, by: Int(part)).enumerated().map { index, start in
            (index + 1, start..<min(start + part, size))
        }
        let done = Accumulator<CompletedPart>()
        let failures = Accumulator<S3Error>()
        runConcurrently(ranges, limit: self.options.transferConcurrency) { number, range in
            guard failures.items.isEmpty else { return }
            do throws(S3Error) {
                done.append(CompletedPart(partNumber: number, etag: try makePart(number, range, uploadID)))
            } catch {
                failures.append(error)
            }
        }
        if let failure = failures.items.first {
            try? module.store.abortMultipartUpload(bucket: module.bucket, key: key, uploadID: uploadID)
            throw failure
        }
        do {
            return try module.store.completeMultipartUpload(bucket: module.bucket, key: key, uploadID: uploadID, parts: done.items)
        } catch {
            try? module.store.abortMultipartUpload(bucket: module.bucket, key: key, uploadID: uploadID)
            throw error
        }
    }

    /// Copies an object to `targetModule`/`targetKey`, which takes the target module's ACL and
    /// rules, keeping `metadata`. On the server when both modules share endpoint and
    /// credentials, through a local temporary file otherwise.
    func copyObject(from sourceModule: MountedModule, _ sourceKey: String, to targetModule: MountedModule, _ targetKey: String,
                    size: UInt64, metadata: [String: String]) throws(FSError) {
        let options = writeOptions(targetModule, key: targetKey, metadata: metadata)
        if sourceModule.copyDomain == targetModule.copyDomain {
            do {
                if size <= S3Client.maxSinglePartSize {
                    try targetModule.store.copyObject(sourceBucket: sourceModule.bucket, sourceKey: sourceKey,
                                                      bucket: targetModule.bucket, key: targetKey, options: options, replaceMetadata: true)
                } else {
                    _ = try multipart(targetModule, key: targetKey, size: size, options: options) { number, range, uploadID throws(S3Error) in
                        try targetModule.store.uploadPartCopy(bucket: targetModule.bucket, key: targetKey, uploadID: uploadID,
                                                              partNumber: number, sourceBucket: sourceModule.bucket,
                                                              sourceKey: sourceKey, range: range)
                    }
                }
            } catch {
                if error.isNotFound, error.operation == "CopyObject" || error.operation == "UploadPartCopy" {
                    throw FSError.from(error, module: sourceModule.name, key: sourceKey)
                }
                throw FSError.from(error, module: targetModule.name, key: targetKey)
            }
            return
        }
        // Different endpoints or credentials: stream down to a temporary file, then upload.
        let staged: (path: String, descriptor: Int32)
        do {
            staged = try cacheDirectory.makeStagingFile()
        } catch {
            throw FSError(EIO, "cannot create a staging file in \(cacheDirectory.staging): \(error)")
        }
        defer {
            close(staged.descriptor)
            Glibc.unlink(staged.path)
        }
        let writer = StagingWriter(descriptor: staged.descriptor)
        do {
            try sourceModule.store.getObject(bucket: sourceModule.bucket, key: sourceKey, range: nil, ifMatch: nil) { bytes in
                writer.write(bytes)
            }
        } catch {
            throw FSError.from(error, module: sourceModule.name, key: sourceKey)
        }
        if let failure = writer.failure {
            throw FSError(EIO, "cannot write the staging file \(staged.path): \(failure)")
        }
        _ = try upload(targetModule, key: targetKey, path: staged.path, size: writer.written, metadata: metadata)
    }
}

/// Appends a streamed body to a staging file.
final class StagingWriter: @unchecked Sendable {
    let descriptor: Int32
    var written: UInt64 = 0
    var failure: String?

    init(descriptor: Int32, offset: UInt64 = 0) {
        self.descriptor = descriptor
        self.written = offset
    }

    func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if let code = writeAll(descriptor, bytes, at: written) {
            failure = String(cString: strerror(code))
            return false
        }
        written += UInt64(bytes.count)
        return true
    }
}

/// Writes all of `bytes` at `offset` (retrying short writes and EINTR); returns the errno of a
/// failure, or nil.
func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, at offset: UInt64) -> Int32? {
    var done = 0
    while done < bytes.count {
        let count = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
        if count < 0 {
            if errno == EINTR { continue }
            return errno
        }
        done += count
    }
    return nil
}
