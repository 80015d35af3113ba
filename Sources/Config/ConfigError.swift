/// A configuration problem: a missing or unreadable file, invalid TOML, or a setting smartfs cannot use.
///
/// `description` is one line naming the file, then the place (a TOML line and column, a key path such as
/// `modules.media.default_acl`, or an environment variable), then what is wrong and what is expected.
public struct ConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The kind of problem, for callers that react differently to different problems.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// A file named by `--config` or `$SMARTFS_CONFIG` does not exist.
        case fileNotFound
        /// None of the standard locations holds a configuration file.
        case noConfigurationFile
        /// The file exists but cannot be read.
        case unreadableFile
        /// The file is not valid UTF-8 or contains NUL characters.
        case invalidEncoding
        /// The file is not valid TOML.
        case syntax
        /// A table or key smartfs does not know.
        case unknownKey
        /// A value of the wrong TOML type, such as a string where a boolean is expected.
        case wrongType
        /// A value of the right type that smartfs cannot use, such as an unknown canned ACL.
        case invalidValue
        /// A module name that cannot be a directory name.
        case invalidModuleName
        /// A module without a bucket, even after falling back to `[defaults]` and the environment.
        case missingBucket
        /// No `[modules.NAME]` table at all.
        case noModules
        /// Two modules that would store their files under the same keys.
        case overlappingModules
    }

    /// The kind of problem.
    public var kind: Kind
    /// The configuration file concerned, when there is one.
    public var file: String?
    /// The 1-based line in the file, for TOML syntax and encoding errors.
    public var line: Int?
    /// The 1-based column in the file, for TOML syntax and encoding errors.
    public var column: Int?
    /// Where in the configuration the problem is: a key path (`modules.media.default_acl`)
    /// or an environment variable (`environment variable AWS_DEFAULT_ACL`).
    public var keyPath: String?
    /// What is wrong, and what is expected.
    public var message: String

    /// Creates an error.
    public init(
        _ kind: Kind,
        file: String? = nil,
        line: Int? = nil,
        column: Int? = nil,
        keyPath: String? = nil,
        message: String
    ) {
        self.kind = kind
        self.file = file
        self.line = line
        self.column = column
        self.keyPath = keyPath
        self.message = message
    }

    /// The error as one line: `file: place: what is wrong`.
    public var description: String {
        var parts: [String] = []
        if let file { parts.append(file) }
        if let line {
            parts.append(column.map { "line \(line), column \($0)" } ?? "line \(line)")
        }
        if let keyPath { parts.append(keyPath) }
        parts.append(message)
        return singleLine(parts.joined(separator: ": "))
    }
}

/// `s` with control characters (newlines, tabs, escape sequences, ...) written as visible escapes,
/// so that a value can never break a one-line message or a table row, nor drive the terminal.
func singleLine(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out
}
