/// The text printed by `smartfs modules`: an aligned table of the modules (MODULE, BUCKET, PREFIX, ACL, REGION,
/// ENDPOINT, OVERWRITE, READ-ONLY, CREDENTIALS), then, for each module, every setting with where it came from.
///
/// Secrets never appear: access keys are masked (``maskAccessKey(_:)``), secret keys and session tokens are only
/// reported as `set (****)` or `not set`. Control characters in values are shown as escapes.
public func renderModulesTable(_ config: SmartFSConfiguration) -> String {
    let headers = ["MODULE", "BUCKET", "PREFIX", "ACL", "REGION", "ENDPOINT", "OVERWRITE", "READ-ONLY", "CREDENTIALS"]
    let rows = config.modules.map { module in
        [
            module.name,
            module.bucket,
            module.prefix.isEmpty ? "(whole bucket)" : module.prefix,
            module.acl,
            module.region,
            module.endpointURL ?? "AWS",
            module.fileOverwrite ? "yes" : "no",
            module.readOnly ? "yes" : "no",
            credentialSummary(module),
        ].map(singleLine)
    }

    var lines = alignedRows([headers] + rows)
    lines.append("")
    lines.append("Where each value came from (\(singleLine(config.path))):")
    let keyWidth = SettingKey.allCases.map(\.rawValue.count).max() ?? 0
    for module in config.modules {
        lines.append("")
        lines.append("[\(singleLine("modules." + tomlKey(module.name)))]")
        for key in SettingKey.allCases {
            var line = "  " + key.rawValue.padding(to: keyWidth) + " = " + singleLine(displayValue(key, of: module))
            if let source = module.sources[key.rawValue] {
                line += " (\(source.rawValue))"
            }
            lines.append(line)
        }
    }
    return lines.joined(separator: "\n") + "\n"
}

/// An access key with all but its first four characters hidden (`AKIA****`); keys shorter than 8 characters
/// are hidden entirely (`****`).
public func maskAccessKey(_ accessKey: String) -> String {
    accessKey.count >= 8 ? String(accessKey.prefix(4)) + "****" : "****"
}

/// The CREDENTIALS column: a masked key, a profile, or `not set`.
private func credentialSummary(_ module: ModuleConfiguration) -> String {
    var parts: [String] = []
    if let key = module.accessKey {
        parts.append(maskAccessKey(key) + (module.sessionToken != nil ? " +token" : ""))
    }
    if let profile = module.profile {
        parts.append("profile \(profile)")
    }
    guard !parts.isEmpty else { return "not set" }
    let source = module.sources[SettingKey.accessKey.rawValue] ?? module.sources[SettingKey.profile.rawValue]
    return parts.joined(separator: ", ") + (source.map { " (\($0.rawValue))" } ?? "")
}

/// The value of `key` in `module` as shown in the sources section, secrets hidden.
private func displayValue(_ key: SettingKey, of module: ModuleConfiguration) -> String {
    func optional(_ value: String?) -> String { value ?? "not set" }
    func secret(_ value: String?) -> String { value == nil ? "not set" : "set (****)" }
    switch key {
    case .bucketName: return module.bucket
    case .location: return module.prefix.isEmpty ? "\"\" (whole bucket)" : module.prefix
    case .defaultACL: return module.acl
    case .accessKey: return module.accessKey.map(maskAccessKey) ?? "not set"
    case .secretKey: return secret(module.secretKey)
    case .sessionToken: return secret(module.sessionToken)
    case .regionName: return module.region
    case .endpointURL: return module.endpointURL ?? "not set (AWS)"
    case .addressingStyle: return module.addressingStyle.rawValue
    case .profile: return optional(module.profile)
    case .readOnly: return String(module.readOnly)
    case .fileOverwrite: return String(module.fileOverwrite)
    case .storageClass: return optional(module.storageClass)
    case .serverSideEncryption: return optional(module.serverSideEncryption)
    case .sseKMSKeyID: return optional(module.sseKMSKeyID)
    case .cacheControl: return optional(module.cacheControl)
    }
}

/// `rows` as lines with columns padded to a common width and separated by two spaces.
private func alignedRows(_ rows: [[String]]) -> [String] {
    let columns = rows.map(\.count).max() ?? 0
    var widths = [Int](repeating: 0, count: columns)
    for row in rows {
        for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
    }
    return rows.map { row in
        var line = ""
        for (index, cell) in row.enumerated() {
            line += index == row.count - 1 ? cell : cell.padding(to: widths[index]) + "  "
        }
        return line
    }
}

extension String {
    /// `self` followed by spaces up to `width` characters.
    func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
