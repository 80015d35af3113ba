import Foundation

/// How buckets appear in URLs.
public enum S3AddressingStyle: String, Sendable {
    /// `https://host/bucket/key`: for local servers, MinIO, Ceph.
    case path
    /// `https://bucket.host/key`: AWS's default.
    case virtual
}

/// Headers S3 stores with an object when it is written (PUT, multipart, copy with REPLACE).
public struct ObjectWriteOptions: Sendable, Equatable {
    /// Canned ACL (`x-amz-acl`).
    public var acl: String?
    public var contentType: String?
    public var cacheControl: String?
    public var storageClass: String?
    /// `AES256` or `aws:kms`.
    public var serverSideEncryption: String?
    public var sseKMSKeyID: String?
    /// User metadata, without the `x-amz-meta-` prefix.
    public var metadata: [String: String] = [:]

    public init(acl: String? = nil, contentType: String? = nil, cacheControl: String? = nil,
                storageClass: String? = nil, serverSideEncryption: String? = nil, sseKMSKeyID: String? = nil,
                metadata: [String: String] = [:]) {
        self.acl = acl
        self.contentType = contentType
        self.cacheControl = cacheControl
        self.storageClass = storageClass
        self.serverSideEncryption = serverSideEncryption
        self.sseKMSKeyID = sseKMSKeyID
        self.metadata = metadata
    }

    var headers: [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = []
        if let acl { headers.append(("x-amz-acl", acl)) }
        if let contentType { headers.append(("Content-Type", contentType)) }
        if let cacheControl { headers.append(("Cache-Control", cacheControl)) }
        if let storageClass { headers.append(("x-amz-storage-class", storageClass)) }
        if let serverSideEncryption { headers.append(("x-amz-server-side-encryption", serverSideEncryption)) }
        if let sseKMSKeyID { headers.append(("x-amz-server-side-encryption-aws-kms-key-id", sseKMSKeyID)) }
        for (name, value) in metadata.sorted(by: { $0.key < $1.key }) {
            headers.append(("x-amz-meta-\(name.lowercased())", value))
        }
        return headers
    }
}

/// What HeadObject and GetObject tell about an object.
public struct ObjectInfo: Sendable, Equatable {
    public var key: String
    public var size: UInt64
    public var etag: String
    public var lastModified: Date?
    public var contentType: String?
    public var cacheControl: String?
    public var storageClass: String?
    public var serverSideEncryption: String?
    /// User metadata (`x-amz-meta-*`), names lower-case and without the prefix.
    public var metadata: [String: String]

    public init(key: String, size: UInt64, etag: String, lastModified: Date? = nil, contentType: String? = nil,
                cacheControl: String? = nil, storageClass: String? = nil, serverSideEncryption: String? = nil,
                metadata: [String: String] = [:]) {
        self.key = key
        self.size = size
        self.etag = etag
        self.lastModified = lastModified
        self.contentType = contentType
        self.cacheControl = cacheControl
        self.storageClass = storageClass
        self.serverSideEncryption = serverSideEncryption
        self.metadata = metadata
    }

    init(key: String, headers: [String: String]) {
        var metadata: [String: String] = [:]
        for (name, value) in headers where name.hasPrefix("x-amz-meta-") {
            metadata[String(name.dropFirst("x-amz-meta-".count))] = value
        }
        let size: UInt64
        if let range = headers["content-range"], let total = range.split(separator: "/").last, let value = UInt64(total) {
            size = value
        } else {
            size = UInt64(headers["content-length"] ?? "") ?? 0
        }
        self.init(key: key, size: size, etag: headers["etag"] ?? "",
                  lastModified: headers["last-modified"].flatMap(HTTPDate.parse),
                  contentType: headers["content-type"], cacheControl: headers["cache-control"],
                  storageClass: headers["x-amz-storage-class"],
                  serverSideEncryption: headers["x-amz-server-side-encryption"], metadata: metadata)
    }
}

/// One object in a listing.
public struct ObjectSummary: Sendable, Equatable {
    public var key: String
    public var size: UInt64
    public var etag: String
    public var lastModified: Date?
    public var storageClass: String?

    public init(key: String, size: UInt64, etag: String, lastModified: Date? = nil, storageClass: String? = nil) {
        self.key = key
        self.size = size
        self.etag = etag
        self.lastModified = lastModified
        self.storageClass = storageClass
    }
}

/// One page of ListObjectsV2.
public struct ListPage: Sendable, Equatable {
    public init() {}

    public var objects: [ObjectSummary] = []
    /// Common prefixes ("sub-directories") when a delimiter was given, in full (with the prefix).
    public var commonPrefixes: [String] = []
    public var isTruncated = false
    public var nextContinuationToken: String?
}

/// An unfinished multipart upload.
public struct MultipartUploadSummary: Sendable, Equatable {
    public var key: String
    public var uploadID: String
    public var initiated: Date?

    public init(key: String, uploadID: String, initiated: Date? = nil) {
        self.key = key
        self.uploadID = uploadID
        self.initiated = initiated
    }
}

/// A finished part of a multipart upload.
public struct CompletedPart: Sendable, Equatable {
    public var partNumber: Int
    public var etag: String

    public init(partNumber: Int, etag: String) {
        self.partNumber = partNumber
        self.etag = etag
    }
}

/// A key that DeleteObjects could not delete.
public struct DeleteFailure: Sendable, Equatable {
    public var key: String
    public var code: String
    public var message: String

    public init(key: String, code: String, message: String) {
        self.key = key
        self.code = code
        self.message = message
    }
}

/// Parses the two date forms S3 uses.
enum HTTPDate {
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// RFC 7231 (`Wed, 21 Oct 2015 07:28:00 GMT`), as in Last-Modified.
    static func parse(_ text: String) -> Date? {
        let fields = text.split(separator: " ")
        guard fields.count == 6, let day = Int(fields[1]), let month = months.firstIndex(of: String(fields[2])),
              let year = Int(fields[3]) else { return nil }
        let clock = fields[4].split(separator: ":").compactMap { Int($0) }
        guard clock.count == 3 else { return nil }
        return date(year: year, month: month + 1, day: day, hour: clock[0], minute: clock[1], second: Double(clock[2]))
    }

    /// ISO 8601 (`2009-10-12T17:50:30.000Z`), as in listings.
    static func parseISO(_ text: String) -> Date? {
        let parts = text.split(separator: "T")
        guard parts.count == 2 else { return nil }
        let ymd = parts[0].split(separator: "-").compactMap { Int($0) }
        let clock = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "Z")).split(separator: ":")
        guard ymd.count == 3, clock.count == 3, let hour = Int(clock[0]), let minute = Int(clock[1]),
              let second = Double(clock[2]) else { return nil }
        return date(year: ymd[0], month: ymd[1], day: ymd[2], hour: hour, minute: minute, second: second)
    }

    private static func date(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Double) -> Date? {
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = 0
        let whole = TimeInterval(timegm(&parts))
        return Date(timeIntervalSince1970: whole + second)
    }
}
