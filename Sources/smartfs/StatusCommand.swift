import ArgumentParser
import Foundation

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a running mount's state: uptime, cache use, uploads pending, in flight and failing (with why)."
    )

    @Argument(help: "Where smartfs is mounted.")
    var mountPoint: String

    func run() throws {
        let mountPoint = try smartfsMountPoint(self.mountPoint)
        guard let report = ControlSocket.request("status", mountPoint: mountPoint) else {
            printError("the daemon serving \(mountPoint) does not answer on \(ControlSocket.path(for: mountPoint))")
            throw ExitCode(ExitCode2.failure)
        }
        print(report, terminator: "")
    }
}
