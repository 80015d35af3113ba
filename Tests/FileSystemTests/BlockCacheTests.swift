import Cache
import Foundation
import XCTest

/// The block cache: blocks survive a restart, the least recently used go first past the budget.
final class BlockCacheTests: FileSystemTestCase {
    func testEvictsLeastRecentlyUsedPastTheBudget() throws {
        let directory = tmp + "/blocks"
        let cache = try BlockCache(directory: directory, blockSize: 1024) { 3 * 1024 }
        let names = (0..<4).map { cache.name(bucket: "b", key: "k", etag: "\"e\"", index: UInt64($0)) }
        for name in names.prefix(3) { cache.store(name, [UInt8](repeating: 7, count: 1024)) }
        XCTAssertEqual(cache.read(names[0], range: 0..<4), [7, 7, 7, 7])  // block 0 is now the most recent
        cache.store(names[3], [UInt8](repeating: 9, count: 1024))         // over budget: block 1 goes
        XCTAssertNotNil(cache.read(names[0], range: 0..<1))
        XCTAssertNil(cache.read(names[1], range: 0..<1))
        XCTAssertLessThanOrEqual(cache.size, 3 * 1024)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/" + names[1]))

        let reopened = try BlockCache(directory: directory, blockSize: 1024) { 3 * 1024 }
        XCTAssertEqual(reopened.read(names[3], range: 1020..<1024), [9, 9, 9, 9], "blocks survive a restart")
    }

    func testVersionsNeverShareBlocks() throws {
        let cache = try BlockCache(directory: tmp + "/blocks2", blockSize: 1024) { 1 << 20 }
        XCTAssertNotEqual(cache.name(bucket: "b", key: "k", etag: "\"v1\"", index: 0),
                          cache.name(bucket: "b", key: "k", etag: "\"v2\"", index: 0))
        XCTAssertNotEqual(cache.name(bucket: "b", key: "k", etag: "\"v1\"", index: 0),
                          cache.name(bucket: "b2", key: "k", etag: "\"v1\"", index: 0))
    }
}
