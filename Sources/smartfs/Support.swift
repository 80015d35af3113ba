import Config
import Foundation

/// Exit codes: 1 for a failure at run time, 2 for a bad configuration (usage errors: 64, from swift-argument-parser).
enum ExitCode2 {
    static let failure: Int32 = 1
    static let badConfiguration: Int32 = 2
}

/// Prints `error: message` to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data("smartfs: error: \(message)\n".utf8))
}

/// Loads the configuration, or prints why not and exits 2.
func loadConfiguration(_ explicitPath: String?) -> SmartFSConfiguration {
    let environment = ProcessInfo.processInfo.environment
    do {
        let path = try SmartFSConfiguration.locate(explicitPath: explicitPath, environment: environment)
        return try SmartFSConfiguration.load(path: path, environment: environment)
    } catch {
        printError(error.description)
        exit(ExitCode2.badConfiguration)
    }
}
