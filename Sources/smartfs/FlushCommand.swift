import ArgumentParser
import Foundation

struct FlushCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flush",
        abstract: "Wait until every pending upload of a running mount is in S3 (a progress line on a terminal).",
        discussion: "Exit 1, naming the files, if some uploads keep failing for 30 s; they stay queued and are retried."
    )

    @Argument(help: "Where smartfs is mounted.")
    var mountPoint: String

    func run() throws {
        let mountPoint = try smartfsMountPoint(self.mountPoint)
        let answer = Answer()
        let request = Thread {
            answer.set(ControlSocket.request("flush", mountPoint: mountPoint))
        }
        request.start()
        let terminal = isatty(STDOUT_FILENO) == 1
        while !answer.done {
            if terminal, let pending = ControlSocket.request("pending", mountPoint: mountPoint) {
                let fields = pending.split(separator: " ").compactMap { UInt64($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
                if fields.count == 2 {
                    let line = String(format: "\r\u{1B}[Kuploads left: %llu (%.1f MiB)", fields[0], Double(fields[1]) / 1_048_576)
                    FileHandle.standardOutput.write(Data(line.utf8))
                }
            }
            usleep(200_000)
        }
        if terminal { FileHandle.standardOutput.write(Data("\r\u{1B}[K".utf8)) }
        guard let reply = answer.value else {
            printError("the daemon serving \(mountPoint) does not answer on \(ControlSocket.path(for: mountPoint))")
            throw ExitCode(ExitCode2.failure)
        }
        if reply.trimmingCharacters(in: .whitespacesAndNewlines) == "ok" {
            print("smartfs: everything written to \(mountPoint) is in S3")
            return
        }
        printError("some uploads keep failing (they stay queued and are retried):\n" + reply)
        throw ExitCode(ExitCode2.failure)
    }

    /// The flush request's answer, set from its thread.
    final class Answer: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: String??

        func set(_ value: String?) { lock.withLock { stored = .some(value) } }
        var done: Bool { lock.withLock { stored != nil } }
        var value: String? { lock.withLock { stored ?? nil } }
    }
}
