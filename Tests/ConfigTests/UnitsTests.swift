import XCTest
import Config

final class ByteSizeTests: XCTestCase {
    func testPlainNumbers() {
        XCTAssertEqual(parseByteSize("0"), 0)
        XCTAssertEqual(parseByteSize("1048576"), 1_048_576)
        XCTAssertEqual(parseByteSize("  42  "), 42)
        XCTAssertEqual(parseByteSize("42B"), 42)
        XCTAssertEqual(parseByteSize("18446744073709551615"), UInt64.max)
    }

    func testBinaryUnits() {
        XCTAssertEqual(parseByteSize("10GiB"), 10 << 30)
        XCTAssertEqual(parseByteSize("512MiB"), 512 << 20)
        XCTAssertEqual(parseByteSize("1G"), 1 << 30)
        XCTAssertEqual(parseByteSize("100M"), 100 << 20)
        XCTAssertEqual(parseByteSize("4k"), 4096)
        XCTAssertEqual(parseByteSize("4KiB"), 4096)
        XCTAssertEqual(parseByteSize("2TiB"), 2 << 40)
        XCTAssertEqual(parseByteSize("1PiB"), 1 << 50)
        XCTAssertEqual(parseByteSize("10 gib"), 10 << 30)
        XCTAssertEqual(parseByteSize("1.5GiB"), 3 << 29)
        XCTAssertEqual(parseByteSize("0.5K"), 512)
    }

    func testDecimalUnits() {
        XCTAssertEqual(parseByteSize("1KB"), 1_000)
        XCTAssertEqual(parseByteSize("5MB"), 5_000_000)
        XCTAssertEqual(parseByteSize("2GB"), 2_000_000_000)
        XCTAssertEqual(parseByteSize("1TB"), 1_000_000_000_000)
    }

    func testInvalidSizes() {
        for text in ["", " ", "GiB", "-1G", "1.G", ".", "10 furlongs", "1G1", "1 2", "1e9", "0x10",
                     "18446744073709551616", "16384PiB", "1,5G"] {
            XCTAssertNil(parseByteSize(text), text)
        }
    }
}

final class DurationTests: XCTestCase {
    func testDurations() {
        XCTAssertEqual(parseDuration("30s"), 30)
        XCTAssertEqual(parseDuration("5m"), 300)
        XCTAssertEqual(parseDuration("1h"), 3600)
        XCTAssertEqual(parseDuration("2d"), 172_800)
        XCTAssertEqual(parseDuration("250ms"), 0.25)
        XCTAssertEqual(parseDuration("1h30m"), 5400)
        XCTAssertEqual(parseDuration("1m 30s"), 90)
        XCTAssertEqual(parseDuration("1.5s"), 1.5)
        XCTAssertEqual(parseDuration("5"), 5)
        XCTAssertEqual(parseDuration("0.5"), 0.5)
        XCTAssertEqual(parseDuration("0"), 0)
        XCTAssertEqual(parseDuration(" 10 S "), 10)
    }

    func testInvalidDurations() {
        for text in ["", " ", "s", "-5s", "5x", "5 minutes", "1h5", "5 5", "1..5s", "inf", "nan", "5s-"] {
            XCTAssertNil(parseDuration(text), text)
        }
    }
}
