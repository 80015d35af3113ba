import S3

/// The object-store operations the filesystem needs. `S3Client` is the real one; unit tests
/// use an in-memory store, so that the filesystem logic runs without a network.
public protocol ObjectStore: Sendable {
    func headObject(bucket: String, key: String) throws(S3Error) -> ObjectInfo
    /// Streams `range` (or all) of the object to `sink`; `ifMatch` pins the ETag.
    @discardableResult
    func getObject(bucket: String, key: String, range: Range<UInt64>?, ifMatch: String?,
                   sink: @escaping BodySink) throws(S3Error) -> ObjectInfo
    @discardableResult
    func putObject(bucket: String, key: String, body: RequestBody, options: ObjectWriteOptions) throws(S3Error) -> String
    func deleteObject(bucket: String, key: String) throws(S3Error)
    func deleteObjects(bucket: String, keys: [String]) throws(S3Error) -> [DeleteFailure]
    func listObjectsV2(bucket: String, prefix: String, delimiter: String?, continuationToken: String?,
                       startAfter: String?, maxKeys: Int?) throws(S3Error) -> ListPage
    @discardableResult
    func copyObject(sourceBucket: String, sourceKey: String, bucket: String, key: String,
                    options: ObjectWriteOptions, replaceMetadata: Bool) throws(S3Error) -> String
    func createMultipartUpload(bucket: String, key: String, options: ObjectWriteOptions) throws(S3Error) -> String
    func uploadPart(bucket: String, key: String, uploadID: String, partNumber: Int, body: RequestBody) throws(S3Error) -> String
    func uploadPartCopy(bucket: String, key: String, uploadID: String, partNumber: Int,
                        sourceBucket: String, sourceKey: String, range: Range<UInt64>) throws(S3Error) -> String
    @discardableResult
    func completeMultipartUpload(bucket: String, key: String, uploadID: String, parts: [CompletedPart]) throws(S3Error) -> String
    func abortMultipartUpload(bucket: String, key: String, uploadID: String) throws(S3Error)
    func headBucket(_ bucket: String) throws(S3Error)
}

extension S3Client: ObjectStore {}

extension ObjectStore {
    /// Every object under `prefix`, all pages.
    func listAll(bucket: String, prefix: String) throws(S3Error) -> [ObjectSummary] {
        var objects: [ObjectSummary] = []
        var token: String?
        repeat {
            let page = try listObjectsV2(bucket: bucket, prefix: prefix, delimiter: nil, continuationToken: token,
                                         startAfter: nil, maxKeys: nil)
            objects += page.objects
            token = page.isTruncated ? page.nextContinuationToken : nil
        } while token != nil
        return objects
    }
}

extension ObjectStore {
    /// `range` of an object in memory (small reads only).
    func getObjectBytes(bucket: String, key: String, range: Range<UInt64>, ifMatch: String?) throws(S3Error) -> [UInt8] {
        let sink = ByteAccumulator()
        try getObject(bucket: bucket, key: key, range: range, ifMatch: ifMatch) { bytes in
            sink.bytes.append(contentsOf: bytes)
            return true
        }
        return sink.bytes
    }
}
