import ArgumentParser
import Config
import FileSystem
import Foundation
import S3

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Probe every module for real: the bucket exists, listing works, and writing works unless read-only.",
        discussion: "Writing is checked with a put and a delete of a small probe object under the module's prefix. Exit code 1 if any module fails."
    )

    @OptionGroup var options: ConfigOptions

    func run() throws {
        let configuration = loadConfiguration(options.config)
        print("configuration: \(configuration.path)")
        var failed = false
        for module in configuration.modules {
            let result = Self.probe(module)
            if case .failure = result { failed = true }
            switch result {
            case .success(let what): print("ok    \(module.name): \(what)")
            case .failure(let problem): print("FAIL  \(module.name): \(problem.message)")
            }
        }
        if failed { throw ExitCode(ExitCode2.failure) }
    }

    struct Problem: Error { var message: String }

    static func probe(_ config: ModuleConfiguration) -> Result<String, Problem> {
        let module: MountedModule
        do {
            module = try MountedModule.make(config)
        } catch {
            return .failure(Problem(message: "\(error)"))
        }
        let endpoint = config.endpointURL ?? "AWS (\(config.region))"
        let target = "s3://\(config.bucket)/\(config.prefix)"
        let problems = Probe.check([module], [config])
        if let problem = problems.first {
            return .failure(Problem(message: String(problem.drop(while: { $0 != ":" }).dropFirst(2))))
        }
        do {
            _ = try module.store.listObjectsV2(bucket: module.bucket, prefix: module.prefix, delimiter: "/",
                                               continuationToken: nil, startAfter: nil, maxKeys: 1)
        } catch {
            return .failure(Problem(message: "listing \(target) at \(endpoint) failed: \(error.code) — \(advice(error))"))
        }
        if module.readOnly { return .success("\(target) exists and can be listed (read-only: writing not tried)") }
        let key = module.prefix + ".smartfs-check-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        do {
            try module.store.putObject(bucket: module.bucket, key: key, body: .bytes(Array("smartfs check\n".utf8)),
                                       options: module.writeOptions)
        } catch {
            return .failure(Problem(message: "writing s3://\(config.bucket)/\(key) at \(endpoint) failed: \(error.code) — \(advice(error))"))
        }
        do {
            try module.store.deleteObject(bucket: module.bucket, key: key)
        } catch {
            return .failure(Problem(message: "deleting the probe s3://\(config.bucket)/\(key) failed: \(error.code) — \(advice(error)); delete it by hand"))
        }
        return .success("\(target) can be listed and written (ACL \(config.acl))")
    }

    static func advice(_ error: S3Error) -> String {
        switch error.code {
        case "AccessDenied": "the credentials lack permission: allow s3:ListBucket, s3:GetObject, s3:PutObject, s3:PutObjectAcl, s3:DeleteObject on the bucket"
        case "SignatureDoesNotMatch": "the secret key is wrong"
        case "InvalidAccessKeyId": "the access key is unknown to this endpoint"
        case "NoSuchBucket", "NotFound": "create the bucket, or fix bucket_name"
        case "AccessControlListNotSupported": "the bucket has ACLs disabled (Object Ownership: bucket owner enforced): remove default_acl or enable ACLs"
        default: error.kind == .transport ? "check endpoint_url and the network" : error.message
        }
    }
}
