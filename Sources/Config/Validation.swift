/// The values smartfs accepts for settings with a fixed set of choices.
public enum ConfigVocabulary {
    /// The S3 canned ACLs accepted by `default_acl`.
    public static let cannedACLs: [String] = [
        "private", "public-read", "public-read-write", "authenticated-read", "aws-exec-read",
        "bucket-owner-read", "bucket-owner-full-control", "log-delivery-write",
    ]
    /// The S3 storage classes accepted by `storage_class`.
    public static let storageClasses: [String] = [
        "STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING",
        "GLACIER", "DEEP_ARCHIVE", "GLACIER_IR", "OUTPOSTS", "EXPRESS_ONEZONE", "SNOW",
    ]
    /// The values accepted by `server_side_encryption`.
    public static let serverSideEncryptions: [String] = ["AES256", "aws:kms"]
    /// The module names that come with presets.
    public static let presetModuleNames: [String] = ["media", "static", "documents", "private", "public"]
}

/// A value that is rejected; `message` says why, without the key path or file (the caller adds them).
struct InvalidValue: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

// MARK: - Module names

/// Checks that `name` can be a directory name: not empty, not `.` or `..`, no `/` or NUL, at most 255 bytes.
func validateModuleName(_ name: String) throws(InvalidValue) {
    if name.isEmpty {
        throw InvalidValue("module name is empty; a module name becomes a directory name")
    }
    if name == "." || name == ".." {
        throw InvalidValue("module name '\(name)' is reserved by the filesystem; choose another name")
    }
    if name.contains("/") {
        throw InvalidValue("module name '\(name)' contains '/'; a module name becomes a single directory name")
    }
    if name.unicodeScalars.contains("\0") {
        throw InvalidValue("module name contains a NUL character, which no directory name can hold")
    }
    if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) {
        throw InvalidValue("module name contains a control character (tab, newline, ...); a module name becomes a directory name")
    }
    let bytes = name.utf8.count
    if bytes > 255 {
        throw InvalidValue("module name is \(bytes) bytes long; directory names are limited to 255 bytes")
    }
}

// MARK: - Bucket names

/// Checks `name` against the S3 bucket naming rules, saying which rule is broken.
func validateBucketName(_ name: String) throws(InvalidValue) {
    let rules = "S3 bucket names have 3 to 63 characters: lowercase letters, digits, dots and hyphens"
    if name.isEmpty {
        throw InvalidValue("bucket name is empty; \(rules)")
    }
    // A corrected name to suggest, when lowercasing and replacing underscores yields a valid one.
    func hint() -> String {
        let fixed = name.replacingAll("_", with: "-").lowercased()
        return (try? validateBucketName(fixed)) != nil ? " (try '\(fixed)')" : ""
    }
    for scalar in name.unicodeScalars {
        switch scalar {
        case "a"..."z", "0"..."9", ".", "-":
            continue
        case "A"..."Z":
            throw InvalidValue("bucket name '\(name)' contains uppercase letters; \(rules)\(hint())")
        case "_":
            throw InvalidValue("bucket name '\(name)' contains an underscore; \(rules)\(hint())")
        default:
            throw InvalidValue("bucket name '\(name)' contains '\(scalar)'; \(rules)")
        }
    }
    if name.count < 3 {
        throw InvalidValue("bucket name '\(name)' is too short (\(name.count) characters); \(rules)")
    }
    if name.count > 63 {
        throw InvalidValue("bucket name '\(name)' is too long (\(name.count) characters); \(rules)")
    }
    if !isLowercaseAlphanumeric(name.unicodeScalars.first!) || !isLowercaseAlphanumeric(name.unicodeScalars.last!) {
        throw InvalidValue("bucket name '\(name)' must start and end with a lowercase letter or a digit")
    }
    if name.contains("..") {
        throw InvalidValue("bucket name '\(name)' contains two adjacent dots, which S3 does not allow")
    }
    let groups = name.split(separator: ".", omittingEmptySubsequences: false)
    if groups.count == 4, groups.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }) {
        throw InvalidValue("bucket name '\(name)' is formatted as an IP address, which S3 does not allow")
    }
    for reserved in ["xn--", "sthree-"] where name.hasPrefix(reserved) {
        throw InvalidValue("bucket name '\(name)' starts with '\(reserved)', a prefix S3 reserves")
    }
    for reserved in ["-s3alias", "--ol-s3"] where name.hasSuffix(reserved) {
        throw InvalidValue("bucket name '\(name)' ends with '\(reserved)', a suffix S3 reserves")
    }
}

private func isLowercaseAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
    ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)
}

// MARK: - Locations

/// `location` as a key prefix: `""`, or its segments joined by `/` with a trailing `/`
/// (`media`, `/media/` and `media//` all become `media/`). Rejects `.` and `..` segments.
func normalizeLocation(_ location: String) throws(InvalidValue) -> String {
    let segments = location.split(separator: "/", omittingEmptySubsequences: true)
    for segment in segments where segment == "." || segment == ".." {
        throw InvalidValue(
            "location '\(location)' contains a '\(segment)' segment; a location is a key prefix such as 'media/'")
    }
    if segments.isEmpty { return "" }
    return segments.joined(separator: "/") + "/"
}

// MARK: - Endpoints

/// `url` as `scheme://host[:port]` (scheme and host lowercased, no trailing slash).
/// Accepts only `http(s)://host[:port][/]`.
func normalizeEndpointURL(_ url: String) throws(InvalidValue) -> String {
    let expected = "expected http(s)://host[:port], e.g. 'http://localhost:9000'"
    guard let separator = url.firstRange(of: "://") else {
        throw InvalidValue("endpoint URL '\(url)' has no scheme; \(expected)")
    }
    let scheme = url[..<separator.lowerBound].lowercased()
    guard scheme == "http" || scheme == "https" else {
        throw InvalidValue("endpoint URL '\(url)' uses the scheme '\(scheme)'; \(expected)")
    }
    var rest = Substring(url[separator.upperBound...])
    if rest.hasSuffix("/") { rest = rest.dropLast() }
    if rest.contains(where: { "/?#@".contains($0) }) {
        throw InvalidValue("endpoint URL '\(url)' has a path, query or user name; \(expected)")
    }
    var host: Substring
    var port: Substring?
    if rest.hasPrefix("[") {
        guard let close = rest.firstIndex(of: "]") else {
            throw InvalidValue("endpoint URL '\(url)' has an unterminated IPv6 address; \(expected)")
        }
        host = rest[...close]
        let inside = rest[rest.index(after: rest.startIndex)..<close]
        guard !inside.isEmpty, inside.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
            throw InvalidValue("endpoint URL '\(url)' has an invalid IPv6 address; \(expected)")
        }
        let after = rest[rest.index(after: close)...]
        if !after.isEmpty {
            guard after.hasPrefix(":") else {
                throw InvalidValue("endpoint URL '\(url)' is malformed after the IPv6 address; \(expected)")
            }
            port = after.dropFirst()
        }
    } else {
        let pieces = rest.split(separator: ":", omittingEmptySubsequences: false)
        guard pieces.count <= 2 else {
            throw InvalidValue("endpoint URL '\(url)' has more than one ':' after the host; \(expected)")
        }
        host = pieces[0]
        port = pieces.count == 2 ? pieces[1] : nil
        guard !host.isEmpty else {
            throw InvalidValue("endpoint URL '\(url)' has no host; \(expected)")
        }
        guard host.allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) || "-._".contains($0) }) else {
            throw InvalidValue("endpoint URL '\(url)' has an invalid host name '\(host)'; \(expected)")
        }
    }
    var normalized = scheme + "://" + host.lowercased()
    if let port {
        guard !port.isEmpty, port.count <= 5, port.allSatisfy(\.isASCIIDigit),
              let number = Int(port), (1...65535).contains(number)
        else {
            throw InvalidValue("endpoint URL '\(url)' has an invalid port '\(port)' (expected 1-65535)")
        }
        normalized += ":\(number)"
    }
    return normalized
}

// MARK: - Regions and choices

/// Checks that `region` looks like a region name: lowercase letters, digits and hyphens.
func validateRegion(_ region: String) throws(InvalidValue) {
    let valid = !region.isEmpty
        && region.unicodeScalars.allSatisfy { isLowercaseAlphanumeric($0) || $0 == "-" }
        && !region.hasPrefix("-") && !region.hasSuffix("-")
    if !valid {
        throw InvalidValue(
            "region '\(region)' is not a region name; expected lowercase letters, digits and hyphens, "
                + "e.g. 'us-east-1' or 'eu-west-3'")
    }
}

/// Checks that `value` is one of `choices`, suggesting the closest one when it is not.
func validateChoice(_ value: String, among choices: [String], what: String) throws(InvalidValue) {
    if choices.contains(value) { return }
    let list = choices.joined(separator: ", ")
    if let guess = suggestion(for: value, among: choices) {
        throw InvalidValue("unknown \(what) '\(value)'; did you mean '\(guess)'? Expected one of: \(list)")
    }
    throw InvalidValue("unknown \(what) '\(value)'; expected one of: \(list)")
}

// MARK: - Suggestions

/// The candidate closest to `input` (case-insensitive Levenshtein distance, or containment of one in the other),
/// or `nil` when none is close enough to be a plausible typo.
func suggestion(for input: String, among candidates: [String]) -> String? {
    let lowered = input.lowercased()
    guard !lowered.isEmpty else { return nil }
    var best: (candidate: String, distance: Int)?
    for candidate in candidates {
        let other = candidate.lowercased()
        let distance = levenshtein(lowered, other)
        let contained = min(lowered.count, other.count) >= 3 && (other.contains(lowered) || lowered.contains(other))
        let close = distance <= max(2, other.count / 3) && distance < lowered.count
        guard contained || close else { continue }
        if best == nil || distance < best!.distance {
            best = (candidate, distance)
        }
    }
    return best?.candidate
}

/// The Levenshtein edit distance between `a` and `b`, counted in characters.
func levenshtein(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
            current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}

// MARK: - Key paths

/// `key` as it would be written in TOML: bare when it can be, quoted otherwise (`"Compliance Docs"`).
func tomlKey(_ key: String) -> String {
    let bare = !key.isEmpty && key.unicodeScalars.allSatisfy {
        ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
    }
    if bare { return key }
    var quoted = "\""
    for scalar in key.unicodeScalars {
        switch scalar {
        case "\"": quoted += "\\\""
        case "\\": quoted += "\\\\"
        default: quoted.unicodeScalars.append(scalar)
        }
    }
    return quoted + "\""
}

extension String {
    /// `self` with every occurrence of `target` replaced by `replacement`.
    func replacingAll(_ target: Character, with replacement: Character) -> String {
        String(map { $0 == target ? replacement : $0 })
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isWholeNumber }
}
