import XCTest
@testable import Config

/// The file name used in every parsed test configuration.
let testPath = "/etc/smartfs/test.toml"

/// Parses `toml` as if it were `testPath`, with `environment` instead of the process environment.
func parse(_ toml: String, environment: [String: String] = [:]) throws(ConfigError) -> SmartFSConfiguration {
    try SmartFSConfiguration.parse(toml, path: testPath, environment: environment)
}

/// The error that parsing `toml` throws, or `nil` (and a test failure) when it parses.
func parseError(
    _ toml: String, environment: [String: String] = [:], file: StaticString = #filePath, line: UInt = #line
) -> ConfigError? {
    do {
        let config = try parse(toml, environment: environment)
        XCTFail("expected an error, got \(config.modules.map(\.name))", file: file, line: line)
        return nil
    } catch {
        return error
    }
}

/// Asserts that parsing `toml` fails with exactly `description`, and returns the error.
@discardableResult
func assertParseError(
    _ toml: String, environment: [String: String] = [:], kind: ConfigError.Kind, _ description: String,
    file: StaticString = #filePath, line: UInt = #line
) -> ConfigError? {
    guard let error = parseError(toml, environment: environment, file: file, line: line) else { return nil }
    XCTAssertEqual(error.kind, kind, file: file, line: line)
    XCTAssertEqual(error.description, description, file: file, line: line)
    XCTAssertFalse(error.description.contains("\n"), "must be one line", file: file, line: line)
    return error
}

/// A scratch directory removed when the test ends.
func makeTemporaryDirectory(_ testCase: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("smartfs-config-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    testCase.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}
