import XCTest
@testable import S3

final class XMLTests: XCTestCase {
    func testParsesAListing() throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
              <Name>bucket</Name><Prefix>media/</Prefix><KeyCount>2</KeyCount>
              <IsTruncated>true</IsTruncated><NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
              <EncodingType>url</EncodingType>
              <Contents><Key>media/a+b%2Bc.txt</Key><LastModified>2009-10-12T17:50:30.000Z</LastModified>
                <ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag><Size>434234</Size><StorageClass>STANDARD</StorageClass></Contents>
              <Contents><Key>media/%E6%97%A5</Key><Size>0</Size></Contents>
              <CommonPrefixes><Prefix>media/sub%20dir/</Prefix></CommonPrefixes>
            </ListBucketResult>
            """
        let root = try XMLNode.parse(Array(xml.utf8))
        XCTAssertEqual(root.name, "ListBucketResult")
        XCTAssertEqual(root.attributes["xmlns"], "http://s3.amazonaws.com/doc/2006-03-01/")
        XCTAssertEqual(root.children("Contents").count, 2)
        XCTAssertEqual(root.children("Contents")[0].value("ETag"), "\"fba9dede5f27731c9771645a39863328\"")
        XCTAssertEqual(S3Client.decodeListingValue(root.children("Contents")[0].value("Key")!), "media/a b+c.txt")
        XCTAssertEqual(S3Client.decodeListingValue(root.children("Contents")[1].value("Key")!), "media/日")
        XCTAssertEqual(root.child("CommonPrefixes")?.value("Prefix"), "media/sub%20dir/")
        XCTAssertEqual(root.value("NextContinuationToken"), "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=")
        XCTAssertEqual(HTTPDate.parseISO(root.children("Contents")[0].value("LastModified")!)?.timeIntervalSince1970, 1_255_369_830)
    }

    func testEntitiesCDATAAndComments() throws {
        let root = try XMLNode.parse(Array("<a x='1 &amp; 2'><!-- c --><b>&lt;&#65;&#x42;&gt;</b><c><![CDATA[<raw & text>]]></c><d/></a>".utf8))
        XCTAssertEqual(root.attributes["x"], "1 & 2")
        XCTAssertEqual(root.value("b"), "<AB>")
        XCTAssertEqual(root.value("c"), "<raw & text>")
        XCTAssertEqual(root.child("d")?.text, "")
    }

    func testErrorDocument() throws {
        let root = try XMLNode.parse(Array("""
            <?xml version="1.0" encoding="UTF-8"?>
            <Error><Code>NoSuchKey</Code><Message>The resource you requested does not exist</Message>
            <Resource>/mybucket/myfoto.jpg</Resource><RequestId>4442587FB7D0A2F9</RequestId></Error>
            """.utf8))
        XCTAssertEqual(root.value("Code"), "NoSuchKey")
        XCTAssertEqual(root.value("RequestId"), "4442587FB7D0A2F9")
    }

    func testMalformedDocumentsAreErrorsNotCrashes() {
        for text in ["", "<a>", "<a></b>", "<a x=1></a>", "text", "<a>&bogus;</a>", "<a><b></a>", "<a>&#xFFFFFFFF;</a>", "<a></a><b/>"] {
            XCTAssertThrowsError(try XMLNode.parse(Array(text.utf8)), text)
        }
    }

    func testEscapeRoundTrip() throws {
        let key = "a<b>&\"c'\u{1}\r\n"
        let root = try XMLNode.parse(Array("<Key>\(xmlEscape(key))</Key>".utf8))
        XCTAssertEqual(root.text, key)
    }

    func testHTTPDate() {
        XCTAssertEqual(HTTPDate.parse("Wed, 21 Oct 2015 07:28:00 GMT")?.timeIntervalSince1970, 1_445_412_480)
        XCTAssertNil(HTTPDate.parse("yesterday"))
    }
}

final class SharedCredentialsFileTests: XCTestCase {
    func testReadsTheNamedProfile() throws {
        let path = NSTemporaryDirectory() + "/credentials-\(UUID().uuidString)"
        try """
            [default]
            aws_access_key_id = AKIADEFAULT
            aws_secret_access_key = defaultsecret

            # a comment
            [tenant-a]
            aws_access_key_id=AKIATENANT
            aws_secret_access_key = tenant/secret+key
            aws_session_token = token==
            """.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let provider = SharedCredentialsFileProvider(profile: "tenant-a", environment: ["AWS_SHARED_CREDENTIALS_FILE": path])
        XCTAssertEqual(try provider.credentials(), S3Credentials(accessKey: "AKIATENANT", secretKey: "tenant/secret+key", sessionToken: "token=="))
        let missing = SharedCredentialsFileProvider(profile: "nope", environment: ["AWS_SHARED_CREDENTIALS_FILE": path])
        XCTAssertThrowsError(try missing.credentials()) { XCTAssertTrue("\($0)".contains("profile 'nope'")) }
    }
}
