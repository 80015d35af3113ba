import ArgumentParser

@main
struct SmartFS: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smartfs",
        abstract: "Mount several S3 buckets as one filesystem tree."
    )
}
