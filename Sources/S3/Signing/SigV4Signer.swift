import Foundation

/// Access credentials for one identity.
public struct S3Credentials: Sendable, Equatable {
    public var accessKey: String
    public var secretKey: String
    public var sessionToken: String?

    public init(accessKey: String, secretKey: String, sessionToken: String? = nil) {
        self.accessKey = accessKey
        self.secretKey = secretKey
        self.sessionToken = sessionToken
    }
}

/// A request reduced to what AWS Signature Version 4 signs.
public struct SigningRequest: Sendable {
    public var method: String
    /// The canonical URI, already percent-encoded (see `URIEncoding`).
    public var canonicalURI: String
    /// Query parameters, not encoded.
    public var query: [(name: String, value: String)]
    /// Headers to sign; `host` must be among them.
    public var headers: [(name: String, value: String)]
    /// Hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`.
    public var payloadHash: String

    public init(method: String, canonicalURI: String, query: [(name: String, value: String)] = [],
                headers: [(name: String, value: String)], payloadHash: String) {
        self.method = method
        self.canonicalURI = canonicalURI
        self.query = query
        self.headers = headers
        self.payloadHash = payloadHash
    }
}

/// AWS Signature Version 4, header-based (`Authorization: AWS4-HMAC-SHA256 ...`).
public struct SigV4Signer: Sendable {
    public var credentials: S3Credentials
    public var region: String
    public var service: String

    public init(credentials: S3Credentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// Adds `x-amz-date`, `x-amz-security-token` (when there is a session token) and
    /// `Authorization` to `request.headers`.
    public func sign(_ request: inout SigningRequest, date: Date) {
        let (day, timestamp) = Self.timestamps(date)
        if !request.headers.contains(where: { $0.name.lowercased() == "x-amz-date" }) {
            request.headers.append(("x-amz-date", timestamp))
        }
        if let token = credentials.sessionToken,
           !request.headers.contains(where: { $0.name.lowercased() == "x-amz-security-token" }) {
            request.headers.append(("x-amz-security-token", token))
        }
        let (canonical, signedHeaders) = Self.canonicalRequest(request)
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = "AWS4-HMAC-SHA256\n\(timestamp)\n\(scope)\n\(Digest.hex(Digest.sha256(Array(canonical.utf8))))"
        let signature = Digest.hex(Digest.hmacSHA256(key: signingKey(day: day), data: Array(stringToSign.utf8)))
        request.headers.append(("Authorization",
            "AWS4-HMAC-SHA256 Credential=\(credentials.accessKey)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"))
    }

    /// The derived key for `day` (`YYYYMMDD`).
    func signingKey(day: String) -> [UInt8] {
        let kDate = Digest.hmacSHA256(key: Array("AWS4\(credentials.secretKey)".utf8), data: Array(day.utf8))
        let kRegion = Digest.hmacSHA256(key: kDate, data: Array(region.utf8))
        let kService = Digest.hmacSHA256(key: kRegion, data: Array(service.utf8))
        return Digest.hmacSHA256(key: kService, data: Array("aws4_request".utf8))
    }

    /// The canonical request and the signed-headers list.
    public static func canonicalRequest(_ request: SigningRequest) -> (String, String) {
        let encoded: [(String, String)] = request.query.map {
            (URIEncoding.encode($0.name), URIEncoding.encode($0.value))
        }
        let sortedQuery = encoded.sorted { (a: (String, String), b: (String, String)) -> Bool in
            a.0 == b.0 ? a.1 < b.1 : a.0 < b.0
        }
        let query = sortedQuery.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
        let lowered: [(name: String, value: String)] = request.headers.map {
            (name: $0.name.lowercased(), value: canonicalHeaderValue($0.value))
        }
        // Stable sort by name keeps repeated headers in their original order.
        let order = lowered.indices.sorted { a, b in
            lowered[a].name == lowered[b].name ? a < b : lowered[a].name < lowered[b].name
        }
        var merged: [(String, String)] = []
        for position in order {
            let (name, value) = lowered[position]
            if let last = merged.last, last.0 == name {
                merged[merged.count - 1].1 = last.1 + "," + value
            } else {
                merged.append((name, value))
            }
        }
        let signedHeaders = merged.map(\.0).joined(separator: ";")
        let headerBlock = merged.map { "\($0.0):\($0.1)\n" }.joined()
        let canonical = "\(request.method)\n\(request.canonicalURI)\n\(query)\n\(headerBlock)\n\(signedHeaders)\n\(request.payloadHash)"
        return (canonical, signedHeaders)
    }

    /// Trims a header value and collapses runs of spaces, as SigV4 requires.
    static func canonicalHeaderValue(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }

    /// (`YYYYMMDD`, `YYYYMMDDTHHMMSSZ`) in UTC.
    public static func timestamps(_ date: Date) -> (String, String) {
        var t = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&t, &parts)
        let day = String(format: "%04d%02d%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday))
        let time = String(format: "%02d%02d%02d", Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
        return (day, "\(day)T\(time)Z")
    }
}
