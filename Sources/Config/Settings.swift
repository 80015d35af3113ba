/// The keys allowed in `[defaults]` and in every `[modules.NAME]` table.
enum SettingKey: String, CaseIterable, Sendable {
    case bucketName = "bucket_name"
    case location
    case defaultACL = "default_acl"
    case accessKey = "access_key"
    case secretKey = "secret_key"
    case sessionToken = "session_token"
    case regionName = "region_name"
    case endpointURL = "endpoint_url"
    case addressingStyle = "addressing_style"
    case profile
    case readOnly = "read_only"
    case fileOverwrite = "file_overwrite"
    case storageClass = "storage_class"
    case serverSideEncryption = "server_side_encryption"
    case sseKMSKeyID = "sse_kms_key_id"
    case cacheControl = "cache_control"

    /// Whether the key takes a boolean (otherwise it takes a string).
    var isBoolean: Bool { self == .readOnly || self == .fileOverwrite }

    /// Whether the value must never appear in messages.
    var isSecret: Bool { self == .accessKey || self == .secretKey || self == .sessionToken }

    /// The keys that identify credentials; they are resolved together, from one level.
    static let credentialKeys: [SettingKey] = [.accessKey, .secretKey, .sessionToken, .profile]

    /// The environment variables that can supply this key, in order of precedence.
    var environmentVariables: [String] {
        switch self {
        case .accessKey: ["AWS_ACCESS_KEY_ID"]
        case .secretKey: ["AWS_SECRET_ACCESS_KEY"]
        case .sessionToken: ["AWS_SESSION_TOKEN"]
        case .regionName: ["AWS_REGION", "AWS_DEFAULT_REGION", "AWS_S3_REGION_NAME"]
        case .endpointURL: ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "AWS_S3_ENDPOINT_URL"]
        case .bucketName: ["AWS_STORAGE_BUCKET_NAME"]
        case .location: ["AWS_LOCATION"]
        case .defaultACL: ["AWS_DEFAULT_ACL"]
        case .addressingStyle: ["AWS_S3_ADDRESSING_STYLE"]
        case .profile: ["AWS_PROFILE"]
        case .readOnly, .fileOverwrite, .storageClass, .serverSideEncryption, .sseKMSKeyID, .cacheControl: []
        }
    }
}

/// A validated setting value.
enum SettingValue: Equatable, Sendable {
    case string(String)
    case bool(Bool)

    var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    var bool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }
}

/// The validated settings of `[defaults]` or of one `[modules.NAME]` table.
struct SettingsTable: Sendable {
    /// Where the table is, as a key path: `defaults` or `modules.media`.
    var keyPath: String
    var values: [SettingKey: SettingValue] = [:]

    func string(_ key: SettingKey) -> String? { values[key]?.string }
    func bool(_ key: SettingKey) -> Bool? { values[key]?.bool }
}

/// Checks a string value for `key` and returns it normalised (`location` as a prefix, `endpoint_url` without a
/// trailing slash). Used for values from the file and from the environment alike.
func validateSetting(_ key: SettingKey, _ value: String) throws(InvalidValue) -> String {
    let shown = key.isSecret ? "the value" : "'\(value)'"
    if value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
        throw InvalidValue("\(shown) contains a control character (such as a newline or a tab)")
    }
    if key == .location {
        return try normalizeLocation(value)
    }
    if value.isEmpty {
        throw InvalidValue("the value is empty; remove the key to use the default")
    }
    switch key {
    case .bucketName:
        try validateBucketName(value)
    case .defaultACL:
        try validateChoice(value, among: ConfigVocabulary.cannedACLs, what: "canned ACL")
    case .regionName:
        try validateRegion(value)
    case .endpointURL:
        return try normalizeEndpointURL(value)
    case .addressingStyle:
        try validateChoice(value, among: AddressingStyle.allCases.map(\.rawValue), what: "addressing style")
    case .storageClass:
        try validateChoice(value, among: ConfigVocabulary.storageClasses, what: "storage class")
    case .serverSideEncryption:
        try validateChoice(value, among: ConfigVocabulary.serverSideEncryptions, what: "server-side encryption")
    case .accessKey, .secretKey, .sessionToken, .sseKMSKeyID:
        if value.contains(" ") {
            throw InvalidValue("\(shown) contains a space")
        }
    case .location, .profile, .cacheControl, .readOnly, .fileOverwrite:
        break
    }
    return value
}
