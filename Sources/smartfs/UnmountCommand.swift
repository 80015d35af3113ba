import ArgumentParser
import Foundation

struct UnmountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unmount",
        abstract: "Unmount MOUNTPOINT once every pending upload is in S3.",
        discussion: "Fails (exit 1) while a program still has a file or directory open in the mount."
    )

    @Argument(help: "Where smartfs is mounted.")
    var mountPoint: String

    @Option(name: .long, help: "Seconds to wait for the daemon to finish its uploads and exit.")
    var timeout: Double = 600

    func run() throws {
        let mountPoint = absolutePath(self.mountPoint)
        guard let entry = MountTable.entries().last(where: { $0.mountPoint == mountPoint }) else {
            printError("\(mountPoint) is not mounted")
            throw ExitCode(ExitCode2.failure)
        }
        guard entry.type == "fuse.smartfs" else {
            printError("\(mountPoint) is a \(entry.type) mount, not smartfs")
            throw ExitCode(ExitCode2.failure)
        }
        let pidFile = RuntimeFiles.pidFile(for: mountPoint)
        let pid = (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        unlink(RuntimeFiles.resultFile(for: mountPoint))

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["fusermount3", "-u", mountPoint]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            printError("cannot unmount \(mountPoint): \(message.isEmpty ? "fusermount3 failed" : message)")
            throw ExitCode(ExitCode2.failure)
        }
        // The daemon uploads what is pending, then exits: wait for it.
        if let pid {
            let deadline = Date().addingTimeInterval(timeout)
            while kill(pid, 0) == 0 && Date() < deadline { usleep(50_000) }
            if kill(pid, 0) == 0 {
                printError("unmounted, but the daemon (pid \(pid)) is still uploading after \(Int(timeout)) s; it goes on in the background")
                throw ExitCode(ExitCode2.failure)
            }
        }
        let resultFile = RuntimeFiles.resultFile(for: mountPoint)
        if let unsent = try? String(contentsOfFile: resultFile, encoding: .utf8), !unsent.isEmpty {
            unlink(resultFile)
            printError("unmounted \(mountPoint), but these uploads failed; they stay in the upload journal and the next mount with the same cache directory retries them:\n" + unsent)
            throw ExitCode(ExitCode2.failure)
        }
        print("smartfs: unmounted \(mountPoint)")
    }
}
