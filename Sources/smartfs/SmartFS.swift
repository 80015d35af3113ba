import ArgumentParser

@main
struct SmartFS: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smartfs",
        abstract: "Mount several S3 buckets as one filesystem tree: one directory per module.",
        discussion: """
            Each module of the configuration (media, static, documents, private, public, or a name \
            of yours) is a top-level directory backed by its own bucket, key prefix, ACL, region, \
            endpoint and credentials. See docs/configuration.md.
            """,
        subcommands: [MountCommand.self, UnmountCommand.self, StatusCommand.self, FlushCommand.self, InitCommand.self, CheckCommand.self, ModulesCommand.self, S3BenchCommand.self]
    )
}

/// Options every command that reads the configuration takes.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (default: $SMARTFS_CONFIG, ./smartfs.toml, ~/.config/smartfs/config.toml, /etc/smartfs/config.toml).")
    var config: String?
}
