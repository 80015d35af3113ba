import XCTest

final class FileSystemTestsPlaceholder: XCTestCase {}
