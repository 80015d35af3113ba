import Foundation

/// Starts the background mount: this same program, in a new session, with `--ready-fd`
/// pointing at a pipe on which it says `ready` or why it failed.
enum Daemon {
    enum Outcome {
        case ready
        case failed(String)
    }

    static func start(arguments: [String]) -> Outcome {
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { return .failed("cannot create a pipe: \(String(cString: strerror(errno)))") }
        let (readEnd, writeEnd) = (pipeEnds[0], pipeEnds[1])
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
        let readyDescriptor: Int32 = 3

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        // Both ends are close-on-exec; dup2 makes an inheritable copy of the write end as fd 3.
        posix_spawn_file_actions_adddup2(&actions, writeEnd, readyDescriptor)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        let setSessionID: Int16 = 0x80  // POSIX_SPAWN_SETSID: no controlling terminal, no hang-up signal
        posix_spawnattr_setflags(&attributes, setSessionID)

        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let argv = [executable] + arguments + ["--ready-fd", String(readyDescriptor)]
        var cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, &cArguments, environ)
        close(writeEnd)
        defer { close(readEnd) }
        guard status == 0 else { return .failed("cannot start the background mount: \(String(cString: strerror(status)))") }

        var message: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            message += buffer[0..<count]
        }
        let text = String(decoding: message, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text == "ready" { return .ready }
        var exitStatus: Int32 = 0
        waitpid(pid, &exitStatus, 0)
        if text.hasPrefix("error: ") { return .failed(String(text.dropFirst("error: ".count))) }
        return .failed("the background mount exited before it was ready (status \(exitStatus)); see its log file")
    }
}

/// Where a running mount leaves its pid, so that `smartfs unmount` can wait for it.
enum RuntimeFiles {
    static var directory: String {
        let base: String
        if getuid() == 0 {
            base = "/run/smartfs"
        } else if let runtime = ProcessInfo.processInfo.environment["XDG_RUNTIME_DIR"], !runtime.isEmpty {
            base = runtime + "/smartfs"
        } else {
            base = "/tmp/smartfs-\(getuid())"
        }
        mkdir(base, 0o700)
        return base
    }

    static func pidFile(for mountPoint: String) -> String {
        directory + "/" + mountPoint.split(separator: "/").joined(separator: "_") + ".pid"
    }

    /// Written by a daemon that exits with uploads it could not make.
    static func resultFile(for mountPoint: String) -> String {
        directory + "/" + mountPoint.split(separator: "/").joined(separator: "_") + ".unsent"
    }
}

/// The kernel's table of mounts.
enum MountTable {
    /// Whether `path` is a mount point (of anything).
    static func isMounted(_ path: String) -> Bool {
        entries().contains { $0.mountPoint == path }
    }

    static func entries() -> [(source: String, mountPoint: String, type: String)] {
        guard let text = try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count >= 3 else { return nil }
            return (unescape(String(fields[0])), unescape(String(fields[1])), String(fields[2]))
        }
    }

    /// /proc/mounts writes space, tab, newline and backslash as octal escapes.
    static func unescape(_ field: String) -> String {
        var out = ""
        var iterator = Array(field.unicodeScalars)[...]
        while let scalar = iterator.popFirst() {
            if scalar == "\\", iterator.count >= 3, let code = UInt32(String(String.UnicodeScalarView(iterator.prefix(3))), radix: 8),
               let decoded = Unicode.Scalar(code) {
                out.unicodeScalars.append(decoded)
                iterator = iterator.dropFirst(3)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
