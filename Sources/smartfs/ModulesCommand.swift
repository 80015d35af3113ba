import ArgumentParser
import Config

struct ModulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "modules",
        abstract: "Print the resolved modules: bucket, prefix, ACL, region, endpoint, and where each value came from.",
        discussion: "Secrets are never printed: access keys are masked, secret keys and session tokens shown only as set or not set."
    )

    @OptionGroup var options: ConfigOptions

    func run() throws {
        let configuration = loadConfiguration(options.config)
        print("configuration: \(configuration.path)")
        print(renderModulesTable(configuration), terminator: "")
    }
}
