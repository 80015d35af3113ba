/// The ready-made settings of a well-known module name, used when the module's table does not say.
struct Preset: Sendable {
    var location: String
    var acl: String?
    var fileOverwrite: Bool

    static let all: [String: Preset] = [
        "media": Preset(location: "media/", acl: nil, fileOverwrite: false),
        "static": Preset(location: "static/", acl: nil, fileOverwrite: true),
        "documents": Preset(location: "documents/", acl: "private", fileOverwrite: false),
        "private": Preset(location: "private/", acl: "private", fileOverwrite: false),
        "public": Preset(location: "public/", acl: "public-read", fileOverwrite: true),
    ]
}

/// Completes each module from its preset, `[defaults]`, the environment and the built-in defaults.
///
/// Every key is resolved on its own (the first level that sets it wins: module, preset, defaults, environment,
/// built-in), except credentials: `access_key`, `secret_key`, `session_token` and `profile` all come from the
/// first level that sets any of them, so that a key, its secret and its session token are never mixed up.
struct Resolver {
    let file: String
    let defaults: SettingsTable
    let environment: [String: String]

    static let builtinRegion = "us-east-1"
    static let builtinACL = "private"

    func resolve(name: String, settings: SettingsTable) throws(ConfigError) -> ModuleConfiguration {
        let preset = Preset.all[name]
        var sources: [String: ValueSource] = [:]

        guard let (bucket, bucketSource) = try lookup(.bucketName, in: settings) else {
            throw ConfigError(
                .missingBucket, file: file, keyPath: settings.keyPath,
                message: "module '\(name)' has no bucket_name, and neither [defaults] nor "
                    + "AWS_STORAGE_BUCKET_NAME sets one")
        }
        sources[SettingKey.bucketName.rawValue] = bucketSource

        let (prefix, prefixSource) = try lookup(.location, in: settings, preset: preset?.location)
            ?? ("", .builtin)
        sources[SettingKey.location.rawValue] = prefixSource

        let (acl, aclSource) = try lookup(.defaultACL, in: settings, preset: preset?.acl)
            ?? (Self.builtinACL, .builtin)
        sources[SettingKey.defaultACL.rawValue] = aclSource

        let (region, regionSource) = try lookup(.regionName, in: settings) ?? (Self.builtinRegion, .builtin)
        sources[SettingKey.regionName.rawValue] = regionSource

        let endpoint = try lookup(.endpointURL, in: settings)
        sources[SettingKey.endpointURL.rawValue] = endpoint?.1

        let addressing: AddressingStyle
        if let (style, source) = try lookup(.addressingStyle, in: settings) {
            addressing = AddressingStyle(rawValue: style) ?? .virtual
            sources[SettingKey.addressingStyle.rawValue] = source
        } else {
            addressing = endpoint == nil ? .virtual : .path
            sources[SettingKey.addressingStyle.rawValue] = .builtin
        }

        var credentials: [SettingKey: String] = [:]
        if let found = try self.credentials(for: settings) {
            credentials = found.values
            for key in found.values.keys { sources[key.rawValue] = found.source }
        }

        let (readOnly, readOnlySource) = lookupBool(.readOnly, in: settings, preset: nil) ?? (false, .builtin)
        sources[SettingKey.readOnly.rawValue] = readOnlySource

        let (overwrite, overwriteSource) = lookupBool(.fileOverwrite, in: settings, preset: preset?.fileOverwrite)
            ?? (true, .builtin)
        sources[SettingKey.fileOverwrite.rawValue] = overwriteSource

        let storageClass = try lookup(.storageClass, in: settings)
        sources[SettingKey.storageClass.rawValue] = storageClass?.1
        let encryption = try lookup(.serverSideEncryption, in: settings)
        sources[SettingKey.serverSideEncryption.rawValue] = encryption?.1
        var kmsKey = try lookup(.sseKMSKeyID, in: settings)
        if let (_, kmsSource) = kmsKey, encryption?.0 != "aws:kms" {
            if let encryption, rank(encryption.1) < rank(kmsSource) {
                // The module chose another encryption; the KMS key of a broader level does not apply.
                kmsKey = nil
            } else {
                let state = encryption.map { "is '\($0.0)'" } ?? "is not set"
                throw ConfigError(
                    .invalidValue, file: file, keyPath: keyPath(.sseKMSKeyID, from: kmsSource, module: settings),
                    message: "module '\(name)': sse_kms_key_id requires server_side_encryption = \"aws:kms\", "
                        + "but server_side_encryption \(state)")
            }
        }
        sources[SettingKey.sseKMSKeyID.rawValue] = kmsKey?.1
        let cacheControl = try lookup(.cacheControl, in: settings)
        sources[SettingKey.cacheControl.rawValue] = cacheControl?.1

        return ModuleConfiguration(
            name: name,
            bucket: bucket,
            prefix: prefix,
            acl: acl,
            accessKey: credentials[.accessKey],
            secretKey: credentials[.secretKey],
            sessionToken: credentials[.sessionToken],
            region: region,
            endpointURL: endpoint?.0,
            addressingStyle: addressing,
            profile: credentials[.profile],
            readOnly: readOnly,
            fileOverwrite: overwrite,
            storageClass: storageClass?.0,
            serverSideEncryption: encryption?.0,
            sseKMSKeyID: kmsKey?.0,
            cacheControl: cacheControl?.0,
            sources: sources
        )
    }

    /// Checks the credentials of `[defaults]` even when every module sets its own.
    func checkDefaults() throws(ConfigError) {
        let values = defaults.values.filter { SettingKey.credentialKeys.contains($0.key) }.compactMapValues(\.string)
        if !values.isEmpty {
            try checkCredentials(values, source: .defaults, table: defaults)
        }
    }

    /// Refuses two modules whose files would share keys: the same bucket at the same endpoint, with one prefix
    /// being a prefix of the other (two empty prefixes included).
    func checkOverlaps(_ modules: [ModuleConfiguration]) throws(ConfigError) {
        for (index, first) in modules.enumerated() {
            for second in modules[(index + 1)...] {
                guard first.bucket == second.bucket, first.endpointURL == second.endpointURL,
                      first.prefix.hasPrefix(second.prefix) || second.prefix.hasPrefix(first.prefix)
                else { continue }
                let overlap: String
                if first.prefix == second.prefix {
                    overlap = first.prefix.isEmpty
                        ? "the whole of bucket '\(first.bucket)'"
                        : "bucket '\(first.bucket)' with the same prefix '\(first.prefix)'"
                } else {
                    func shown(_ prefix: String) -> String { prefix.isEmpty ? "'' (the whole bucket)" : "'\(prefix)'" }
                    overlap = "bucket '\(first.bucket)' with overlapping prefixes \(shown(first.prefix)) "
                        + "and \(shown(second.prefix))"
                }
                throw ConfigError(
                    .overlappingModules, file: file,
                    message: "modules '\(first.name)' and '\(second.name)' both use \(overlap), so their files "
                        + "would mix; give each module its own location or its own bucket")
            }
        }
    }

    // MARK: - Lookups

    /// The first string value for `key`: module, then `preset`, then `[defaults]`, then the environment.
    private func lookup(
        _ key: SettingKey, in module: SettingsTable, preset: String? = nil
    ) throws(ConfigError) -> (String, ValueSource)? {
        if let value = module.string(key) { return (value, .module) }
        if let preset { return (preset, .preset) }
        if let value = defaults.string(key) { return (value, .defaults) }
        if let value = try environmentValue(key) { return (value, .environment) }
        return nil
    }

    /// The first boolean value for `key`: module, then `preset`, then `[defaults]`.
    private func lookupBool(_ key: SettingKey, in module: SettingsTable, preset: Bool?) -> (Bool, ValueSource)? {
        if let value = module.bool(key) { return (value, .module) }
        if let preset { return (preset, .preset) }
        if let value = defaults.bool(key) { return (value, .defaults) }
        return nil
    }

    /// The validated value of the first non-empty environment variable for `key`.
    private func environmentValue(_ key: SettingKey) throws(ConfigError) -> String? {
        for variable in key.environmentVariables {
            guard let raw = environment[variable], !raw.isEmpty else { continue }
            do throws(InvalidValue) {
                return try validateSetting(key, raw)
            } catch {
                throw ConfigError(
                    .invalidValue, file: file, keyPath: "environment variable \(variable)", message: error.message)
            }
        }
        return nil
    }

    /// The credentials of the first level (module, `[defaults]`, environment) that sets any of them.
    private func credentials(
        for module: SettingsTable
    ) throws(ConfigError) -> (values: [SettingKey: String], source: ValueSource)? {
        for (table, source) in [(module, ValueSource.module), (defaults, .defaults)] {
            let values = table.values.filter { SettingKey.credentialKeys.contains($0.key) }.compactMapValues(\.string)
            if !values.isEmpty {
                try checkCredentials(values, source: source, table: table)
                return (values, source)
            }
        }
        var values: [SettingKey: String] = [:]
        for key in SettingKey.credentialKeys {
            if let value = try environmentValue(key) { values[key] = value }
        }
        if values.isEmpty { return nil }
        try checkCredentials(values, source: .environment, table: nil)
        return (values, .environment)
    }

    /// Refuses half a key pair, and a session token without a key pair.
    private func checkCredentials(
        _ values: [SettingKey: String], source: ValueSource, table: SettingsTable?
    ) throws(ConfigError) {
        func name(_ key: SettingKey) -> String {
            source == .environment ? key.environmentVariables[0] : key.rawValue
        }
        let place = table?.keyPath ?? "environment"
        let hasKey = values[.accessKey] != nil, hasSecret = values[.secretKey] != nil
        if hasKey != hasSecret {
            let (set, missing) = hasKey ? (SettingKey.accessKey, SettingKey.secretKey) : (.secretKey, .accessKey)
            throw ConfigError(
                .invalidValue, file: file, keyPath: place,
                message: "\(name(set)) is set but \(name(missing)) is not; set both, or neither")
        }
        if values[.sessionToken] != nil && !hasKey {
            throw ConfigError(
                .invalidValue, file: file, keyPath: place,
                message: "\(name(.sessionToken)) is set but \(name(.accessKey)) and \(name(.secretKey)) are not; "
                    + "a session token only goes with a key pair")
        }
    }

    /// Where a value from `source` is written, for messages.
    private func keyPath(_ key: SettingKey, from source: ValueSource, module: SettingsTable) -> String {
        switch source {
        case .module: module.keyPath + "." + key.rawValue
        case .defaults: defaults.keyPath + "." + key.rawValue
        case .environment: "environment"
        case .preset, .builtin: module.keyPath
        }
    }

    private func rank(_ source: ValueSource) -> Int {
        ValueSource.allCases.firstIndex(of: source) ?? 0
    }
}
