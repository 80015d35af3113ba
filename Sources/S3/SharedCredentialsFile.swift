import Foundation

/// Credentials of a named profile in the AWS shared credentials file
/// (`$AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`), read again when the file changes.
public final class SharedCredentialsFileProvider: CredentialsProvider, @unchecked Sendable {
    public let profile: String
    public let path: String
    private let lock = NSLock()
    private var cached: (modified: Double, credentials: S3Credentials)?

    public init(profile: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.profile = profile
        self.path = environment["AWS_SHARED_CREDENTIALS_FILE"]
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.aws/credentials")
    }

    public func credentials() throws -> S3Credentials? {
        var info = stat()
        guard stat(path, &info) == 0 else { throw ProfileError(message: "profile '\(profile)': cannot read \(path)") }
        let modified = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
        lock.lock()
        defer { lock.unlock() }
        if let cached, cached.modified == modified { return cached.credentials }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ProfileError(message: "profile '\(profile)': cannot read \(path)")
        }
        let values = Self.section(profile, in: text)
        guard let access = values["aws_access_key_id"], let secret = values["aws_secret_access_key"] else {
            throw ProfileError(message: "profile '\(profile)' in \(path) has no aws_access_key_id and aws_secret_access_key")
        }
        let credentials = S3Credentials(accessKey: access, secretKey: secret, sessionToken: values["aws_session_token"])
        cached = (modified, credentials)
        return credentials
    }

    /// The `key = value` pairs of `[name]` in an INI text.
    static func section(_ name: String, in text: String) -> [String: String] {
        var values: [String: String] = [:]
        var inSection = false
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                inSection = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces) == name
                continue
            }
            guard inSection, let equals = line.firstIndex(of: "=") else { continue }
            values[line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()] =
                line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        }
        return values
    }
}

/// A profile could not be used.
public struct ProfileError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}
