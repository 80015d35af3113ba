import ArgumentParser
import Foundation

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a commented starter configuration with the five preset modules.",
        discussion: "Refuses to overwrite an existing file. Edit the bucket names and credentials, then run `smartfs check`."
    )

    @Argument(help: "Where to write it (default: ~/.config/smartfs/config.toml).")
    var path: String?

    func run() throws {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        let target = absolutePath(path ?? home + "/.config/smartfs/config.toml")
        if FileManager.default.fileExists(atPath: target) {
            printError("\(target) exists already; not overwriting it")
            throw ExitCode(ExitCode2.failure)
        }
        let directory = (target as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            guard FileManager.default.createFile(atPath: target, contents: Data(Self.template.utf8),
                                                 attributes: [.posixPermissions: 0o600]) else {
                throw CocoaError(.fileWriteUnknown)
            }
        } catch {
            printError("cannot write \(target): \(error.localizedDescription)")
            throw ExitCode(ExitCode2.failure)
        }
        print("smartfs: wrote \(target) (mode 0600). Edit it, then: smartfs check --config \(target)")
    }

    static let template = """
        # smartfs configuration. Reference: docs/configuration.md
        #
        # Each [modules.NAME] table is a top-level directory of the mount, backed by its own bucket.
        # Keys left out fall back to the module's preset, then to [defaults], then to the AWS_*
        # environment variables. This file holds secrets: keep it mode 0600.

        [defaults]
        region_name = "us-east-1"
        # access_key = "AKIA..."            # or AWS_ACCESS_KEY_ID / a profile below
        # secret_key = "..."                # or AWS_SECRET_ACCESS_KEY
        # profile = "default"               # a profile of ~/.aws/credentials
        # endpoint_url = "http://127.0.0.1:9000"   # MinIO, Ceph, R2, ...; AWS when left out
        # addressing_style = "path"         # path | virtual
        # storage_class = "STANDARD"
        # server_side_encryption = "AES256" # or "aws:kms" with sse_kms_key_id

        # User uploads: location media/, no overwriting of existing files.
        [modules.media]
        bucket_name = "my-media-bucket"
        default_acl = "public-read"

        # CSS, JS, images: location static/, overwrites allowed.
        [modules.static]
        bucket_name = "my-static-bucket"
        default_acl = "public-read"
        cache_control = "public, max-age=31536000"

        # Documents: location documents/, ACL private, no overwriting.
        [modules.documents]
        bucket_name = "my-documents-bucket"

        # Private files: location private/, ACL private, no overwriting.
        [modules.private]
        bucket_name = "my-private-bucket"

        # Public files: location public/, ACL public-read, overwrites allowed.
        [modules.public]
        bucket_name = "my-public-bucket"

        # A module of your own (any directory name), e.g. for data residency:
        # [modules."tenant-a"]
        # bucket_name = "tenant-a-files"
        # region_name = "eu-west-1"
        # location = "uploads"
        # read_only = true

        [cache]
        # dir = "/var/cache/smartfs"        # default: ~/.cache/smartfs, or /var/cache/smartfs for root
        max_size = "10GiB"                  # data read is evicted past this; writers wait for uploads
        metadata_ttl = "5s"                 # how long stat results and listings are trusted

        """
}
