import Foundation
import S3

/// What kind of entry a path is.
public enum FileKind: Sendable, Equatable {
    case file, directory, symlink

    var typeBits: UInt32 {
        switch self {
        case .file: UInt32(S_IFREG)
        case .directory: UInt32(S_IFDIR)
        case .symlink: UInt32(S_IFLNK)
        }
    }
}

/// A point in time with nanoseconds, as `stat` reports it.
public struct Timestamp: Sendable, Equatable, Comparable {
    public var seconds: Int64
    public var nanoseconds: Int32

    public init(seconds: Int64, nanoseconds: Int32 = 0) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    public init(_ date: Date) {
        let interval = date.timeIntervalSince1970
        let whole = interval.rounded(.down)
        self.init(seconds: Int64(whole), nanoseconds: Int32(((interval - whole) * 1e9).rounded(.down)))
    }

    public static func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(seconds: Int64(spec.tv_sec), nanoseconds: Int32(spec.tv_nsec))
    }

    /// `seconds` or `seconds.nnnnnnnnn`: the form s3fs reads (it takes the whole seconds).
    public var metadataValue: String {
        nanoseconds == 0 ? String(seconds) : String(format: "%lld.%09d", seconds, nanoseconds)
    }

    public init?(metadataValue text: String) {
        let parts = text.split(separator: ".", maxSplits: 1)
        guard let first = parts.first, let seconds = Int64(first) else { return nil }
        var nanos: Int32 = 0
        if parts.count == 2 {
            let digits = String(parts[1].prefix(9)).padding(toLength: 9, withPad: "0", startingAt: 0)
            guard let value = Int32(digits) else { return nil }
            nanos = value
        }
        self.init(seconds: seconds, nanoseconds: nanos)
    }

    public static func < (a: Timestamp, b: Timestamp) -> Bool {
        (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds)
    }
}

/// The attributes `stat` shows for an entry.
public struct FileAttributes: Sendable, Equatable {
    public var kind: FileKind
    /// Permission bits only (`0o7777`).
    public var permissions: UInt32
    public var uid: UInt32
    public var gid: UInt32
    public var size: UInt64
    public var mtime: Timestamp
    public var ctime: Timestamp
    public var atime: Timestamp
    /// The object's ETag when the entry is an object in S3.
    public var etag: String?
    /// Whether the owner/mode/times came from the object's metadata (a HEAD), rather than being
    /// defaults derived from a listing.
    public var complete: Bool

    public init(kind: FileKind, permissions: UInt32, uid: UInt32, gid: UInt32, size: UInt64 = 0,
                mtime: Timestamp, ctime: Timestamp? = nil, atime: Timestamp? = nil, etag: String? = nil, complete: Bool = true) {
        self.kind = kind
        self.permissions = permissions & 0o7777
        self.uid = uid
        self.gid = gid
        self.size = size
        self.mtime = mtime
        self.ctime = ctime ?? mtime
        self.atime = atime ?? mtime
        self.etag = etag
        self.complete = complete
    }

    /// `st_mode`: type bits and permissions.
    public var mode: UInt32 { kind.typeBits | permissions }
}

/// The `x-amz-meta-*` names for POSIX attributes: the ones s3fs uses, so that a bucket
/// written by either tool reads the same in the other.
public enum MetadataKeys {
    public static let mode = "mode"
    public static let uid = "uid"
    public static let gid = "gid"
    public static let mtime = "mtime"
    public static let ctime = "ctime"
    public static let atime = "atime"
}

/// Who owns entries by default and which modes they get.
public struct OwnershipDefaults: Sendable {
    public var uid: UInt32
    public var gid: UInt32

    public init(uid: UInt32 = getuid(), gid: UInt32 = getgid()) {
        self.uid = uid
        self.gid = gid
    }
}

extension FileAttributes {
    /// Attributes of an object from its HEAD: metadata when present, else the module's defaults.
    static func fromObject(_ info: ObjectInfo, isDirectoryMarker: Bool, module: MountedModule, owner: OwnershipDefaults) -> FileAttributes {
        let metadata = info.metadata
        let lastModified = info.lastModified.map(Timestamp.init) ?? Timestamp(seconds: 0)
        var kind: FileKind = isDirectoryMarker ? .directory : .file
        var permissions = module.defaultPermissions(for: kind)
        if let text = metadata[MetadataKeys.mode], let mode = UInt32(text) {
            let type = mode & UInt32(S_IFMT)
            if type == UInt32(S_IFLNK) && !isDirectoryMarker {
                kind = .symlink
            } else if type == UInt32(S_IFDIR) {
                kind = .directory
            }
            permissions = mode & 0o7777
        }
        if kind == .symlink && metadata[MetadataKeys.mode] == nil { permissions = 0o777 }
        let mtime = metadata[MetadataKeys.mtime].flatMap(Timestamp.init(metadataValue:)) ?? lastModified
        return FileAttributes(
            kind: kind, permissions: permissions,
            uid: metadata[MetadataKeys.uid].flatMap(UInt32.init) ?? owner.uid,
            gid: metadata[MetadataKeys.gid].flatMap(UInt32.init) ?? owner.gid,
            size: isDirectoryMarker ? 0 : info.size, mtime: mtime,
            ctime: metadata[MetadataKeys.ctime].flatMap(Timestamp.init(metadataValue:)) ?? mtime,
            atime: metadata[MetadataKeys.atime].flatMap(Timestamp.init(metadataValue:)) ?? mtime,
            etag: info.etag, complete: true)
    }

    /// The metadata that records these attributes on an object.
    var metadata: [String: String] {
        [
            MetadataKeys.mode: String(mode),
            MetadataKeys.uid: String(uid),
            MetadataKeys.gid: String(gid),
            MetadataKeys.mtime: mtime.metadataValue,
            MetadataKeys.ctime: ctime.metadataValue,
            MetadataKeys.atime: atime.metadataValue,
        ]
    }
}
