import Config
import Foundation
import Logging
import S3

/// One module as the mount serves it: its bucket and prefix, the store that reaches them,
/// and the rules for writing (ACL, overwrite, read-only, compliance headers).
public struct MountedModule: Sendable {
    public let name: String
    public let bucket: String
    /// Key prefix, `""` or ending in `/`.
    public let prefix: String
    public let store: any ObjectStore
    public let readOnly: Bool
    /// False: existing objects cannot be modified, replaced or truncated (new files can be created).
    public let fileOverwrite: Bool
    /// ACL, storage class, encryption and Cache-Control sent with every object written.
    public let writeOptions: ObjectWriteOptions
    /// Modules that share this value (same endpoint and credentials) can copy between each
    /// other on the server.
    public let copyDomain: String

    public init(name: String, bucket: String, prefix: String, store: any ObjectStore, readOnly: Bool = false,
                fileOverwrite: Bool = true, writeOptions: ObjectWriteOptions = ObjectWriteOptions(acl: "private"),
                copyDomain: String = "default") {
        self.name = name
        self.bucket = bucket
        self.prefix = prefix
        self.store = store
        self.readOnly = readOnly
        self.fileOverwrite = fileOverwrite
        self.writeOptions = writeOptions
        self.copyDomain = copyDomain
    }

    /// A module from its resolved configuration, with an S3 client of its own.
    public static func make(_ config: ModuleConfiguration, transport: TransportOptions = TransportOptions(),
                            credentials: (any CredentialsProvider)? = nil, readOnly: Bool = false,
                            logger: Logger = Logger(label: "smartfs.s3")) throws(S3Error) -> MountedModule {
        let provider: any CredentialsProvider
        if let credentials {
            provider = credentials
        } else if let access = config.accessKey, let secret = config.secretKey {
            provider = StaticCredentialsProvider(S3Credentials(accessKey: access, secretKey: secret, sessionToken: config.sessionToken))
        } else if let profile = config.profile {
            provider = SharedCredentialsFileProvider(profile: profile)
        } else {
            provider = StaticCredentialsProvider(nil)  // anonymous: public buckets only
        }
        let client = try S3Client(configuration: S3ClientConfiguration(
            endpoint: config.endpointURL, region: config.region,
            addressingStyle: config.addressingStyle == .path ? .path : .virtual,
            credentials: provider, transport: transport), logger: logger)
        let options = ObjectWriteOptions(acl: config.acl, cacheControl: config.cacheControl, storageClass: config.storageClass,
                                         serverSideEncryption: config.serverSideEncryption, sseKMSKeyID: config.sseKMSKeyID)
        return MountedModule(name: config.name, bucket: config.bucket, prefix: config.prefix, store: client,
                             readOnly: readOnly || config.readOnly, fileOverwrite: config.fileOverwrite, writeOptions: options,
                             copyDomain: "\(config.endpointURL ?? "aws"):\(config.region):\(config.accessKey ?? "anonymous")")
    }

    /// Files 0644 and directories 0755; 0600 and 0700 where the ACL is `private`.
    func defaultPermissions(for kind: FileKind) -> UInt32 {
        let isPrivate = (writeOptions.acl ?? "private") == "private"
        switch kind {
        case .directory: return isPrivate ? 0o700 : 0o755
        case .file: return isPrivate ? 0o600 : 0o644
        case .symlink: return 0o777
        }
    }

    /// The key of `relativePath` (no leading slash) in this module's bucket.
    func key(_ relativePath: String) -> String { prefix + relativePath }
}
