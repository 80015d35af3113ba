import XCTest

final class ConfigTestsPlaceholder: XCTestCase {}
