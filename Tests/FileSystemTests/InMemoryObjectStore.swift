import FileSystem
import Foundation
import S3
import Synchronization

/// One stored object, with every header S3 keeps for it.
struct StoredObject: Sendable, Equatable {
    var data: [UInt8]
    var etag: String
    var lastModified: Date
    var contentType: String
    var cacheControl: String?
    /// `STANDARD` unless written with another class (HEAD omits STANDARD, as S3 does).
    var storageClass: String
    var serverSideEncryption: String?
    var sseKMSKeyID: String?
    /// The canned ACL it was written with (`x-amz-acl`), nil when none was sent.
    var acl: String?
    /// User metadata, names lower-case, without `x-amz-meta-`.
    var metadata: [String: String]

    var info: ObjectInfo { info(key: "") }

    func info(key: String) -> ObjectInfo {
        ObjectInfo(key: key, size: UInt64(data.count), etag: etag, lastModified: lastModified, contentType: contentType,
                   cacheControl: cacheControl, storageClass: storageClass == "STANDARD" ? nil : storageClass,
                   serverSideEncryption: serverSideEncryption, metadata: metadata)
    }

    var text: String { String(decoding: data, as: UTF8.self) }
}

/// One call made to the store, as the op log records it.
struct StoreCall: Sendable, Equatable, CustomStringConvertible {
    var operation: String
    var bucket: String
    /// The object key (the destination for copies); `""` for bucket-level calls.
    var key: String
    /// The byte range asked for (GET, UploadPartCopy), nil for "everything".
    var range: Range<UInt64>? = nil
    var ifMatch: String? = nil
    var sourceBucket: String? = nil
    var sourceKey: String? = nil
    var replaceMetadata: Bool? = nil
    var bodyLength: UInt64? = nil
    var partNumber: Int? = nil
    var prefix: String? = nil
    var delimiter: String? = nil

    var description: String {
        var text = "\(operation) \(bucket)/\(key)"
        if let range { text += " [\(range.lowerBound)..<\(range.upperBound)]" }
        if let sourceKey { text += " from \(sourceBucket ?? "?")/\(sourceKey)" }
        if let prefix { text += " prefix=\(prefix)" }
        return text
    }
}

/// An in-memory S3: buckets, objects with their headers, listings with paging, copies with the
/// COPY/REPLACE metadata directive, multipart uploads, plus an operation log and fault injection.
/// It stands for the client and the server together, so it applies the client's own rules too
/// (key validation, the copy-directive header stripping, sorting the parts of a completion).
final class InMemoryObjectStore: ObjectStore, Sendable {
    private struct Upload {
        var bucket: String
        var key: [UInt8]
        var options: ObjectWriteOptions
        var parts: [Int: (data: [UInt8], etag: String)] = [:]
    }

    private struct Bucket {
        var objects: [[UInt8]: StoredObject] = [:]
    }

    private struct Fault {
        var operation: String
        var key: String?
        var remaining: Int
        var error: S3Error
    }

    private struct State {
        var buckets: [String: Bucket] = [:]
        var uploads: [String: Upload] = [:]
        var log: [StoreCall] = []
        var faults: [Fault] = []
        var listPageSize = 1000
        var minimumPartSize: UInt64 = 5 << 20
        var nextRequest = 1
    }

    private let state: Mutex<State>
    /// Bytes handed to a GET sink per call, so that streaming consumers see several chunks.
    static let chunkSize = 64 << 10

    init(buckets: [String] = []) {
        var initial = State()
        for bucket in buckets { initial.buckets[bucket] = Bucket() }
        state = Mutex(initial)
    }

    // MARK: Test controls

    func createBucket(_ name: String) {
        state.withLock { if $0.buckets[name] == nil { $0.buckets[name] = Bucket() } }
    }

    /// The most keys a listing page holds (S3: 1,000; `max-keys` can only lower it).
    var listPageSize: Int {
        get { state.withLock { $0.listPageSize } }
        set { state.withLock { $0.listPageSize = newValue } }
    }

    /// The smallest part but the last that CompleteMultipartUpload accepts (S3: 5 MiB).
    var minimumPartSize: UInt64 {
        get { state.withLock { $0.minimumPartSize } }
        set { state.withLock { $0.minimumPartSize = newValue } }
    }

    /// Puts an object directly, without logging a call. Returns its ETag.
    @discardableResult
    func seed(bucket: String, key: String, _ data: [UInt8], contentType: String = "binary/octet-stream",
              metadata: [String: String] = [:], lastModified: Date = Date(timeIntervalSince1970: 1_600_000_000),
              acl: String? = nil, cacheControl: String? = nil) -> String {
        let object = StoredObject(data: data, etag: Self.etag(data), lastModified: lastModified, contentType: contentType,
                                  cacheControl: cacheControl, storageClass: "STANDARD", serverSideEncryption: nil,
                                  sseKMSKeyID: nil, acl: acl, metadata: metadata)
        state.withLock { state in
            if state.buckets[bucket] == nil { state.buckets[bucket] = Bucket() }
            state.buckets[bucket]!.objects[Array(key.utf8)] = object
        }
        return object.etag
    }

    @discardableResult
    func seed(bucket: String, key: String, _ text: String, contentType: String = "binary/octet-stream",
              metadata: [String: String] = [:], lastModified: Date = Date(timeIntervalSince1970: 1_600_000_000)) -> String {
        seed(bucket: bucket, key: key, Array(text.utf8), contentType: contentType, metadata: metadata, lastModified: lastModified)
    }

    func object(_ bucket: String, _ key: String) -> StoredObject? {
        state.withLock { $0.buckets[bucket]?.objects[Array(key.utf8)] }
    }

    /// Every key of `bucket` under `prefix`, in S3's (UTF-8 byte) order.
    func keys(_ bucket: String, prefix: String = "") -> [String] {
        state.withLock { state in
            let all = state.buckets[bucket]?.objects.keys.filter { $0.starts(with: Array(prefix.utf8)) } ?? []
            return all.sorted(by: Self.precedes).map { String(decoding: $0, as: UTF8.self) }
        }
    }

    /// Multipart uploads started and neither completed nor aborted.
    var openUploads: Int { state.withLock { $0.uploads.count } }

    var calls: [StoreCall] { state.withLock { $0.log } }

    func calls(_ operation: String) -> [StoreCall] { calls.filter { $0.operation == operation } }

    func count(_ operation: String) -> Int { calls(operation).count }

    func resetLog() { state.withLock { $0.log.removeAll() } }

    /// Makes the next `times` calls of `operation` (on `key`, when given) fail with `error`. The
    /// error's operation, bucket and key are filled in from the call.
    func failNext(_ operation: String, times: Int = 1, key: String? = nil, with error: S3Error) {
        state.withLock { $0.faults.append(Fault(operation: operation, key: key, remaining: times, error: error)) }
    }

    // MARK: Errors

    static func serviceError(_ status: Int, _ code: String, message: String = "") -> S3Error {
        S3Error(kind: .service, operation: "", bucket: nil, key: nil, status: status, code: code, message: message)
    }

    static func transportError(_ code: String, message: String = "injected transport failure") -> S3Error {
        S3Error(kind: .transport, operation: "", bucket: nil, key: nil, status: nil, code: code, message: message)
    }

    /// A request the client refuses before sending it (`kind` `.invalidRequest`).
    static func clientError(_ code: String, message: String = "refused before sending") -> S3Error {
        S3Error(kind: .invalidRequest, operation: "", bucket: nil, key: nil, status: nil, code: code, message: message)
    }

    private func fail(_ state: inout State, _ operation: String, _ bucket: String, _ key: String?, _ status: Int,
                      _ code: String, _ message: String) -> S3Error {
        let id = state.nextRequest
        state.nextRequest += 1
        return S3Error(kind: .service, operation: operation, bucket: bucket, key: key, status: status, code: code,
                       message: message, requestID: "REQ\(id)")
    }

    /// Logs the call and throws an injected fault, if one is armed for it.
    private func begin(_ state: inout State, _ call: StoreCall, key: String? = nil) throws(S3Error) {
        state.log.append(call)
        let target = key ?? call.key
        if let index = state.faults.firstIndex(where: { $0.operation == call.operation && ($0.key == nil || $0.key == target) }) {
            var error = state.faults[index].error
            state.faults[index].remaining -= 1
            if state.faults[index].remaining <= 0 { state.faults.remove(at: index) }
            error.operation = call.operation
            error.bucket = call.bucket
            error.key = call.key.isEmpty ? nil : call.key
            if error.kind == .service && error.requestID == nil {
                error.requestID = "REQ\(state.nextRequest)"
                state.nextRequest += 1
            }
            throw error
        }
    }

    private func requireBucket(_ state: inout State, _ operation: String, _ bucket: String, _ key: String?,
                               head: Bool = false) throws(S3Error) {
        guard state.buckets[bucket] != nil else {
            // A HEAD answer has no body, so the client only has the status to go by.
            throw fail(&state, operation, bucket, key, 404, head ? "NotFound" : "NoSuchBucket",
                       head ? "" : "The specified bucket does not exist")
        }
    }

    /// What the client refuses before sending anything.
    private static func validate(_ operation: String, _ bucket: String, _ key: String) throws(S3Error) {
        if key.isEmpty || key.utf8.count > S3Client.maxKeyLength {
            throw S3Error(kind: .invalidRequest, operation: operation, bucket: bucket, key: key, status: nil,
                          code: key.isEmpty ? "InvalidKey" : "KeyTooLongError",
                          message: key.isEmpty ? "empty object key" : "object keys are at most \(S3Client.maxKeyLength) bytes")
        }
    }

    // MARK: Helpers

    static func etag(_ data: [UInt8]) -> String { "\"" + Digest.hex(Digest.md5(data)) + "\"" }

    static func precedes(_ a: [UInt8], _ b: [UInt8]) -> Bool { a.lexicographicallyPrecedes(b) }

    /// S3's Last-Modified has whole seconds.
    private static func now() -> Date { Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)) }

    private static func read(_ body: RequestBody, _ operation: String, _ bucket: String, _ key: String) throws(S3Error) -> [UInt8] {
        switch body {
        case .empty: return []
        case .bytes(let bytes): return bytes
        case .file(let path, let offset, let length):
            let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                throw S3Error(kind: .invalidRequest, operation: operation, bucket: bucket, key: key, status: nil,
                              code: "LocalReadError", message: "cannot open \(path): \(String(cString: strerror(errno)))")
            }
            defer { close(descriptor) }
            var bytes = [UInt8](repeating: 0, count: Int(length))
            var done = 0
            while done < Int(length) {
                let count = bytes.withUnsafeMutableBytes { buffer in
                    pread(descriptor, buffer.baseAddress! + done, Int(length) - done, off_t(offset) + off_t(done))
                }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else {
                    throw S3Error(kind: .invalidRequest, operation: operation, bucket: bucket, key: key, status: nil,
                                  code: "LocalReadError", message: "short read of \(path) at \(Int(offset) + done)")
                }
                done += count
            }
            return bytes
        }
    }

    private static func written(_ data: [UInt8], options: ObjectWriteOptions, etag: String? = nil) -> StoredObject {
        StoredObject(data: data, etag: etag ?? Self.etag(data), lastModified: now(),
                     contentType: options.contentType ?? "binary/octet-stream", cacheControl: options.cacheControl,
                     storageClass: options.storageClass ?? "STANDARD", serverSideEncryption: options.serverSideEncryption,
                     sseKMSKeyID: options.sseKMSKeyID, acl: options.acl,
                     metadata: Dictionary(options.metadata.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { _, last in last }))
    }

    // MARK: ObjectStore

    func headBucket(_ bucket: String) throws(S3Error) {
        try state.withLock { state throws(S3Error) in
            try begin(&state, StoreCall(operation: "HeadBucket", bucket: bucket, key: ""))
            try requireBucket(&state, "HeadBucket", bucket, nil, head: true)
        }
    }

    func headObject(bucket: String, key: String) throws(S3Error) -> ObjectInfo {
        try state.withLock { state throws(S3Error) -> ObjectInfo in
            try begin(&state, StoreCall(operation: "HeadObject", bucket: bucket, key: key))
            try Self.validate("HeadObject", bucket, key)
            try requireBucket(&state, "HeadObject", bucket, key, head: true)
            guard let object = state.buckets[bucket]!.objects[Array(key.utf8)] else {
                throw fail(&state, "HeadObject", bucket, key, 404, "NotFound", "")
            }
            return object.info(key: key)
        }
    }

    @discardableResult
    func getObject(bucket: String, key: String, range: Range<UInt64>?, ifMatch: String?,
                   sink: @escaping BodySink) throws(S3Error) -> ObjectInfo {
        if let range, range.isEmpty {
            // The client asks nothing of GET for an empty range: it sends a HEAD.
            return try headObject(bucket: bucket, key: key)
        }
        let (slice, info) = try state.withLock { state throws(S3Error) -> ([UInt8], ObjectInfo) in
            try begin(&state, StoreCall(operation: "GetObject", bucket: bucket, key: key, range: range, ifMatch: ifMatch))
            try Self.validate("GetObject", bucket, key)
            try requireBucket(&state, "GetObject", bucket, key)
            guard let object = state.buckets[bucket]!.objects[Array(key.utf8)] else {
                throw fail(&state, "GetObject", bucket, key, 404, "NoSuchKey", "The specified key does not exist.")
            }
            if let ifMatch, ifMatch != object.etag {
                throw fail(&state, "GetObject", bucket, key, 412, "PreconditionFailed",
                           "At least one of the pre-conditions you specified did not hold")
            }
            let size = UInt64(object.data.count)
            guard let range else { return (object.data, object.info(key: key)) }
            if range.lowerBound >= size {
                throw fail(&state, "GetObject", bucket, key, 416, "InvalidRange", "The requested range is not satisfiable")
            }
            let slice = Array(object.data[Int(range.lowerBound)..<Int(min(range.upperBound, size))])
            return (slice, object.info(key: key))
        }
        var start = 0
        while start < slice.count {
            let end = min(start + Self.chunkSize, slice.count)
            let accepted = slice[start..<end].withUnsafeBytes { sink($0) }
            if !accepted {
                throw S3Error(kind: .transport, operation: "GetObject", bucket: bucket, key: key, status: nil,
                              code: "Aborted", message: "the body sink refused the data")
            }
            start = end
        }
        return info
    }

    @discardableResult
    func putObject(bucket: String, key: String, body: RequestBody, options: ObjectWriteOptions) throws(S3Error) -> String {
        try state.withLock { state throws(S3Error) -> String in
            try begin(&state, StoreCall(operation: "PutObject", bucket: bucket, key: key, bodyLength: body.length))
            try Self.validate("PutObject", bucket, key)
            let data = try Self.read(body, "PutObject", bucket, key)
            try requireBucket(&state, "PutObject", bucket, key)
            let object = Self.written(data, options: options)
            state.buckets[bucket]!.objects[Array(key.utf8)] = object
            return object.etag
        }
    }

    func deleteObject(bucket: String, key: String) throws(S3Error) {
        try state.withLock { state throws(S3Error) in
            try begin(&state, StoreCall(operation: "DeleteObject", bucket: bucket, key: key))
            try Self.validate("DeleteObject", bucket, key)
            try requireBucket(&state, "DeleteObject", bucket, key)
            state.buckets[bucket]!.objects[Array(key.utf8)] = nil
        }
    }

    func deleteObjects(bucket: String, keys: [String]) throws(S3Error) -> [DeleteFailure] {
        // The client sends 1,000 keys per request.
        var start = 0
        while start < keys.count {
            let batch = keys[start..<min(start + 1000, keys.count)]
            start += batch.count
            try state.withLock { state throws(S3Error) in
                try begin(&state, StoreCall(operation: "DeleteObjects", bucket: bucket, key: ""), key: batch.first)
                try requireBucket(&state, "DeleteObjects", bucket, nil)
                for key in batch { state.buckets[bucket]!.objects[Array(key.utf8)] = nil }
            }
        }
        return []
    }

    func listObjectsV2(bucket: String, prefix: String, delimiter: String?, continuationToken: String?,
                       startAfter: String?, maxKeys: Int?) throws(S3Error) -> ListPage {
        try state.withLock { state throws(S3Error) -> ListPage in
            try begin(&state, StoreCall(operation: "ListObjectsV2", bucket: bucket, key: "", prefix: prefix, delimiter: delimiter),
                      key: prefix)
            try requireBucket(&state, "ListObjectsV2", bucket, nil)
            // The marker: the last item of the previous page (a key, or a common prefix whose keys all go).
            var marker: [UInt8]?
            var markerIsPrefix = false
            if let continuationToken {
                guard let data = Data(base64Encoded: continuationToken), let text = String(data: data, encoding: .utf8),
                      text.hasPrefix("K:") || text.hasPrefix("P:") else {
                    throw fail(&state, "ListObjectsV2", bucket, nil, 400, "InvalidArgument", "The continuation token provided is incorrect")
                }
                marker = Array(text.utf8.dropFirst(2))
                markerIsPrefix = text.hasPrefix("P:")
            } else if let startAfter {
                marker = Array(startAfter.utf8)
            }
            let limit = min(max(maxKeys ?? 1000, 0), state.listPageSize)
            let prefixBytes = Array(prefix.utf8)
            let delimiterBytes = delimiter.map { Array($0.utf8) }.flatMap { $0.isEmpty ? nil : $0 }
            let sorted = state.buckets[bucket]!.objects.keys.filter { $0.starts(with: prefixBytes) }.sorted(by: Self.precedes)
            var page = ListPage()
            var count = 0
            var last: (bytes: [UInt8], isPrefix: Bool)?
            for key in sorted {
                if let marker {
                    if !Self.precedes(marker, key) { continue }
                    if markerIsPrefix && key.starts(with: marker) { continue }
                }
                var commonPrefix: [UInt8]?
                if let delimiterBytes {
                    let rest = key[prefixBytes.count...]
                    if let range = Self.firstRange(of: delimiterBytes, in: Array(rest)) {
                        commonPrefix = prefixBytes + Array(rest)[..<range.upperBound]
                    }
                }
                if let commonPrefix {
                    if let last, last.isPrefix, last.bytes == commonPrefix { continue }
                    if count == limit { page.isTruncated = true; break }
                    page.commonPrefixes.append(String(decoding: commonPrefix, as: UTF8.self))
                    last = (commonPrefix, true)
                } else {
                    if count == limit { page.isTruncated = true; break }
                    let object = state.buckets[bucket]!.objects[key]!
                    page.objects.append(ObjectSummary(key: String(decoding: key, as: UTF8.self), size: UInt64(object.data.count),
                                                      etag: object.etag, lastModified: object.lastModified,
                                                      storageClass: object.storageClass))
                    last = (key, false)
                }
                count += 1
            }
            if page.isTruncated, let last {
                let text = (last.isPrefix ? "P:" : "K:") + String(decoding: last.bytes, as: UTF8.self)
                page.nextContinuationToken = Data(text.utf8).base64EncodedString()
            }
            return page
        }
    }

    private static func firstRange(of needle: [UInt8], in haystack: [UInt8]) -> Range<Int>? {
        guard needle.count <= haystack.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start..<(start + needle.count)
        }
        return nil
    }

    @discardableResult
    func copyObject(sourceBucket: String, sourceKey: String, bucket: String, key: String,
                    options: ObjectWriteOptions, replaceMetadata: Bool) throws(S3Error) -> String {
        try state.withLock { state throws(S3Error) -> String in
            try begin(&state, StoreCall(operation: "CopyObject", bucket: bucket, key: key, sourceBucket: sourceBucket,
                                        sourceKey: sourceKey, replaceMetadata: replaceMetadata))
            try Self.validate("CopyObject", bucket, key)
            try requireBucket(&state, "CopyObject", sourceBucket, key)
            try requireBucket(&state, "CopyObject", bucket, key)
            guard let source = state.buckets[sourceBucket]!.objects[Array(sourceKey.utf8)] else {
                throw fail(&state, "CopyObject", bucket, key, 404, "NoSuchKey", "The specified key does not exist.")
            }
            if sourceBucket == bucket && sourceKey == key && !replaceMetadata && options.storageClass == nil
                && options.serverSideEncryption == nil {
                throw fail(&state, "CopyObject", bucket, key, 400, "InvalidRequest",
                           "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
            }
            var object: StoredObject
            if replaceMetadata {
                object = Self.written(source.data, options: options, etag: source.etag.contains("-") ? nil : source.etag)
            } else {
                // COPY: Content-Type, Cache-Control and user metadata come from the source; the
                // client strips them from `options`, and only ACL, storage class and encryption apply.
                var effective = options
                effective.contentType = source.contentType
                effective.cacheControl = source.cacheControl
                effective.metadata = source.metadata
                object = Self.written(source.data, options: effective, etag: source.etag.contains("-") ? nil : source.etag)
            }
            object.lastModified = Self.now()
            state.buckets[bucket]!.objects[Array(key.utf8)] = object
            return object.etag
        }
    }

    func createMultipartUpload(bucket: String, key: String, options: ObjectWriteOptions) throws(S3Error) -> String {
        try state.withLock { state throws(S3Error) -> String in
            try begin(&state, StoreCall(operation: "CreateMultipartUpload", bucket: bucket, key: key))
            try Self.validate("CreateMultipartUpload", bucket, key)
            try requireBucket(&state, "CreateMultipartUpload", bucket, key)
            let id = UUID().uuidString
            state.uploads[id] = Upload(bucket: bucket, key: Array(key.utf8), options: options)
            return id
        }
    }

    private func requireUpload(_ state: inout State, _ operation: String, _ bucket: String, _ key: String,
                               _ uploadID: String) throws(S3Error) {
        guard let upload = state.uploads[uploadID], upload.bucket == bucket, upload.key == Array(key.utf8) else {
            throw fail(&state, operation, bucket, key, 404, "NoSuchUpload", "The specified upload does not exist.")
        }
    }

    private func checkPartNumber(_ state: inout State, _ operation: String, _ bucket: String, _ key: String,
                                 _ number: Int) throws(S3Error) {
        guard (1...10_000).contains(number) else {
            throw fail(&state, operation, bucket, key, 400, "InvalidArgument", "Part number must be an integer between 1 and 10000")
        }
    }

    func uploadPart(bucket: String, key: String, uploadID: String, partNumber: Int, body: RequestBody) throws(S3Error) -> String {
        try state.withLock { state throws(S3Error) -> String in
            try begin(&state, StoreCall(operation: "UploadPart", bucket: bucket, key: key, bodyLength: body.length,
                                        partNumber: partNumber))
            try requireUpload(&state, "UploadPart", bucket, key, uploadID)
            try checkPartNumber(&state, "UploadPart", bucket, key, partNumber)
            let data = try Self.read(body, "UploadPart", bucket, key)
            let etag = Self.etag(data)
            state.uploads[uploadID]!.parts[partNumber] = (data, etag)
            return etag
        }
    }

    func uploadPartCopy(bucket: String, key: String, uploadID: String, partNumber: Int,
                        sourceBucket: String, sourceKey: String, range: Range<UInt64>) throws(S3Error) -> String {
        try state.withLock { state throws(S3Error) -> String in
            try begin(&state, StoreCall(operation: "UploadPartCopy", bucket: bucket, key: key, range: range,
                                        sourceBucket: sourceBucket, sourceKey: sourceKey, partNumber: partNumber))
            try requireUpload(&state, "UploadPartCopy", bucket, key, uploadID)
            try checkPartNumber(&state, "UploadPartCopy", bucket, key, partNumber)
            try requireBucket(&state, "UploadPartCopy", sourceBucket, sourceKey)
            guard let source = state.buckets[sourceBucket]!.objects[Array(sourceKey.utf8)] else {
                throw fail(&state, "UploadPartCopy", bucket, key, 404, "NoSuchKey", "The specified key does not exist.")
            }
            guard !range.isEmpty, range.upperBound <= UInt64(source.data.count) else {
                throw fail(&state, "UploadPartCopy", bucket, key, 400, "InvalidArgument",
                           "Range specified is not valid for source object of size: \(source.data.count)")
            }
            let data = Array(source.data[Int(range.lowerBound)..<Int(range.upperBound)])
            let etag = Self.etag(data)
            state.uploads[uploadID]!.parts[partNumber] = (data, etag)
            return etag
        }
    }

    @discardableResult
    func completeMultipartUpload(bucket: String, key: String, uploadID: String, parts: [CompletedPart]) throws(S3Error) -> String {
        try state.withLock { state throws(S3Error) -> String in
            try begin(&state, StoreCall(operation: "CompleteMultipartUpload", bucket: bucket, key: key))
            try requireUpload(&state, "CompleteMultipartUpload", bucket, key, uploadID)
            guard !parts.isEmpty else {
                throw fail(&state, "CompleteMultipartUpload", bucket, key, 400, "MalformedXML", "no parts")
            }
            // The client sends the parts sorted by number; S3 wants them ascending and distinct.
            let ordered = parts.sorted { $0.partNumber < $1.partNumber }
            if Set(ordered.map(\.partNumber)).count != ordered.count {
                throw fail(&state, "CompleteMultipartUpload", bucket, key, 400, "InvalidPartOrder", "duplicate part numbers")
            }
            let upload = state.uploads[uploadID]!
            var data: [UInt8] = []
            var digests: [UInt8] = []
            for (index, part) in ordered.enumerated() {
                guard let stored = upload.parts[part.partNumber], stored.etag == part.etag else {
                    throw fail(&state, "CompleteMultipartUpload", bucket, key, 400, "InvalidPart",
                               "One or more of the specified parts could not be found (part \(part.partNumber))")
                }
                if index < ordered.count - 1 && UInt64(stored.data.count) < state.minimumPartSize {
                    throw fail(&state, "CompleteMultipartUpload", bucket, key, 400, "EntityTooSmall",
                               "Your proposed upload is smaller than the minimum allowed size (part \(part.partNumber))")
                }
                data += stored.data
                digests += Digest.md5(stored.data)
            }
            let etag = "\"" + Digest.hex(Digest.md5(digests)) + "-\(ordered.count)\""
            state.buckets[bucket]!.objects[upload.key] = Self.written(data, options: upload.options, etag: etag)
            state.uploads[uploadID] = nil
            return etag
        }
    }

    func abortMultipartUpload(bucket: String, key: String, uploadID: String) throws(S3Error) {
        try state.withLock { state throws(S3Error) in
            try begin(&state, StoreCall(operation: "AbortMultipartUpload", bucket: bucket, key: key))
            try requireUpload(&state, "AbortMultipartUpload", bucket, key, uploadID)
            state.uploads[uploadID] = nil
        }
    }
}
