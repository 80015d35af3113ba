import CShims
import FileSystem
import Foundation
import Logging

/// What the C callbacks reach through `fuse_get_context()->private_data`: the filesystem and
/// the logger. A class, not a global, so it is never main-actor isolated.
final class FUSEContext: @unchecked Sendable {
    let fileSystem: SmartFileSystem
    let logger: Logger
    let timeouts: KernelCacheTimeouts

    init(fileSystem: SmartFileSystem, logger: Logger, timeouts: KernelCacheTimeouts) {
        self.fileSystem = fileSystem
        self.logger = logger
        self.timeouts = timeouts
    }

    static var current: FUSEContext {
        Unmanaged<FUSEContext>.fromOpaque(smartfs_fuse_private_data()!).takeUnretainedValue()
    }

    /// Runs one operation: the single place where failures become errnos and log lines.
    func call(_ operation: StaticString, _ path: UnsafePointer<CChar>?, _ body: (String) throws(FSError) -> Int32) -> Int32 {
        guard let path, let text = String(validatingCString: path) else {
            logger.warning("refusing a name that is not valid UTF-8: S3 keys are UTF-8", metadata: ["operation": "\(operation)"])
            return -EINVAL
        }
        do {
            return try body(text)
        } catch {
            if error.isRoutine {
                logger.debug("\(operation) \(text): \(error.reason)")
            } else {
                logger.warning("\(operation) failed", metadata: [
                    "path": "\(text)", "errno": "\(String(cString: strerror(error.errno)))", "reason": "\(error.reason)",
                ])
            }
            return -error.errno
        }
    }

    static var caller: Caller { Caller(uid: smartfs_fuse_caller_uid(), gid: smartfs_fuse_caller_gid()) }
}

/// Seconds the kernel may cache entries and attributes (the metadata TTL).
public struct KernelCacheTimeouts: Sendable {
    public var entry: Double
    public var attributes: Double
    public var negative: Double

    public init(entry: Double, attributes: Double, negative: Double) {
        self.entry = entry
        self.attributes = attributes
        self.negative = negative
    }
}

func fill(_ stat: UnsafeMutablePointer<stat>, _ attributes: FileAttributes) {
    stat.pointee = Glibc.stat()
    stat.pointee.st_mode = attributes.mode
    stat.pointee.st_nlink = attributes.kind == .directory ? 2 : 1
    stat.pointee.st_uid = attributes.uid
    stat.pointee.st_gid = attributes.gid
    stat.pointee.st_size = off_t(attributes.size)
    stat.pointee.st_blksize = 4096
    stat.pointee.st_blocks = blkcnt_t((attributes.size + 511) / 512)
    stat.pointee.st_mtim = timespec(tv_sec: Int(attributes.mtime.seconds), tv_nsec: Int(attributes.mtime.nanoseconds))
    stat.pointee.st_ctim = timespec(tv_sec: Int(attributes.ctime.seconds), tv_nsec: Int(attributes.ctime.nanoseconds))
    stat.pointee.st_atim = timespec(tv_sec: Int(attributes.atime.seconds), tv_nsec: Int(attributes.atime.nanoseconds))
}

/// UTIME_NOW and UTIME_OMIT, as `utimensat(2)` defines them.
private let utimeNow = (1 << 30) - 1
private let utimeOmit = (1 << 30) - 2

private func timestamp(_ spec: timespec) -> Timestamp? {
    if spec.tv_nsec == utimeOmit { return nil }
    if spec.tv_nsec == utimeNow { return Timestamp.now() }
    return Timestamp(seconds: Int64(spec.tv_sec), nanoseconds: Int32(spec.tv_nsec))
}

/// The libfuse3 high-level operations table: each callback translates its arguments, calls
/// one `SmartFileSystem` method and returns its result or `-errno`.
func makeOperations() -> fuse_operations {
    var operations = fuse_operations()
    operations.`init` = { connection, config in
        let context = FUSEContext.current
        if let connection {
            // Larger requests: fewer round trips for sequential reads and writes.
            connection.pointee.max_readahead = max(connection.pointee.max_readahead, 1 << 20)
            connection.pointee.max_write = max(connection.pointee.max_write, 1 << 20)
        }
        if let config {
            config.pointee.entry_timeout = context.timeouts.entry
            config.pointee.attr_timeout = context.timeouts.attributes
            config.pointee.negative_timeout = context.timeouts.negative
            config.pointee.hard_remove = 1  // unlink for real; never rename open files to .fuse_hidden*
            config.pointee.use_ino = 0
            config.pointee.auto_cache = 1  // drop cached pages when size or mtime changed
        }
        return smartfs_fuse_private_data()
    }
    operations.getattr = { path, stat, _ in
        FUSEContext.current.call("getattr", path) { path throws(FSError) in
            fill(stat!, try FUSEContext.current.fileSystem.getattr(path))
            return 0
        }
    }
    operations.readdir = { path, buffer, filler, _, _, _ in
        FUSEContext.current.call("readdir", path) { path throws(FSError) in
            let entries = try FUSEContext.current.fileSystem.readdir(path)
            var info = stat()
            info.st_mode = S_IFDIR
            _ = filler?(buffer, ".", &info, 0, fuse_fill_dir_flags(rawValue: 0))
            _ = filler?(buffer, "..", &info, 0, fuse_fill_dir_flags(rawValue: 0))
            for entry in entries {
                info = stat()
                info.st_mode = entry.attributes.mode
                if filler?(buffer, entry.name, &info, 0, fuse_fill_dir_flags(rawValue: 0)) != 0 { break }
            }
            return 0
        }
    }
    operations.mkdir = { path, mode in
        FUSEContext.current.call("mkdir", path) { path throws(FSError) in
            try FUSEContext.current.fileSystem.mkdir(path, mode: mode, caller: FUSEContext.caller)
            return 0
        }
    }
    operations.rmdir = { path in
        FUSEContext.current.call("rmdir", path) { path throws(FSError) in
            try FUSEContext.current.fileSystem.rmdir(path)
            return 0
        }
    }
    operations.unlink = { path in
        FUSEContext.current.call("unlink", path) { path throws(FSError) in
            try FUSEContext.current.fileSystem.unlink(path)
            return 0
        }
    }
    operations.rename = { from, to, flags in
        FUSEContext.current.call("rename", from) { from throws(FSError) in
            guard let to, let target = String(validatingCString: to) else { throw FSError(EINVAL, "target name is not valid UTF-8") }
            try FUSEContext.current.fileSystem.rename(from, to: target, noReplace: flags & 1 != 0,
                                                      exchange: flags & 2 != 0)  // RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2
            return 0
        }
    }
    operations.symlink = { target, path in
        FUSEContext.current.call("symlink", path) { path throws(FSError) in
            guard let target, let text = String(validatingCString: target) else { throw FSError(EINVAL, "link target is not valid UTF-8") }
            try FUSEContext.current.fileSystem.symlink(target: text, at: path, caller: FUSEContext.caller)
            return 0
        }
    }
    operations.readlink = { path, buffer, size in
        FUSEContext.current.call("readlink", path) { path throws(FSError) in
            let target = Array(try FUSEContext.current.fileSystem.readlink(path).utf8.prefix(max(0, size - 1)))
            target.withUnsafeBufferPointer { bytes in
                UnsafeMutableRawPointer(buffer!).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            }
            buffer![target.count] = 0
            return 0
        }
    }
    operations.link = { from, to in
        FUSEContext.current.call("link", from) { from throws(FSError) in
            try FUSEContext.current.fileSystem.link(from, to: to.map { String(cString: $0) } ?? "")
            return 0
        }
    }
    operations.chmod = { path, mode, _ in
        FUSEContext.current.call("chmod", path) { path throws(FSError) in
            try FUSEContext.current.fileSystem.chmod(path, mode: mode)
            return 0
        }
    }
    operations.chown = { path, uid, gid, _ in
        FUSEContext.current.call("chown", path) { path throws(FSError) in
            try FUSEContext.current.fileSystem.chown(path, uid: uid == UInt32.max ? nil : uid, gid: gid == UInt32.max ? nil : gid)
            return 0
        }
    }
    operations.utimens = { path, times, _ in
        FUSEContext.current.call("utimens", path) { path throws(FSError) in
            let now = Timestamp.now()
            let atime = times.map { timestamp($0[0]) } ?? now
            let mtime = times.map { timestamp($0[1]) } ?? now
            try FUSEContext.current.fileSystem.utimens(path, atime: atime, mtime: mtime)
            return 0
        }
    }
    operations.truncate = { path, size, info in
        FUSEContext.current.call("truncate", path) { path throws(FSError) in
            guard size >= 0 else { throw FSError(EINVAL, "negative size") }
            try FUSEContext.current.fileSystem.truncate(path, size: UInt64(size), handle: info.map { $0.pointee.fh })
            return 0
        }
    }
    operations.create = { path, mode, info in
        FUSEContext.current.call("create", path) { path throws(FSError) in
            info!.pointee.fh = try FUSEContext.current.fileSystem.create(path, mode: mode, flags: info!.pointee.flags,
                                                                         caller: FUSEContext.caller)
            return 0
        }
    }
    operations.open = { path, info in
        FUSEContext.current.call("open", path) { path throws(FSError) in
            info!.pointee.fh = try FUSEContext.current.fileSystem.open(path, flags: info!.pointee.flags)
            return 0
        }
    }
    operations.read = { path, buffer, size, offset, info in
        FUSEContext.current.call("read", path) { _ throws(FSError) in
            let bytes = try FUSEContext.current.fileSystem.read(info!.pointee.fh, offset: UInt64(max(0, offset)), size: size)
            bytes.withUnsafeBytes { UnsafeMutableRawPointer(buffer!).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            return Int32(bytes.count)
        }
    }
    operations.write = { path, buffer, size, offset, info in
        FUSEContext.current.call("write", path) { _ throws(FSError) in
            let written = try FUSEContext.current.fileSystem.write(
                info!.pointee.fh, offset: UInt64(max(0, offset)), bytes: UnsafeRawBufferPointer(start: buffer, count: size))
            return Int32(written)
        }
    }
    operations.flush = { path, info in
        FUSEContext.current.call("flush", path) { _ throws(FSError) in
            try FUSEContext.current.fileSystem.flush(info!.pointee.fh)
            return 0
        }
    }
    operations.fsync = { path, _, info in
        FUSEContext.current.call("fsync", path) { _ throws(FSError) in
            try FUSEContext.current.fileSystem.fsync(info!.pointee.fh)
            return 0
        }
    }
    operations.release = { path, info in
        FUSEContext.current.call("release", path) { _ throws(FSError) in
            try FUSEContext.current.fileSystem.release(info!.pointee.fh)
            return 0
        }
    }
    operations.statfs = { path, info in
        FUSEContext.current.call("statfs", path) { _ throws(FSError) in
            let stats = FUSEContext.current.fileSystem.statfs()
            info!.pointee = statvfs()
            info!.pointee.f_bsize = UInt(stats.blockSize)
            info!.pointee.f_frsize = UInt(stats.blockSize)
            info!.pointee.f_blocks = fsblkcnt_t(stats.blocks)
            info!.pointee.f_bfree = fsblkcnt_t(stats.freeBlocks)
            info!.pointee.f_bavail = fsblkcnt_t(stats.freeBlocks)
            info!.pointee.f_files = fsfilcnt_t(stats.files)
            info!.pointee.f_ffree = fsfilcnt_t(stats.freeFiles)
            info!.pointee.f_favail = fsfilcnt_t(stats.freeFiles)
            info!.pointee.f_namemax = UInt(stats.nameMax)
            return 0
        }
    }
    operations.access = { path, mask in
        FUSEContext.current.call("access", path) { path throws(FSError) in
            try FUSEContext.current.fileSystem.access(path, mask: mask)
            return 0
        }
    }
    return operations
}
