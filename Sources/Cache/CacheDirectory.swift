import Foundation

/// The mount's directory on local disk: staging files for data being written, created 0700,
/// one sub-directory per mount.
public struct CacheDirectory: Sendable {
    public let root: String
    public let staging: String
    /// Where the upload journal lives (see `UploadJournal`).
    public var journal: String { root + "/journal" }

    /// The default location: `$XDG_CACHE_HOME/smartfs` or `~/.cache/smartfs` for a user,
    /// `/var/cache/smartfs` for root.
    public static func defaultRoot(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if getuid() == 0 { return "/var/cache/smartfs" }
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/smartfs" }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/.cache/smartfs"
    }

    /// Creates (0700) `base/mounts/<name derived from the mount point>`.
    public init(base: String, mountPoint: String) throws {
        let name = mountPoint.split(separator: "/").joined(separator: "_")
        root = base + "/mounts/" + (name.isEmpty ? "root" : name)
        staging = root + "/staging"
        for directory in [base, base + "/mounts", root, staging] {
            try Self.makePrivateDirectory(directory)
        }
    }

    /// A new, empty, 0600 file in the staging area, open for reading and writing.
    public func makeStagingFile() throws -> (path: String, descriptor: Int32) {
        var template = Array((staging + "/data-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return (path, descriptor)
    }

    /// Removes staging files a previous run left behind.
    public func clearStaging() {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: staging)) ?? [] {
            unlink(staging + "/" + name)
        }
    }

    static func makePrivateDirectory(_ path: String) throws {
        if mkdir(path, 0o700) != 0 && errno != EEXIST {
            throw CacheDirectoryError(path: path, reason: String(cString: strerror(errno)))
        }
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw CacheDirectoryError(path: path, reason: "not a directory")
        }
        if info.st_uid == getuid() && (info.st_mode & 0o077) != 0 { chmod(path, 0o700) }
    }
}

/// The cache directory cannot be used.
public struct CacheDirectoryError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var reason: String
    public var description: String { "cannot use cache directory \(path): \(reason)" }
}
