/// A failed S3 call: what was asked, on what, and what came back.
public struct S3Error: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The server answered with an error document or status.
        case service
        /// No usable answer: connection refused, reset, stalled past the timeout.
        case transport
        /// The answer could not be understood.
        case invalidResponse
        /// The request was refused before it was sent (a key S3 cannot hold, say).
        case invalidRequest
    }

    public var kind: Kind
    /// The S3 operation, e.g. `PutObject`.
    public var operation: String
    public var bucket: String?
    public var key: String?
    /// HTTP status, when there was a response.
    public var status: Int?
    /// The S3 error code (`NoSuchKey`, `AccessDenied`, `SignatureDoesNotMatch`, ...), or for
    /// failures without one a code of ours (`ConnectionFailed`, `Timeout`, `InvalidResponse`).
    public var code: String
    public var message: String
    public var requestID: String?
    /// How many attempts were made.
    public var attempts: Int = 1

    public init(kind: Kind, operation: String, bucket: String?, key: String?, status: Int?,
                code: String, message: String, requestID: String? = nil) {
        self.kind = kind
        self.operation = operation
        self.bucket = bucket
        self.key = key
        self.status = status
        self.code = code
        self.message = message
        self.requestID = requestID
    }

    public var description: String {
        var text = "\(operation) "
        if let bucket { text += "s3://\(bucket)/\(key ?? "")" }
        text += " failed: \(code)"
        if let status { text += " (HTTP \(status))" }
        if !message.isEmpty { text += ": \(message)" }
        if let requestID { text += " [request id \(requestID)]" }
        if attempts > 1 { text += " after \(attempts) attempts" }
        return text
    }

    /// The object or bucket does not exist.
    public var isNotFound: Bool {
        status == 404 || code == "NoSuchKey" || code == "NoSuchBucket" || code == "NotFound"
    }

    /// The credentials are wrong or lack permission.
    public var isAuthFailure: Bool {
        ["AccessDenied", "SignatureDoesNotMatch", "InvalidAccessKeyId", "InvalidToken",
         "ExpiredToken", "TokenRefreshRequired", "AllAccessDisabled"].contains(code) || status == 403
    }

    /// Worth another attempt: server trouble, throttling, dropped or stalled connections.
    public var isRetryable: Bool {
        switch kind {
        case .transport: return code != "Aborted"
        case .invalidRequest: return false
        case .invalidResponse: return (status ?? 0) >= 500 || status == nil
        case .service:
            if ["SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable", "Throttling",
                "ThrottlingException", "OperationAborted"].contains(code) {
                return true
            }
            guard let status else { return false }
            return status >= 500 || status == 429
        }
    }
}
