import Foundation
import Logging

/// Supplies the credentials to sign with; asked before every request, so a provider can
/// refresh temporary credentials without interrupting anyone.
public protocol CredentialsProvider: Sendable {
    /// The credentials to use now, or nil to send unsigned (anonymous) requests.
    func credentials() throws -> S3Credentials?
}

/// Credentials fixed at start-up.
public struct StaticCredentialsProvider: CredentialsProvider {
    public let value: S3Credentials?
    public init(_ value: S3Credentials?) { self.value = value }
    public func credentials() throws -> S3Credentials? { value }
}

/// Where and how a client talks to S3.
public struct S3ClientConfiguration: Sendable {
    /// `scheme://host[:port]`; nil means AWS (`https://s3.REGION.amazonaws.com`).
    public var endpoint: String?
    public var region: String
    public var addressingStyle: S3AddressingStyle
    public var credentials: any CredentialsProvider
    public var transport: TransportOptions
    /// Attempts per request, the first included, for retryable failures.
    public var maxAttempts: Int
    /// First back-off delay in seconds; doubles each attempt, with jitter, up to `maxBackoff`.
    public var baseBackoff: Double
    public var maxBackoff: Double
    /// Sign the payload's SHA-256 (always on plain HTTP); on HTTPS, `UNSIGNED-PAYLOAD` when false.
    public var signPayload: Bool

    public init(endpoint: String? = nil, region: String = "us-east-1", addressingStyle: S3AddressingStyle? = nil,
                credentials: any CredentialsProvider, transport: TransportOptions = TransportOptions(),
                maxAttempts: Int = 6, baseBackoff: Double = 0.1, maxBackoff: Double = 5, signPayload: Bool = false) {
        self.endpoint = endpoint
        self.region = region
        self.addressingStyle = addressingStyle ?? (endpoint == nil ? .virtual : .path)
        self.credentials = credentials
        self.transport = transport
        self.maxAttempts = maxAttempts
        self.baseBackoff = baseBackoff
        self.maxBackoff = maxBackoff
        self.signPayload = signPayload
    }
}

/// A synchronous S3 client: each call blocks the calling thread until it has an answer or has
/// exhausted its retries. Safe to call from many threads at once.
public final class S3Client: Sendable {
    public let configuration: S3ClientConfiguration
    private let transport: any HTTPTransport
    private let scheme: String
    private let hostPort: String
    private let logger: Logger

    /// The largest object S3 accepts in one PUT or CopyObject.
    public static let maxSinglePartSize: UInt64 = 5 << 30
    /// The longest key S3 accepts, in UTF-8 bytes.
    public static let maxKeyLength = 1024

    public init(configuration: S3ClientConfiguration, transport: (any HTTPTransport)? = nil,
                logger: Logger = Logger(label: "smartfs.s3")) throws(S3Error) {
        self.configuration = configuration
        self.transport = transport ?? CurlTransport(options: configuration.transport)
        self.logger = logger
        let endpoint = configuration.endpoint ?? "https://s3.\(configuration.region).amazonaws.com"
        guard let components = URLComponents(string: endpoint), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty else {
            throw S3Error(kind: .invalidRequest, operation: "Configure", bucket: nil, key: nil, status: nil,
                          code: "InvalidEndpoint", message: "endpoint '\(endpoint)' is not an http(s)://host[:port] URL")
        }
        self.scheme = scheme
        self.hostPort = components.port.map { "\(host):\($0)" } ?? host
    }

    // MARK: Buckets

    /// Succeeds when the bucket exists and the credentials may use it.
    public func headBucket(_ bucket: String) throws(S3Error) {
        _ = try execute(S3Request(operation: "HeadBucket", method: "HEAD", bucket: bucket))
    }

    /// Creates a bucket in the client's region.
    public func createBucket(_ bucket: String) throws(S3Error) {
        var body: RequestBody = .empty
        if configuration.region != "us-east-1" {
            body = .bytes(Array("<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>\(xmlEscape(configuration.region))</LocationConstraint></CreateBucketConfiguration>".utf8))
        }
        _ = try execute(S3Request(operation: "CreateBucket", method: "PUT", bucket: bucket, body: body))
    }

    /// Deletes an empty bucket.
    public func deleteBucket(_ bucket: String) throws(S3Error) {
        _ = try execute(S3Request(operation: "DeleteBucket", method: "DELETE", bucket: bucket))
    }

    // MARK: Objects

    /// The object's size, ETag, dates and metadata.
    public func headObject(bucket: String, key: String) throws(S3Error) -> ObjectInfo {
        let response = try execute(S3Request(operation: "HeadObject", method: "HEAD", bucket: bucket, key: key))
        return ObjectInfo(key: key, headers: response.headers)
    }

    /// Streams the object, or the bytes `range` of it, to `sink` as they arrive. A transfer cut
    /// short is resumed where it stopped, pinned to the same ETag so that versions never mix.
    /// `ifMatch` refuses (412 PreconditionFailed) an object whose ETag is not that one.
    @discardableResult
    public func getObject(bucket: String, key: String, range: Range<UInt64>? = nil, ifMatch: String? = nil,
                          sink: @escaping BodySink) throws(S3Error) -> ObjectInfo {
        if let range, range.isEmpty {
            return try headObject(bucket: bucket, key: key)
        }
        let delivered = Counter()
        var pinnedETag = ifMatch
        let counting: BodySink = { bytes in
            delivered.value += UInt64(bytes.count)
            return sink(bytes)
        }
        let response = try execute(sink: counting) {
            var request = S3Request(operation: "GetObject", method: "GET", bucket: bucket, key: key)
            let start = (range?.lowerBound ?? 0) + delivered.value
            if let range {
                request.headers.append(("Range", "bytes=\(start)-\(range.upperBound - 1)"))
            } else if delivered.value > 0 {
                request.headers.append(("Range", "bytes=\(start)-"))
            }
            if let pinnedETag { request.headers.append(("If-Match", pinnedETag)) }
            return request
        } onResponse: { response in
            if pinnedETag == nil, let etag = response.headers["etag"] { pinnedETag = etag }
        }
        return ObjectInfo(key: key, headers: response.headers)
    }

    /// The object (or `range` of it) in memory: for small reads only.
    public func getObjectBytes(bucket: String, key: String, range: Range<UInt64>? = nil) throws(S3Error) -> (bytes: [UInt8], info: ObjectInfo) {
        let buffer = ByteBuffer()
        let info = try getObject(bucket: bucket, key: key, range: range) { bytes in
            buffer.bytes.append(contentsOf: bytes)
            return true
        }
        return (buffer.bytes, info)
    }

    /// Writes a whole object in one request (at most 5 GiB). Returns its ETag.
    @discardableResult
    public func putObject(bucket: String, key: String, body: RequestBody,
                          options: ObjectWriteOptions = ObjectWriteOptions()) throws(S3Error) -> String {
        var request = S3Request(operation: "PutObject", method: "PUT", bucket: bucket, key: key, body: body)
        request.headers += options.headers
        let response = try execute(request)
        return response.headers["etag"] ?? ""
    }

    /// Deletes one object; deleting a key that does not exist succeeds, as in S3.
    public func deleteObject(bucket: String, key: String) throws(S3Error) {
        _ = try execute(S3Request(operation: "DeleteObject", method: "DELETE", bucket: bucket, key: key))
    }

    /// Deletes many objects, 1,000 per request. Returns the keys that could not be deleted.
    public func deleteObjects(bucket: String, keys: [String]) throws(S3Error) -> [DeleteFailure] {
        var failures: [DeleteFailure] = []
        var start = 0
        while start < keys.count {
            let batch = keys[start..<min(start + 1000, keys.count)]
            start += batch.count
            var xml = "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Quiet>true</Quiet>"
            for key in batch { xml += "<Object><Key>\(xmlEscape(key))</Key></Object>" }
            xml += "</Delete>"
            let body = Array(xml.utf8)
            var request = S3Request(operation: "DeleteObjects", method: "POST", bucket: bucket, query: [("delete", "")], body: .bytes(body))
            request.headers.append(("Content-MD5", Data(Digest.md5(body)).base64EncodedString()))
            request.headers.append(("Content-Type", "application/xml"))
            let response = try execute(request)
            let root = try parseXML(response, request: request)
            for error in root.children("Error") {
                failures.append(DeleteFailure(key: error.value("Key") ?? "", code: error.value("Code") ?? "",
                                              message: error.value("Message") ?? ""))
            }
        }
        return failures
    }

    /// One page of ListObjectsV2. Keys travel URL-encoded (`encoding-type=url`) so that any
    /// key survives XML, and are decoded here.
    public func listObjectsV2(bucket: String, prefix: String = "", delimiter: String? = nil,
                              continuationToken: String? = nil, startAfter: String? = nil,
                              maxKeys: Int? = nil) throws(S3Error) -> ListPage {
        var query: [(String, String)] = [("list-type", "2"), ("encoding-type", "url")]
        if !prefix.isEmpty { query.append(("prefix", prefix)) }
        if let delimiter { query.append(("delimiter", delimiter)) }
        if let continuationToken { query.append(("continuation-token", continuationToken)) }
        if let startAfter { query.append(("start-after", startAfter)) }
        if let maxKeys { query.append(("max-keys", String(maxKeys))) }
        let request = S3Request(operation: "ListObjectsV2", method: "GET", bucket: bucket, query: query)
        let root = try parseXML(try execute(request), request: request)
        let encoded = root.value("EncodingType") == "url"
        let decode: (String) -> String = { encoded ? Self.decodeListingValue($0) : $0 }
        var page = ListPage()
        for item in root.children("Contents") {
            page.objects.append(ObjectSummary(
                key: decode(item.value("Key") ?? ""), size: UInt64(item.value("Size") ?? "") ?? 0,
                etag: item.value("ETag") ?? "", lastModified: item.value("LastModified").flatMap(HTTPDate.parseISO),
                storageClass: item.value("StorageClass")))
        }
        page.commonPrefixes = root.children("CommonPrefixes").compactMap { $0.value("Prefix") }.map(decode)
        page.isTruncated = root.value("IsTruncated") == "true"
        page.nextContinuationToken = root.value("NextContinuationToken")
        if page.isTruncated && page.nextContinuationToken == nil {
            throw S3Error(kind: .invalidResponse, operation: "ListObjectsV2", bucket: bucket, key: prefix, status: nil,
                          code: "InvalidResponse", message: "truncated listing without a continuation token")
        }
        return page
    }

    /// Every page of a listing, concatenated.
    public func listAllObjects(bucket: String, prefix: String = "", delimiter: String? = nil) throws(S3Error) -> ListPage {
        var all = ListPage()
        var token: String?
        repeat {
            let page = try listObjectsV2(bucket: bucket, prefix: prefix, delimiter: delimiter, continuationToken: token)
            all.objects += page.objects
            all.commonPrefixes += page.commonPrefixes
            token = page.isTruncated ? page.nextContinuationToken : nil
        } while token != nil
        return all
    }

    /// Copies an object on the server, within a bucket or across buckets (at most 5 GiB; use
    /// `uploadPartCopy` beyond). With `replaceMetadata` false, the source's Content-Type and
    /// user metadata are kept and only `options`' ACL, storage class and encryption apply.
    @discardableResult
    public func copyObject(sourceBucket: String, sourceKey: String, bucket: String, key: String,
                           options: ObjectWriteOptions = ObjectWriteOptions(), replaceMetadata: Bool = false) throws(S3Error) -> String {
        var request = S3Request(operation: "CopyObject", method: "PUT", bucket: bucket, key: key)
        request.headers.append(("x-amz-copy-source", Self.copySource(bucket: sourceBucket, key: sourceKey)))
        request.headers.append(("x-amz-metadata-directive", replaceMetadata ? "REPLACE" : "COPY"))
        var effective = options
        if !replaceMetadata {
            effective.contentType = nil
            effective.cacheControl = nil
            effective.metadata = [:]
        }
        request.headers += effective.headers
        // CopyObject may answer 200 and still fail: the error is then the body.
        let root = try parseXML(try execute(request), request: request)
        return root.value("ETag") ?? ""
    }

    // MARK: Multipart uploads

    /// Starts a multipart upload; returns its upload id.
    public func createMultipartUpload(bucket: String, key: String, options: ObjectWriteOptions = ObjectWriteOptions()) throws(S3Error) -> String {
        var request = S3Request(operation: "CreateMultipartUpload", method: "POST", bucket: bucket, key: key, query: [("uploads", "")])
        request.headers += options.headers
        let root = try parseXML(try execute(request), request: request)
        guard let id = root.value("UploadId"), !id.isEmpty else {
            throw invalidResponse(request, "no UploadId in the answer")
        }
        return id
    }

    /// Uploads part `partNumber` (1...10,000); returns its ETag.
    public func uploadPart(bucket: String, key: String, uploadID: String, partNumber: Int, body: RequestBody) throws(S3Error) -> String {
        let request = S3Request(operation: "UploadPart", method: "PUT", bucket: bucket, key: key,
                                query: [("partNumber", String(partNumber)), ("uploadId", uploadID)], body: body)
        let response = try execute(request)
        guard let etag = response.headers["etag"] else { throw invalidResponse(request, "no ETag for the part") }
        return etag
    }

    /// Makes part `partNumber` from `range` of an existing object, on the server.
    public func uploadPartCopy(bucket: String, key: String, uploadID: String, partNumber: Int,
                               sourceBucket: String, sourceKey: String, range: Range<UInt64>) throws(S3Error) -> String {
        var request = S3Request(operation: "UploadPartCopy", method: "PUT", bucket: bucket, key: key,
                                query: [("partNumber", String(partNumber)), ("uploadId", uploadID)])
        request.headers.append(("x-amz-copy-source", Self.copySource(bucket: sourceBucket, key: sourceKey)))
        request.headers.append(("x-amz-copy-source-range", "bytes=\(range.lowerBound)-\(range.upperBound - 1)"))
        let root = try parseXML(try execute(request), request: request)
        guard let etag = root.value("ETag") else { throw invalidResponse(request, "no ETag for the copied part") }
        return etag
    }

    /// Joins the parts into the object; returns its ETag.
    @discardableResult
    public func completeMultipartUpload(bucket: String, key: String, uploadID: String, parts: [CompletedPart]) throws(S3Error) -> String {
        var xml = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        for part in parts.sorted(by: { $0.partNumber < $1.partNumber }) {
            xml += "<Part><PartNumber>\(part.partNumber)</PartNumber><ETag>\(xmlEscape(part.etag))</ETag></Part>"
        }
        xml += "</CompleteMultipartUpload>"
        var request = S3Request(operation: "CompleteMultipartUpload", method: "POST", bucket: bucket, key: key,
                                query: [("uploadId", uploadID)], body: .bytes(Array(xml.utf8)))
        request.headers.append(("Content-Type", "application/xml"))
        // Like CopyObject, a 200 answer can carry an error.
        let root = try parseXML(try execute(request), request: request)
        return root.value("ETag") ?? ""
    }

    /// Abandons a multipart upload and frees its parts.
    public func abortMultipartUpload(bucket: String, key: String, uploadID: String) throws(S3Error) {
        _ = try execute(S3Request(operation: "AbortMultipartUpload", method: "DELETE", bucket: bucket, key: key,
                                  query: [("uploadId", uploadID)]))
    }

    /// Unfinished multipart uploads under `prefix`, every page.
    public func listMultipartUploads(bucket: String, prefix: String = "") throws(S3Error) -> [MultipartUploadSummary] {
        var uploads: [MultipartUploadSummary] = []
        var keyMarker: String?
        var uploadMarker: String?
        while true {
            var query: [(String, String)] = [("uploads", "")]
            if !prefix.isEmpty { query.append(("prefix", prefix)) }
            if let keyMarker { query.append(("key-marker", keyMarker)) }
            if let uploadMarker { query.append(("upload-id-marker", uploadMarker)) }
            let request = S3Request(operation: "ListMultipartUploads", method: "GET", bucket: bucket, query: query)
            let root = try parseXML(try execute(request), request: request)
            for upload in root.children("Upload") {
                uploads.append(MultipartUploadSummary(key: upload.value("Key") ?? "", uploadID: upload.value("UploadId") ?? "",
                                                      initiated: upload.value("Initiated").flatMap(HTTPDate.parseISO)))
            }
            guard root.value("IsTruncated") == "true", let next = root.value("NextKeyMarker") else { break }
            keyMarker = next
            uploadMarker = root.value("NextUploadIdMarker")
        }
        return uploads
    }

    // MARK: Requests

    /// The `x-amz-copy-source` value for an object.
    static func copySource(bucket: String, key: String) -> String {
        "/\(bucket)/\(URIEncoding.encode(key, keepSlash: true))"
    }

    /// Undoes `encoding-type=url`: S3 encodes like an HTML form (`+` for space).
    static func decodeListingValue(_ value: String) -> String {
        URIEncoding.decode(value.replacingOccurrences(of: "+", with: " "))
    }

    private func execute(_ request: S3Request) throws(S3Error) -> HTTPResponse {
        try execute(sink: nil, make: { request }, onResponse: { _ in })
    }

    /// Sends the request made by `make` (called anew for each attempt), retrying with
    /// exponential back-off and jitter while the failure is retryable.
    private func execute(sink: BodySink?, make: () -> S3Request,
                         onResponse: (HTTPResponse) -> Void) throws(S3Error) -> HTTPResponse {
        var attempt = 0
        var payloadHashes: [String: String] = [:]
        while true {
            attempt += 1
            let request = make()
            do throws(S3Error) {
                try validate(request)
                let signed = try sign(request, payloadHashes: &payloadHashes)
                let response: HTTPResponse
                do {
                    response = try transport.send(signed, sink: sink)
                } catch {
                    throw transportFailure(error, request)
                }
                guard (200..<300).contains(response.status) else {
                    throw serviceFailure(response, request)
                }
                onResponse(response)
                return response
            } catch {
                var failure = error
                failure.attempts = attempt
                guard failure.isRetryable, attempt < configuration.maxAttempts else {
                    throw failure
                }
                let ceiling = min(configuration.maxBackoff, configuration.baseBackoff * pow(2, Double(attempt - 1)))
                let delay = ceiling / 2 + Double.random(in: 0...(ceiling / 2))
                logger.warning("retrying after a transient failure", metadata: [
                    "operation": "\(request.operation)", "bucket": "\(request.bucket ?? "")", "key": "\(request.key ?? "")",
                    "code": "\(failure.code)", "attempt": "\(attempt)", "delay_ms": "\(Int(delay * 1000))",
                ])
                usleep(useconds_t(delay * 1_000_000))
            }
        }
    }

    private func validate(_ request: S3Request) throws(S3Error) {
        if let key = request.key {
            if key.isEmpty || key.utf8.count > Self.maxKeyLength {
                throw S3Error(kind: .invalidRequest, operation: request.operation, bucket: request.bucket, key: key,
                              status: nil, code: key.isEmpty ? "InvalidKey" : "KeyTooLongError",
                              message: key.isEmpty ? "empty object key" : "object keys are at most \(Self.maxKeyLength) bytes")
            }
        }
    }

    /// Builds the URL and the SigV4 headers for one attempt.
    private func sign(_ request: S3Request, payloadHashes: inout [String: String]) throws(S3Error) -> HTTPRequest {
        let bucket = request.bucket ?? ""
        let virtual = configuration.addressingStyle == .virtual && !bucket.isEmpty && !(scheme == "https" && bucket.contains("."))
        var path: String
        var host = hostPort
        if virtual {
            host = "\(bucket).\(hostPort)"
            path = "/" + (request.key.map { URIEncoding.encode($0, keepSlash: true) } ?? "")
        } else {
            path = bucket.isEmpty ? "/" : "/\(bucket)"
            if let key = request.key { path += "/" + URIEncoding.encode(key, keepSlash: true) }
        }
        let query = request.query
            .map { (URIEncoding.encode($0.0), URIEncoding.encode($0.1)) }
            .sorted { (a: (String, String), b: (String, String)) -> Bool in a.0 == b.0 ? a.1 < b.1 : a.0 < b.0 }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
        let url = "\(scheme)://\(host)\(path)" + (query.isEmpty ? "" : "?\(query)")

        let payloadHash: String
        if scheme == "https" && !configuration.signPayload {
            payloadHash = "UNSIGNED-PAYLOAD"
        } else {
            switch request.body {
            case .empty:
                payloadHash = Digest.emptyPayloadHash
            case .bytes(let bytes):
                payloadHash = Digest.hex(Digest.sha256(bytes))
            case .file(let file, let offset, let length):
                let cacheKey = "\(file)@\(offset)+\(length)"
                if let known = payloadHashes[cacheKey] {
                    payloadHash = known
                } else {
                    do {
                        payloadHash = try Digest.sha256(path: file, offset: offset, length: length)
                    } catch {
                        throw S3Error(kind: .invalidRequest, operation: request.operation, bucket: request.bucket,
                                      key: request.key, status: nil, code: "LocalReadError",
                                      message: "cannot read the data to upload from \(file): \(error)")
                    }
                    payloadHashes[cacheKey] = payloadHash
                }
            }
        }

        var headers = request.headers
        headers.append(("Host", host))
        headers.append(("x-amz-content-sha256", payloadHash))
        let credentials: S3Credentials?
        do {
            credentials = try configuration.credentials.credentials()
        } catch {
            throw S3Error(kind: .service, operation: request.operation, bucket: request.bucket, key: request.key,
                          status: nil, code: "CredentialsUnavailable", message: "\(error)")
        }
        if let credentials {
            var signing = SigningRequest(method: request.method, canonicalURI: path, query: request.query,
                                         headers: headers, payloadHash: payloadHash)
            SigV4Signer(credentials: credentials, region: configuration.region).sign(&signing, date: Date())
            headers = signing.headers
        }
        headers.removeAll { $0.name == "Host" }  // curl sends Host itself, from the URL
        return HTTPRequest(method: request.method, url: url, headers: headers, body: request.body)
    }

    private func transportFailure(_ error: TransportError, _ request: S3Request) -> S3Error {
        let code: String = switch error.kind {
        case .connect: "ConnectionFailed"
        case .timeout: "Timeout"
        case .tls: "TLSFailure"
        case .aborted: "Aborted"
        case .send, .receive, .other: "NetworkError"
        }
        return S3Error(kind: .transport, operation: request.operation, bucket: request.bucket, key: request.key,
                       status: nil, code: code, message: error.message)
    }

    private func serviceFailure(_ response: HTTPResponse, _ request: S3Request) -> S3Error {
        var code = Self.defaultCode(status: response.status)
        var message = ""
        var requestID = response.headers["x-amz-request-id"]
        if !response.body.isEmpty, let root = try? XMLNode.parse(response.body), root.name == "Error" {
            code = root.value("Code") ?? code
            message = root.value("Message") ?? ""
            requestID = root.value("RequestId") ?? requestID
        }
        return S3Error(kind: .service, operation: request.operation, bucket: request.bucket, key: request.key,
                       status: response.status, code: code, message: message, requestID: requestID)
    }

    /// The code for an error answer without a body (HEAD requests have none).
    static func defaultCode(status: Int) -> String {
        switch status {
        case 301, 307: "PermanentRedirect"
        case 400: "BadRequest"
        case 403: "AccessDenied"
        case 404: "NotFound"
        case 405: "MethodNotAllowed"
        case 409: "Conflict"
        case 412: "PreconditionFailed"
        case 416: "InvalidRange"
        case 429: "SlowDown"
        case 500: "InternalError"
        case 503: "ServiceUnavailable"
        default: "HTTP\(status)"
        }
    }

    /// Parses an XML answer; an `<Error>` document in a 200 answer becomes an error.
    private func parseXML(_ response: HTTPResponse, request: S3Request) throws(S3Error) -> XMLNode {
        let root: XMLNode
        do {
            root = try XMLNode.parse(response.body)
        } catch {
            throw invalidResponse(request, "\(error)")
        }
        if root.name == "Error" {
            throw S3Error(kind: .service, operation: request.operation, bucket: request.bucket, key: request.key,
                          status: response.status, code: root.value("Code") ?? "InternalError",
                          message: root.value("Message") ?? "", requestID: root.value("RequestId"))
        }
        return root
    }

    private func invalidResponse(_ request: S3Request, _ message: String) -> S3Error {
        S3Error(kind: .invalidResponse, operation: request.operation, bucket: request.bucket, key: request.key,
                status: nil, code: "InvalidResponse", message: message)
    }
}

/// One S3 call before addressing and signing.
struct S3Request {
    var operation: String
    var method: String
    var bucket: String?
    var key: String?
    var query: [(String, String)] = []
    var headers: [(name: String, value: String)] = []
    var body: RequestBody = .empty

    init(operation: String, method: String, bucket: String?, key: String? = nil,
         query: [(String, String)] = [], body: RequestBody = .empty) {
        self.operation = operation
        self.method = method
        self.bucket = bucket
        self.key = key
        self.query = query
        self.body = body
    }
}

/// A mutable box for values updated from a streaming callback on the same thread.
private final class Counter: @unchecked Sendable { var value: UInt64 = 0 }
private final class ByteBuffer: @unchecked Sendable { var bytes: [UInt8] = [] }
