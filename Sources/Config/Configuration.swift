/// How S3 requests address a bucket: in the URL path (`https://endpoint/bucket/key`)
/// or in the host name (`https://bucket.endpoint/key`).
public enum AddressingStyle: String, Sendable, Equatable, CaseIterable {
    /// `https://endpoint/bucket/key` — the usual choice for MinIO, Ceph and other S3-compatible servers.
    case path
    /// `https://bucket.endpoint/key` — the AWS default.
    case virtual
}

/// Where a resolved module setting came from.
public enum ValueSource: String, Sendable, Equatable, CaseIterable {
    /// The module's own `[modules.NAME]` table.
    case module
    /// The preset of a well-known module name (`media`, `static`, `documents`, `private`, `public`).
    case preset
    /// The `[defaults]` table.
    case defaults
    /// An environment variable such as `AWS_STORAGE_BUCKET_NAME`.
    case environment
    /// smartfs' built-in default.
    case builtin
}

/// One mounted module, fully resolved: a top-level directory backed by a bucket and a key prefix.
public struct ModuleConfiguration: Sendable, Equatable {
    /// The module's name, which is also the name of its top-level directory.
    public var name: String
    /// The S3 bucket that stores the module's files.
    public var bucket: String
    /// The key prefix inside the bucket: `""` (the whole bucket) or a prefix ending with `/`, such as `media/`.
    public var prefix: String
    /// The canned ACL sent with every object written, such as `private` or `public-read`.
    public var acl: String
    /// The access key ID, when credentials are configured explicitly.
    public var accessKey: String?
    /// The secret access key, when credentials are configured explicitly. Never print it.
    public var secretKey: String?
    /// The session token that goes with temporary credentials. Never print it.
    public var sessionToken: String?
    /// The region used for request signing and, with AWS, for the endpoint host.
    public var region: String
    /// The endpoint as `http(s)://host[:port]` (no trailing slash), or `nil` for AWS.
    public var endpointURL: String?
    /// Path-style or virtual-hosted-style bucket addressing.
    public var addressingStyle: AddressingStyle
    /// A named profile from the shared AWS configuration files.
    public var profile: String?
    /// Whether the module refuses every write.
    public var readOnly: Bool
    /// Whether writing to an existing file replaces it (`true`) or is refused (`false`).
    public var fileOverwrite: Bool
    /// The storage class for new objects (`STANDARD_IA`, ...), or `nil` for the bucket's default.
    public var storageClass: String?
    /// `AES256` or `aws:kms`, or `nil` for the bucket's default encryption.
    public var serverSideEncryption: String?
    /// The KMS key for `aws:kms` encryption, or `nil` for the AWS-managed key.
    public var sseKMSKeyID: String?
    /// The `Cache-Control` header stored with new objects.
    public var cacheControl: String?
    /// Where each value came from, keyed by configuration key name (`"bucket_name"`, `"location"`, ...).
    /// Settings that are not set (a `nil` property) have no entry.
    public var sources: [String: ValueSource]

    /// Creates a module configuration; values are taken as they are, without validation.
    public init(
        name: String,
        bucket: String,
        prefix: String = "",
        acl: String = "private",
        accessKey: String? = nil,
        secretKey: String? = nil,
        sessionToken: String? = nil,
        region: String = "us-east-1",
        endpointURL: String? = nil,
        addressingStyle: AddressingStyle = .virtual,
        profile: String? = nil,
        readOnly: Bool = false,
        fileOverwrite: Bool = true,
        storageClass: String? = nil,
        serverSideEncryption: String? = nil,
        sseKMSKeyID: String? = nil,
        cacheControl: String? = nil,
        sources: [String: ValueSource] = [:]
    ) {
        self.name = name
        self.bucket = bucket
        self.prefix = prefix
        self.acl = acl
        self.accessKey = accessKey
        self.secretKey = secretKey
        self.sessionToken = sessionToken
        self.region = region
        self.endpointURL = endpointURL
        self.addressingStyle = addressingStyle
        self.profile = profile
        self.readOnly = readOnly
        self.fileOverwrite = fileOverwrite
        self.storageClass = storageClass
        self.serverSideEncryption = serverSideEncryption
        self.sseKMSKeyID = sseKMSKeyID
        self.cacheControl = cacheControl
        self.sources = sources
    }
}

/// Settings of the local cache, from the `[cache]` table.
public struct CacheConfiguration: Sendable, Equatable {
    /// The default `max_size`: 10 GiB.
    public static let defaultMaxSize: UInt64 = 10 * 1024 * 1024 * 1024
    /// The default `metadata_ttl`: 5 seconds.
    public static let defaultMetadataTTL: Double = 5

    /// The cache directory (absolute, `~` expanded), or `nil` to let smartfs choose.
    public var directory: String?
    /// The largest size, in bytes, the data cache may grow to. Always greater than zero.
    public var maxSize: UInt64
    /// How long, in seconds, file metadata is trusted before it is fetched again. Zero or more.
    public var metadataTTL: Double

    /// Creates a cache configuration; omitted values are the defaults.
    public init(
        directory: String? = nil,
        maxSize: UInt64 = CacheConfiguration.defaultMaxSize,
        metadataTTL: Double = CacheConfiguration.defaultMetadataTTL
    ) {
        self.directory = directory
        self.maxSize = maxSize
        self.metadataTTL = metadataTTL
    }
}

/// A loaded, validated and resolved smartfs configuration.
public struct SmartFSConfiguration: Sendable, Equatable {
    /// The configuration file that was loaded.
    public var path: String
    /// The configured modules, sorted by name (TOML tables do not keep the file's order).
    public var modules: [ModuleConfiguration]
    /// The cache settings.
    public var cache: CacheConfiguration

    /// Creates a configuration from already resolved parts, without validation.
    public init(path: String, modules: [ModuleConfiguration], cache: CacheConfiguration = CacheConfiguration()) {
        self.path = path
        self.modules = modules
        self.cache = cache
    }

    /// The module with exactly this name, or `nil` when no such module is configured.
    public func module(named name: String) -> ModuleConfiguration? {
        modules.first { $0.name == name }
    }
}
