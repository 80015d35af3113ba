import FileSystem
import Foundation
import S3
import XCTest

/// Listing a directory fetches its entries' attributes ahead, so that `ls -l` does not wait for
/// one HEAD after another; each entry is still fetched once.
final class PrefetchTests: FileSystemTestCase {
    func testListingFetchesAttributesAheadOncePerEntry() throws {
        let fs = try makeFS()
        for index in 0..<40 {
            store.seed(bucket: "media-bucket", key: "media/dir/f\(index)", bytes("x"),
                       metadata: ["mode": modeString(S_IFREG, 0o640), "mtime": "1700000000"])
        }
        XCTAssertEqual(try fs.readdir("/media/dir").count, 40)
        // Every stat returns the attributes from the objects' metadata, not the listing's defaults...
        for index in 0..<40 {
            let attributes = try fs.getattr("/media/dir/f\(index)")
            XCTAssertEqual(attributes.permissions, 0o640, "f\(index)")
            XCTAssertEqual(attributes.mtime, Timestamp(seconds: 1_700_000_000), "f\(index)")
        }
        // ...and each object was asked about once, by the prefetch or by the stat, never both.
        let heads = store.calls("HeadObject").filter { $0.key.hasPrefix("media/dir/f") }
        XCTAssertEqual(heads.count, 40)
        XCTAssertEqual(Set(heads.map(\.key)).count, 40)
    }

    func testLongListingsAreNotFetchedAhead() throws {
        let fs = try makeFS()
        for index in 0...1000 {
            store.seed(bucket: "media-bucket", key: "media/big/f\(index)", bytes("x"))
        }
        XCTAssertEqual(try fs.readdir("/media/big").count, 1001)
        Thread.sleep(forTimeInterval: 0.2)
        XCTAssertEqual(store.calls("HeadObject").filter { $0.key.hasPrefix("media/big/") }.count, 0)
    }
}
