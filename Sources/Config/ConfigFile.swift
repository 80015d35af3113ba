import Foundation
import TOMLKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension SmartFSConfiguration {
    /// The standard locations searched, in order, after `--config` and `$SMARTFS_CONFIG`:
    /// `./smartfs.toml`, `$HOME/.config/smartfs/config.toml` (when `HOME` is set), `/etc/smartfs/config.toml`.
    public static func standardLocations(environment: [String: String]) -> [String] {
        var locations = ["./smartfs.toml"]
        if let home = environment["HOME"], !home.isEmpty {
            let base = home.hasSuffix("/") ? String(home.dropLast()) : home
            locations.append(base + "/.config/smartfs/config.toml")
        }
        locations.append("/etc/smartfs/config.toml")
        return locations
    }

    /// Finds the configuration file: `explicitPath` (from `--config`), else `$SMARTFS_CONFIG`, else the first of
    /// ``standardLocations(environment:)`` that exists.
    ///
    /// - Throws: ``ConfigError`` when the explicit path or `$SMARTFS_CONFIG` names a missing file, or when no
    ///   standard location holds one.
    public static func locate(
        explicitPath: String?,
        environment: [String: String],
        fileExists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }
    ) throws(ConfigError) -> String {
        if let explicitPath {
            guard !explicitPath.isEmpty else {
                throw ConfigError(.fileNotFound, message: "--config was given an empty path")
            }
            guard fileExists(explicitPath) else {
                throw ConfigError(
                    .fileNotFound, file: explicitPath,
                    message: "configuration file not found (given with --config)")
            }
            return explicitPath
        }
        if let fromEnvironment = environment["SMARTFS_CONFIG"], !fromEnvironment.isEmpty {
            guard fileExists(fromEnvironment) else {
                throw ConfigError(
                    .fileNotFound, file: fromEnvironment,
                    message: "configuration file not found (named by $SMARTFS_CONFIG)")
            }
            return fromEnvironment
        }
        let candidates = standardLocations(environment: environment)
        if let found = candidates.first(where: fileExists) {
            return found
        }
        throw ConfigError(
            .noConfigurationFile,
            message: "no configuration file found; looked in: " + candidates.joined(separator: ", ")
                + " (use --config FILE or set SMARTFS_CONFIG)")
    }

    /// The largest configuration file smartfs reads.
    static let maximumFileSize = 1 << 20

    /// Reads, parses, validates and resolves the configuration file at `path`.
    ///
    /// - Parameter environment: the process environment, for the `AWS_*` fallbacks and `HOME`.
    /// - Throws: ``ConfigError`` when the file cannot be read, is not UTF-8, or is not a valid configuration.
    public static func load(path: String, environment: [String: String]) throws(ConfigError) -> SmartFSConfiguration {
        let bytes = try readFile(path)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            let (line, column) = firstInvalidUTF8(in: bytes)
            throw ConfigError(
                .invalidEncoding, file: path, line: line, column: column,
                message: "the file is not valid UTF-8 text; save it as UTF-8")
        }
        return try parse(text, path: path, environment: environment)
    }

    /// Parses, validates and resolves configuration text; `path` is used in error messages and kept as ``path``.
    ///
    /// - Parameter environment: the process environment, for the `AWS_*` fallbacks and `HOME`.
    /// - Throws: ``ConfigError`` describing the first problem found.
    public static func parse(
        _ text: String, path: String, environment: [String: String]
    ) throws(ConfigError) -> SmartFSConfiguration {
        let reader = ConfigReader(file: path, environment: environment)
        let raw = try reader.read(text)
        let resolver = Resolver(file: path, defaults: raw.defaults, environment: environment)
        try resolver.checkDefaults()
        var modules: [ModuleConfiguration] = []
        for (name, settings) in raw.modules {
            modules.append(try resolver.resolve(name: name, settings: settings))
        }
        try resolver.checkOverlaps(modules)
        return SmartFSConfiguration(path: path, modules: modules, cache: raw.cache)
    }
}

// MARK: - Reading the file

/// The bytes of the file at `path`, read with POSIX calls so that failures carry the system's reason.
private func readFile(_ path: String) throws(ConfigError) -> [UInt8] {
    func failure(_ reason: String) -> ConfigError {
        ConfigError(.unreadableFile, file: path, message: "cannot read the configuration file: \(reason)")
    }
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw failure(String(cString: strerror(errno))) }
    defer { close(descriptor) }

    let limit = SmartFSConfiguration.maximumFileSize
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EINTR { continue }
            throw failure(String(cString: strerror(errno)))
        }
        if count == 0 { break }
        bytes.append(contentsOf: chunk[0..<count])
        if bytes.count > limit {
            throw failure("the file is larger than \(limit / (1 << 20)) MiB, which is not a configuration file")
        }
    }
    return bytes
}

/// The 1-based line and column (in bytes) of the first byte that is not valid UTF-8.
private func firstInvalidUTF8(in bytes: [UInt8]) -> (line: Int, column: Int) {
    var line = 1
    var start = 0
    while start <= bytes.count {
        let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
        let lineBytes = bytes[start..<end]
        if String(validating: lineBytes, as: UTF8.self) == nil {
            // Find the longest valid prefix of the line.
            var valid = 0
            var index = start
            while index < end {
                let lead = bytes[index]
                let length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0
                guard length > 0, index + length <= end,
                      String(validating: bytes[index..<(index + length)], as: UTF8.self) != nil
                else { break }
                index += length
                valid = index - start
            }
            return (line, valid + 1)
        }
        line += 1
        start = end + 1
    }
    return (line, 1)
}

/// The 1-based line and column of the first NUL character, written raw or as a TOML escape
/// (`\u0000`, `\U00000000`). TOMLKit hands strings over as C strings, which would cut them short there.
private func firstNUL(in text: String) -> (line: Int, column: Int)? {
    let bytes = Array(text.utf8)
    var line = 1
    var lineStart = 0
    var index = 0
    var backslashes = 0
    while index < bytes.count {
        let byte = bytes[index]
        if byte == 0 { return (line, index - lineStart + 1) }
        if byte == 0x0A {
            line += 1
            lineStart = index + 1
        }
        if byte == UInt8(ascii: "\\") {
            backslashes += 1
        } else {
            if backslashes % 2 == 1 {
                let rest = bytes[index...]
                if rest.starts(with: Array("u0000".utf8)) || rest.starts(with: Array("U00000000".utf8)) {
                    return (line, index - lineStart)
                }
            }
            backslashes = 0
        }
        index += 1
    }
    return nil
}

// MARK: - From TOML to validated tables

/// The file's content, validated but not yet resolved.
struct RawConfiguration {
    var defaults: SettingsTable
    /// The modules, sorted by name.
    var modules: [(name: String, settings: SettingsTable)]
    var cache: CacheConfiguration
}

/// Turns TOML text into a ``RawConfiguration``, rejecting unknown keys, wrong types and invalid values.
struct ConfigReader {
    let file: String
    let environment: [String: String]

    private static let topLevelTables = ["defaults", "modules", "cache"]
    private static let cacheKeys = ["dir", "max_size", "metadata_ttl"]

    func read(_ text: String) throws(ConfigError) -> RawConfiguration {
        if let (line, column) = firstNUL(in: text) {
            throw ConfigError(
                .invalidEncoding, file: file, line: line, column: column,
                message: "NUL characters are not allowed in a smartfs configuration")
        }
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError(
                .syntax, file: file, line: error.source.begin.line, column: error.source.begin.column,
                message: "invalid TOML: \(error.description)")
        } catch {
            throw ConfigError(.syntax, file: file, message: "invalid TOML: \(error)")
        }

        var defaults = SettingsTable(keyPath: "defaults")
        var modules: [(name: String, settings: SettingsTable)] = []
        var cache = CacheConfiguration()
        var sawModulesTable = false
        for (key, value) in try entries(of: root, keyPath: nil) {
            switch key {
            case "defaults":
                defaults = try settings(from: table(value, keyPath: "defaults", header: "[defaults]"),
                                        keyPath: "defaults")
            case "modules":
                sawModulesTable = true
                modules = try readModules(table(value, keyPath: "modules", header: "[modules.NAME]"))
            case "cache":
                cache = try readCache(table(value, keyPath: "cache", header: "[cache]"))
            default:
                throw unknownTopLevel(key, value: value)
            }
        }
        if modules.isEmpty {
            let detail = sawModulesTable ? "[modules] has no module in it" : "there is no [modules.NAME] table"
            throw ConfigError(
                .noModules, file: file,
                message: "no modules configured (\(detail)); add at least one, e.g. [modules.media] "
                    + "with bucket_name = \"my-bucket\"")
        }
        return RawConfiguration(defaults: defaults, modules: modules, cache: cache)
    }

    // MARK: Tables

    /// The key/value pairs of `table`, checking that every key can be looked up again (TOMLKit cuts keys at a
    /// NUL character, so a key that cannot be found, or appears twice, held one).
    private func entries(
        of table: TOMLTable, keyPath: String?
    ) throws(ConfigError) -> [(String, TOMLValueConvertible)] {
        var seen = Set<[UInt8]>()
        var result: [(String, TOMLValueConvertible)] = []
        for key in table.keys {
            guard seen.insert(Array(key.utf8)).inserted, let value = table[key] else {
                throw ConfigError(
                    .invalidEncoding, file: file, keyPath: keyPath,
                    message: "a key contains a NUL character, which smartfs does not accept")
            }
            result.append((key, value))
        }
        return result
    }

    private func table(
        _ value: TOMLValueConvertible, keyPath: String, header: String
    ) throws(ConfigError) -> TOMLTable {
        guard value.type == .table, let table = value.table else {
            throw ConfigError(
                .wrongType, file: file, keyPath: keyPath,
                message: "expected a table (\(header)), found \(describe(value, secret: false))")
        }
        return table
    }

    private func unknownTopLevel(_ key: String, value: TOMLValueConvertible) -> ConfigError {
        let what = value.type == .table ? "table" : "key"
        var message = "unknown top-level \(what)"
        if SettingKey(rawValue: key) != nil {
            message += "; module settings belong in [defaults] or in a [modules.NAME] table"
        } else {
            let expected = "[defaults], [modules.NAME] and [cache]"
            if let guess = suggestion(for: key, among: Self.topLevelTables) {
                message += "; did you mean '\(guess)'? Expected \(expected)"
            } else {
                message += "; expected \(expected)"
            }
        }
        return ConfigError(.unknownKey, file: file, keyPath: tomlKey(key), message: message)
    }

    private func readModules(_ modules: TOMLTable) throws(ConfigError) -> [(name: String, settings: SettingsTable)] {
        var result: [(name: String, settings: SettingsTable)] = []
        var names: [String: String] = [:]  // canonical-equivalence check
        for (name, value) in try entries(of: modules, keyPath: "modules") {
            let keyPath = "modules." + tomlKey(name)
            do throws(InvalidValue) {
                try validateModuleName(name)
            } catch {
                throw ConfigError(.invalidModuleName, file: file, keyPath: keyPath, message: error.message)
            }
            if let other = names[name] {
                throw ConfigError(
                    .invalidModuleName, file: file, keyPath: keyPath,
                    message: "module name '\(name)' differs from module '\(other)' only in Unicode normalization; "
                        + "rename one of them")
            }
            names[name] = name
            let settingsTable = try table(value, keyPath: keyPath, header: "[\(keyPath)]")
            result.append((name, try settings(from: settingsTable, keyPath: keyPath)))
        }
        result.sort { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
        return result
    }

    /// Validates the keys of `[defaults]` or of a module table.
    private func settings(from table: TOMLTable, keyPath: String) throws(ConfigError) -> SettingsTable {
        var settings = SettingsTable(keyPath: keyPath)
        let allowed = SettingKey.allCases.map(\.rawValue)
        for (name, value) in try entries(of: table, keyPath: keyPath) {
            let path = keyPath + "." + tomlKey(name)
            guard let key = SettingKey(rawValue: name) else {
                throw unknownKey(path: path, name: name, allowed: allowed)
            }
            if key.isBoolean {
                guard value.type == .bool, let bool = value.bool else {
                    throw ConfigError(
                        .wrongType, file: file, keyPath: path,
                        message: "expected a boolean (true or false, without quotes), found "
                            + describe(value, secret: false))
                }
                settings.values[key] = .bool(bool)
            } else {
                guard value.type == .string, let string = value.string else {
                    throw ConfigError(
                        .wrongType, file: file, keyPath: path,
                        message: "expected a string, found \(describe(value, secret: key.isSecret))")
                }
                do throws(InvalidValue) {
                    settings.values[key] = .string(try validateSetting(key, string))
                } catch {
                    throw ConfigError(.invalidValue, file: file, keyPath: path, message: error.message)
                }
            }
        }
        if settings.string(.sseKMSKeyID) != nil,
           let encryption = settings.string(.serverSideEncryption), encryption != "aws:kms" {
            throw ConfigError(
                .invalidValue, file: file, keyPath: keyPath + ".sse_kms_key_id",
                message: "sse_kms_key_id requires server_side_encryption = \"aws:kms\", "
                    + "but server_side_encryption is '\(encryption)'")
        }
        return settings
    }

    private func unknownKey(path: String, name: String, allowed: [String]) -> ConfigError {
        var message = "unknown key"
        if let guess = suggestion(for: name, among: allowed) {
            message += "; did you mean '\(guess)'?"
        } else {
            message += "; expected one of: " + allowed.joined(separator: ", ")
        }
        return ConfigError(.unknownKey, file: file, keyPath: path, message: message)
    }

    // MARK: Cache

    private func readCache(_ table: TOMLTable) throws(ConfigError) -> CacheConfiguration {
        var cache = CacheConfiguration()
        for (name, value) in try entries(of: table, keyPath: "cache") {
            let path = "cache." + tomlKey(name)
            switch name {
            case "dir":
                cache.directory = try cacheDirectory(value, path: path)
            case "max_size":
                cache.maxSize = try maxSize(value, path: path)
            case "metadata_ttl":
                cache.metadataTTL = try metadataTTL(value, path: path)
            default:
                throw unknownKey(path: path, name: name, allowed: Self.cacheKeys)
            }
        }
        return cache
    }

    private func cacheDirectory(_ value: TOMLValueConvertible, path: String) throws(ConfigError) -> String {
        guard value.type == .string, var directory = value.string else {
            throw ConfigError(
                .wrongType, file: file, keyPath: path,
                message: "expected a string (a directory path), found \(describe(value, secret: false))")
        }
        if directory.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw ConfigError(
                .invalidValue, file: file, keyPath: path, message: "the directory contains a control character")
        }
        if directory == "~" || directory.hasPrefix("~/") {
            guard let home = environment["HOME"], !home.isEmpty else {
                throw ConfigError(
                    .invalidValue, file: file, keyPath: path,
                    message: "'\(directory)' starts with '~' but HOME is not set; use an absolute path")
            }
            directory = home + directory.dropFirst()
        }
        guard directory.hasPrefix("/") else {
            throw ConfigError(
                .invalidValue, file: file, keyPath: path,
                message: "'\(directory)' is not an absolute path; use an absolute path or one starting with '~/'")
        }
        return directory
    }

    private func maxSize(_ value: TOMLValueConvertible, path: String) throws(ConfigError) -> UInt64 {
        let expected = "expected a size in bytes greater than zero, as an integer or a string such as "
            + "\"10GiB\", \"512MiB\", \"1G\" or \"100M\""
        let size: UInt64?
        switch value.type {
        case .int:
            size = value.int.flatMap { $0 > 0 ? UInt64($0) : nil }
        case .string:
            size = value.string.flatMap(parseByteSize).flatMap { $0 > 0 ? $0 : nil }
        default:
            throw ConfigError(
                .wrongType, file: file, keyPath: path,
                message: "\(expected); found \(describe(value, secret: false))")
        }
        guard let size else {
            throw ConfigError(
                .invalidValue, file: file, keyPath: path,
                message: "\(expected); found \(describe(value, secret: false))")
        }
        return size
    }

    private func metadataTTL(_ value: TOMLValueConvertible, path: String) throws(ConfigError) -> Double {
        let expected = "expected a duration of zero or more seconds, as a number or a string such as \"30s\" or \"5m\""
        let seconds: Double?
        switch value.type {
        case .int:
            seconds = value.int.map(Double.init)
        case .double:
            seconds = value.double
        case .string:
            seconds = value.string.flatMap(parseDuration)
        default:
            throw ConfigError(
                .wrongType, file: file, keyPath: path,
                message: "\(expected); found \(describe(value, secret: false))")
        }
        guard let seconds, seconds.isFinite, seconds >= 0 else {
            throw ConfigError(
                .invalidValue, file: file, keyPath: path,
                message: "\(expected); found \(describe(value, secret: false))")
        }
        return seconds
    }
}

/// A TOML value for a message: its type and, unless `secret`, the value itself (`a string ("yes")`).
private func describe(_ value: TOMLValueConvertible, secret: Bool) -> String {
    func shown(_ text: String) -> String { secret ? "" : " (\(text))" }
    switch value.type {
    case .string: return "a string" + shown("\"\(value.string ?? "")\"")
    case .int: return "an integer" + shown(value.int.map(String.init) ?? "")
    case .double: return "a floating-point number" + shown(value.double.map { "\($0)" } ?? "")
    case .bool: return "a boolean" + shown(value.bool.map(String.init) ?? "")
    case .table: return "a table"
    case .array: return "an array"
    case .date: return "a date"
    case .time: return "a time"
    case .dateTime: return "a date-time"
    }
}
