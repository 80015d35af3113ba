import ArgumentParser
import Cache
import Config
import FUSEAdapter
import FileSystem
import Foundation
import Logging
import S3

struct MountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mount",
        abstract: "Mount the configured modules at MOUNTPOINT, one directory per module.",
        discussion: """
            Without --foreground, smartfs checks every module's bucket and credentials, starts a \
            background daemon and returns once the mount answers (exit 0), or prints why it could \
            not (exit 1; exit 2 for a bad configuration) with nothing left mounted. \
            Unmount with `smartfs unmount MOUNTPOINT`.
            """
    )

    @Argument(help: "An existing, empty directory.")
    var mountPoint: String

    @OptionGroup var configOptions: ConfigOptions

    @Option(name: .long, help: "Cache directory (default: [cache] dir, else $XDG_CACHE_HOME/smartfs or ~/.cache/smartfs; /var/cache/smartfs for root).")
    var cacheDir: String?

    @Flag(name: [.short, .long], help: "Stay in the foreground, logging to standard error; SIGINT/SIGTERM unmount.")
    var foreground = false

    @Flag(name: .long, help: "Refuse every write (EROFS), whatever the modules allow.")
    var readOnly = false

    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Option(name: .long, help: "Log to this file (default in the background: smartfs.log in the mount's cache directory).")
    var logFile: String?

    @Option(name: .customShort("o"), help: "FUSE mount options, comma-separated (allow_other, uid=N, gid=N, umask=M, ...); repeatable.")
    var fuseOptions: [String] = []

    @Option(name: .long, help: .hidden)
    var readyFd: Int32?

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
    }

    func run() throws {
        let configuration = loadConfiguration(configOptions.config)
        let mountPoint = absolutePath(self.mountPoint)
        let level = Logger.Level(rawValue: logLevel)!
        let reporter = ReadyReporter(descriptor: readyFd)

        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: mountPoint, isDirectory: &isDirectory), isDirectory.boolValue else {
            reporter.fail("mount point \(mountPoint) does not exist or is not a directory")
        }
        if MountTable.isMounted(mountPoint) {
            reporter.fail("\(mountPoint) is already a mount point (unmount it first: smartfs unmount \(mountPoint))")
        }
        let cacheBase = absolutePath(cacheDir ?? configuration.cache.directory ?? CacheDirectory.defaultRoot())
        let cacheDirectory: CacheDirectory
        do {
            cacheDirectory = try CacheDirectory(base: cacheBase, mountPoint: mountPoint)
        } catch {
            reporter.fail("\(error)")
        }

        if !foreground {
            let logPath = absolutePath(logFile ?? cacheDirectory.root + "/smartfs.log")
            let outcome = Daemon.start(arguments: daemonArguments(mountPoint: mountPoint, configPath: configuration.path,
                                                                  cacheBase: cacheBase, logPath: logPath))
            switch outcome {
            case .ready:
                print("smartfs: mounted \(configuration.modules.count) module(s) at \(mountPoint); log: \(logPath)")
                return
            case .failed(let message):
                printError(message)
                throw ExitCode(ExitCode2.failure)
            }
        }

        let output: LogOutput
        if let logFile {
            do { output = try LogOutput.file(absolutePath(logFile)) } catch {
                reporter.fail("cannot open log file \(logFile): \(error)")
            }
        } else {
            output = LogOutput(descriptor: STDERR_FILENO)
        }
        bootstrapLogging(output: output, level: level)
        let logger = Logger(label: "smartfs")

        var modules: [MountedModule] = []
        for module in configuration.modules {
            do {
                modules.append(try MountedModule.make(module, readOnly: readOnly, logger: Logger(label: "smartfs.s3")))
            } catch {
                reporter.fail("module \(module.name): \(error)")
            }
        }
        let problems = Probe.check(modules, configuration.modules)
        if !problems.isEmpty {
            reporter.fail(problems.joined(separator: "\n"))
        }

        var fsOptions = FileSystemOptions()
        fsOptions.metadataTTL = configuration.cache.metadataTTL
        fsOptions.readOnly = readOnly
        fsOptions.writeBack = true
        fsOptions.maxCacheBytes = configuration.cache.maxSize
        cacheDirectory.clearStaging()
        let fileSystem = SmartFileSystem(modules: modules, cacheDirectory: cacheDirectory, options: fsOptions,
                                         logger: Logger(label: "smartfs.fs"))
        fileSystem.recoverJournal()
        let timeouts = KernelCacheTimeouts(entry: configuration.cache.metadataTTL, attributes: configuration.cache.metadataTTL,
                                           negative: min(1, configuration.cache.metadataTTL))
        let pidFile = RuntimeFiles.pidFile(for: mountPoint)
        let resultFile = RuntimeFiles.resultFile(for: mountPoint)
        let failures: [FSError]
        do {
            failures = try FUSEMount.run(fileSystem, options: MountOptions(mountPoint: mountPoint, fuseOptions: fuseOptions,
                                                                           timeouts: timeouts), logger: logger) {
                unlink(resultFile)
                try? "\(getpid())\n".write(toFile: pidFile, atomically: true, encoding: .utf8)
                let started = Date()
                ControlSocket.serve(at: ControlSocket.path(for: mountPoint)) { [fileSystem, modules] command in
                    switch command {
                    case "status":
                        return renderStatus(fileSystem.statusReport(), mountPoint: mountPoint, started: started, modules: modules)
                    case "pending":
                        let status = fileSystem.statusReport()
                        return "\(status.uploadsQueued + status.uploadsInFlight) \(status.pendingBytes)\n"
                    case "flush":
                        let failures = fileSystem.flushAll()
                        return failures.isEmpty ? "ok\n" : failures.map { "failed: \($0.reason)" }.joined(separator: "\n") + "\n"
                    default:
                        return "unknown command '\(command)'\n"
                    }
                }
                reporter.ready()
            }
        } catch {
            reporter.fail(error.description)
        }
        // `smartfs unmount` reads what could not be uploaded from here, and says so.
        if !failures.isEmpty {
            let text = failures.map(\.reason).joined(separator: "\n") + "\n"
            try? text.write(toFile: resultFile, atomically: true, encoding: .utf8)
            if foreground { printError("unmounted, but not everything is in S3; kept in \(cacheDirectory.journal):\n" + text) }
        }
        unlink(pidFile)
        unlink(ControlSocket.path(for: mountPoint))
        if !failures.isEmpty { throw ExitCode(ExitCode2.failure) }
    }

    private func daemonArguments(mountPoint: String, configPath: String, cacheBase: String, logPath: String) -> [String] {
        var arguments = ["mount", mountPoint, "--foreground", "--config", absolutePath(configPath),
                         "--cache-dir", cacheBase, "--log-level", logLevel, "--log-file", logPath]
        if readOnly { arguments.append("--read-only") }
        for option in fuseOptions { arguments += ["-o", option] }
        return arguments
    }
}

/// Tells the parent of a background mount how starting went, through the pipe it passed.
struct ReadyReporter {
    let descriptor: Int32?

    func ready() {
        guard let descriptor else { return }
        send("ready\n", descriptor)
    }

    /// Reports a failure (to the parent, or to standard error) and exits 1.
    func fail(_ message: String) -> Never {
        if let descriptor {
            send("error: \(message)\n", descriptor)
        }
        printError(message)
        exit(ExitCode2.failure)
    }

    private func send(_ text: String, _ descriptor: Int32) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
    }
}

/// Checks, before mounting, that every module's bucket exists and its credentials work.
enum Probe {
    static func check(_ modules: [MountedModule], _ configurations: [ModuleConfiguration]) -> [String] {
        var problems: [String] = []
        for (module, configuration) in zip(modules, configurations) {
            let endpoint = configuration.endpointURL ?? "AWS (\(configuration.region))"
            do {
                try module.store.headBucket(module.bucket)
            } catch {
                var failure = error
                if error.status == 403 || error.status == 400 {
                    // HEAD answers carry no error code; a listing says which credential check failed.
                    if case .failure(let listed) = Result(catching: { () throws(S3Error) -> ListPage in
                        try module.store.listObjectsV2(bucket: module.bucket, prefix: module.prefix, delimiter: "/",
                                                       continuationToken: nil, startAfter: nil, maxKeys: 1)
                    }) {
                        failure = listed
                    } else {
                        continue  // listing is allowed: HEAD alone was refused, which is fine for a mount
                    }
                }
                problems.append("module '\(module.name)': " + explain(failure, bucket: module.bucket, endpoint: endpoint))
            }
        }
        return problems
    }

    static func explain(_ error: S3Error, bucket: String, endpoint: String) -> String {
        switch error.code {
        case "NotFound", "NoSuchBucket":
            return "bucket '\(bucket)' does not exist at \(endpoint) (S3 error \(error.code))"
        case "SignatureDoesNotMatch":
            return "S3 rejected the signature for bucket '\(bucket)' at \(endpoint): the secret key is wrong (S3 error SignatureDoesNotMatch)"
        case "InvalidAccessKeyId":
            return "S3 does not know the access key used for bucket '\(bucket)' at \(endpoint) (S3 error InvalidAccessKeyId)"
        case "AccessDenied":
            return "access to bucket '\(bucket)' at \(endpoint) is denied for these credentials (S3 error AccessDenied)"
        default:
            if error.kind == .transport {
                return "cannot reach \(endpoint) for bucket '\(bucket)': \(error.message) (\(error.code))"
            }
            return "bucket '\(bucket)' at \(endpoint): \(error.description)"
        }
    }
}

func absolutePath(_ path: String) -> String {
    let expanded = (path as NSString).expandingTildeInPath
    let absolute = expanded.hasPrefix("/") ? expanded : FileManager.default.currentDirectoryPath + "/" + expanded
    return URL(fileURLWithPath: absolute).standardizedFileURL.path
}
