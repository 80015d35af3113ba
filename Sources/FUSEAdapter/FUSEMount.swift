import CShims
import FileSystem
import Foundation
import Logging

/// How to mount.
public struct MountOptions: Sendable {
    public var mountPoint: String
    /// `-o` options for libfuse (`allow_other`, `uid=`, `gid=`, `umask=`, ...).
    public var fuseOptions: [String]
    /// FUSE worker threads: each blocks on S3 while serving a request.
    public var maxThreads: UInt32 = 32
    public var timeouts: KernelCacheTimeouts

    public init(mountPoint: String, fuseOptions: [String] = [], timeouts: KernelCacheTimeouts) {
        self.mountPoint = mountPoint
        self.fuseOptions = fuseOptions
        self.timeouts = timeouts
    }

    /// The full `-o` list: ours first (`fsname`, `subtype`, `default_permissions` with
    /// `allow_other`), then the user's.
    var effectiveOptions: [String] {
        var options = ["fsname=smartfs", "subtype=smartfs"]
        let user = fuseOptions.flatMap { $0.split(separator: ",").map(String.init) }
        if user.contains("allow_other") && !user.contains("default_permissions") {
            options.append("default_permissions")
        }
        return options + user
    }
}

/// Why a mount could not be made.
public struct MountError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// Mounts a `SmartFileSystem` with libfuse3's multi-threaded loop.
public enum FUSEMount {
    /// Mounts, calls `onMounted` once the kernel has the mount, serves requests until the
    /// filesystem is unmounted or SIGINT/SIGTERM arrives, uploads whatever is pending,
    /// unmounts, and returns the uploads that could not be made (they stay in the journal).
    @discardableResult
    public static func run(_ fileSystem: SmartFileSystem, options: MountOptions, logger: Logger,
                           onMounted: () -> Void) throws(MountError) -> [FSError] {
        let context = FUSEContext(fileSystem: fileSystem, logger: logger, timeouts: options.timeouts)
        let retained = Unmanaged.passRetained(context)
        defer { retained.release() }

        var arguments = ["smartfs", "-o", options.effectiveOptions.joined(separator: ",")]
        if ProcessInfo.processInfo.environment["SMARTFS_FUSE_DEBUG"] == "1" { arguments.append("-d") }
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var operations = makeOperations()

        let fuse: OpaquePointer? = argv.withUnsafeMutableBufferPointer { pointer in
            var args = fuse_args(argc: Int32(arguments.count), argv: pointer.baseAddress, allocated: 0)
            defer { fuse_opt_free_args(&args) }
            return smartfs_fuse_new(&args, &operations, retained.toOpaque())
        }
        guard let fuse else {
            throw MountError(description: "libfuse refused the options '\(options.effectiveOptions.joined(separator: ","))' (see the message above)")
        }
        defer { fuse_destroy(fuse) }
        guard fuse_mount(fuse, options.mountPoint) == 0 else {
            throw MountError(description: "cannot mount at \(options.mountPoint) (see the message above: is it an existing, empty directory that is not already mounted?)")
        }
        let session = fuse_get_session(fuse)
        if fuse_set_signal_handlers(session) != 0 {
            fuse_unmount(fuse)
            throw MountError(description: "cannot install signal handlers")
        }
        logger.info("mounted", metadata: ["mount_point": "\(options.mountPoint)", "modules": "\(fileSystem.modules.map(\.name))"])
        onMounted()
        let result = smartfs_fuse_loop_mt(fuse, options.maxThreads)
        fuse_remove_signal_handlers(session)
        let failures = fileSystem.flushAll()
        for failure in failures {
            logger.error("could not upload a file before unmounting; its data stays in the cache directory",
                         metadata: ["reason": "\(failure.reason)"])
        }
        fuse_unmount(fuse)
        logger.info("unmounted", metadata: ["mount_point": "\(options.mountPoint)", "loop_result": "\(result)"])
        return failures
    }
}
