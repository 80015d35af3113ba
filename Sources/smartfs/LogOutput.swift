import Foundation
import Logging
import Synchronization

/// Writes one line per log event to a file descriptor (standard error, or a log file when the
/// mount runs in the background): time, level, label, message and metadata.
struct LineLogHandler: LogHandler {
    let label: String
    let output: LogOutput
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.quote("\($0.value)"))" }.joined(separator: " ")
        let (_, stamp) = Self.timestamp()
        output.write("\(stamp) \(event.level) \(label): \(event.message)\(fields.isEmpty ? "" : " " + fields)\n")
    }

    static func quote(_ value: String) -> String {
        value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) ? "\"\(value.replacingOccurrences(of: "\"", with: "\\\""))\"" : value
    }

    static func timestamp() -> (Date, String) {
        let now = Date()
        var seconds = time_t(now.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let millis = Int(now.timeIntervalSince1970.truncatingRemainder(dividingBy: 1) * 1000)
        return (now, String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                            Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), millis))
    }
}

/// A shared, locked destination for log lines.
final class LogOutput: Sendable {
    let descriptor: Int32
    private let lock = Mutex(())

    init(descriptor: Int32) { self.descriptor = descriptor }

    /// Opens (appending, 0600) a log file.
    static func file(_ path: String) throws -> LogOutput {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        return LogOutput(descriptor: descriptor)
    }

    func write(_ line: String) {
        lock.withLock { _ in
            var bytes = Array(line.utf8)
            var done = 0
            while done < bytes.count {
                let count = bytes.withUnsafeMutableBytes { Glibc.write(descriptor, $0.baseAddress! + done, $0.count - done) }
                if count <= 0 { break }
                done += count
            }
            bytes.removeAll()
        }
    }
}

/// Routes swift-log to `output` at `level`, once per process.
func bootstrapLogging(output: LogOutput, level: Logger.Level) {
    LoggingSystem.bootstrap { label in LineLogHandler(label: label, output: output, logLevel: level) }
}
