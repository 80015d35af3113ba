import Foundation
import S3

/// A filesystem failure, carried as a value until the FUSE boundary maps it to one errno.
public struct FSError: Error, Sendable, CustomStringConvertible {
    /// The errno the kernel gets (positive, e.g. `ENOENT`).
    public var errno: Int32
    /// Why, for the log line: names the module, the key and, for S3 failures, the S3 code.
    public var reason: String
    /// The S3 failure behind it, if any.
    public var s3: S3Error?

    public init(_ errno: Int32, _ reason: String, s3: S3Error? = nil) {
        self.errno = errno
        self.reason = reason
        self.s3 = s3
    }

    public var description: String { "\(reason) (\(String(cString: strerror(errno))))" }

    /// Whether this failure is routine (a lookup of a missing name) rather than worth a warning.
    public var isRoutine: Bool { errno == ENOENT || errno == EEXIST || errno == ENOTEMPTY }

    /// Maps an S3 failure on `module`/`key` to exactly one errno.
    public static func from(_ error: S3Error, module: String, key: String) -> FSError {
        let code: Int32
        switch error.kind {
        case .transport:
            code = error.code == "Timeout" ? ETIMEDOUT : EIO
        case .invalidRequest:
            code = error.code == "KeyTooLongError" ? ENAMETOOLONG : EINVAL
        case .invalidResponse:
            code = EIO
        case .service:
            switch error.code {
            case "KeyTooLongError": code = ENAMETOOLONG
            case "EntityTooLarge": code = EFBIG
            case "InvalidObjectState": code = EAGAIN  // archived (Glacier): must be restored first
            case "PreconditionFailed": code = ESTALE
            default:
                if error.isNotFound {
                    code = ENOENT
                } else if error.isAuthFailure {
                    code = EACCES
                } else if error.status == 400 {
                    code = EINVAL
                } else {
                    code = EIO
                }
            }
        }
        let reason = "module \(module): \(error.operation) \(key.isEmpty ? "(module root)" : key): S3 error \(error.code)"
            + (error.requestID.map { " (request id \($0))" } ?? "")
            + (error.message.isEmpty ? "" : ": \(error.message)")
        return FSError(code, reason, s3: error)
    }
}
