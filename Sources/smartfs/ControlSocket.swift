import ArgumentParser
import FileSystem
import Foundation

/// The running daemon's control channel: a unix socket (0600) in the runtime directory, on
/// which `smartfs status` asks for a report. One request per connection: a command line in,
/// text out.
enum ControlSocket {
    /// The socket's path for a mount point (short enough for `sockaddr_un`).
    static func path(for mountPoint: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in mountPoint.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return RuntimeFiles.directory + "/" + String(format: "%016llx", hash) + ".sock"
    }

    /// Serves requests on a thread of its own until the process exits.
    static func serve(at path: String, respond: @escaping @Sendable (String) -> String) {
        unlink(path)
        let server = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard server >= 0, bind(server, path) == 0 else { return }
        chmod(path, 0o600)
        guard listen(server, 8) == 0 else { return }
        let thread = Thread {
            while true {
                let client = accept(server, nil, nil)
                if client < 0 {
                    if errno == EINTR { continue }
                    return
                }
                // One thread per request: a `flush` can take long, and `status` must still answer.
                let worker = Thread {
                    let request = readLine(client)
                    let reply = Array(respond(request).utf8)
                    _ = reply.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    close(client)
                }
                worker.stackSize = 1 << 20
                worker.start()
            }
        }
        thread.name = "smartfs-control"
        thread.start()
    }

    /// Sends `command` to the daemon serving `mountPoint` and returns its answer.
    static func request(_ command: String, mountPoint: String) -> String? {
        let client = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard client >= 0 else { return nil }
        defer { close(client) }
        guard connect(client, path(for: mountPoint)) == 0 else { return nil }
        let bytes = Array((command + "\n").utf8)
        _ = bytes.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            answer += buffer[0..<count]
        }
        return String(decoding: answer, as: UTF8.self)
    }

    private static func readLine(_ descriptor: Int32) -> String {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while bytes.count < 1024, recv(descriptor, &byte, 1, 0) == 1, byte != UInt8(ascii: "\n") { bytes.append(byte) }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func withAddress<T>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(path.utf8.prefix(capacity - 1))
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }

    private static func bind(_ descriptor: Int32, _ path: String) -> Int32 {
        withAddress(path) { Glibc.bind(descriptor, $0, $1) }
    }

    private static func connect(_ descriptor: Int32, _ path: String) -> Int32 {
        withAddress(path) { Glibc.connect(descriptor, $0, $1) }
    }
}

/// `path` as an absolute mount point of a running smartfs mount, or a message and exit 1.
func smartfsMountPoint(_ path: String) throws -> String {
    let mountPoint = absolutePath(path)
    guard MountTable.entries().contains(where: { $0.mountPoint == mountPoint && $0.type == "fuse.smartfs" }) else {
        printError("\(mountPoint) is not a smartfs mount")
        throw ExitCode(ExitCode2.failure)
    }
    return mountPoint
}

/// The text `smartfs status` prints.
func renderStatus(_ status: FileSystemStatus, mountPoint: String, started: Date, modules: [MountedModule]) -> String {
    func size(_ bytes: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }
    let uptime = Int(Date().timeIntervalSince(started))
    var lines = [
        "mount point: \(mountPoint)",
        "pid:         \(getpid())",
        "uptime:      \(uptime / 3600)h \(uptime / 60 % 60)m \(uptime % 60)s",
        "modules:     " + modules.map { "\($0.name) (s3://\($0.bucket)/\($0.prefix))" }.joined(separator: ", "),
        "open files:  \(status.openFiles)",
        "cache:       \(size(status.blockCacheBytes)) of data read, \(size(status.pendingBytes)) waiting for upload, limit \(size(status.cacheLimitBytes))",
        "uploads:     \(status.uploadsQueued) queued, \(status.uploadsInFlight) in flight, \(status.failing.count) failing",
    ]
    for failure in status.failing {
        lines.append("  failing: \(failure.path) (\(failure.attempts) attempts): \(failure.error)")
    }
    return lines.joined(separator: "\n") + "\n"
}
