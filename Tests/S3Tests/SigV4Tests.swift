import Foundation
import XCTest
@testable import S3

/// AWS Signature Version 4: the published test-suite vectors (aws-sig-v4-test-suite, service
/// "service") and S3's own documented examples, plus the encoding rules S3 keys need.
final class SigV4Tests: XCTestCase {
    let suiteCredentials = S3Credentials(accessKey: "AKIDEXAMPLE", secretKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    let suiteDate = Date(timeIntervalSince1970: 1_440_938_160)  // 20150830T123600Z

    private func suiteSignature(method: String = "GET", path: String, query: [(name: String, value: String)] = [],
                                extraHeaders: [(name: String, value: String)] = [],
                                payload: String = "", credentials: S3Credentials? = nil) -> String {
        var request = SigningRequest(
            method: method, canonicalURI: path, query: query,
            headers: [("Host", "example.amazonaws.com")] + extraHeaders,
            payloadHash: Digest.hex(Digest.sha256(Array(payload.utf8))))
        SigV4Signer(credentials: credentials ?? suiteCredentials, region: "us-east-1", service: "service")
            .sign(&request, date: suiteDate)
        let authorization = request.headers.first { $0.name == "Authorization" }!.value
        return String(authorization.split(separator: "=").last!)
    }

    func testGetVanilla() {
        var request = SigningRequest(method: "GET", canonicalURI: "/", headers: [("Host", "example.amazonaws.com")],
                                     payloadHash: Digest.emptyPayloadHash)
        SigV4Signer(credentials: suiteCredentials, region: "us-east-1", service: "service").sign(&request, date: suiteDate)
        XCTAssertEqual(request.headers.first { $0.name == "x-amz-date" }?.value, "20150830T123600Z")
        XCTAssertEqual(request.headers.first { $0.name == "Authorization" }?.value,
                       "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
    }

    func testGetVanillaQueryOrderKeyCase() {
        // The query is sorted by encoded name before signing, whatever order it was given in.
        XCTAssertEqual(suiteSignature(path: "/", query: [("Param2", "value2"), ("Param1", "value1")]),
                       "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")
    }

    func testGetUTF8Path() {
        XCTAssertEqual(URIEncoding.encode("/ሴ", keepSlash: true), "/%E1%88%B4")
        XCTAssertEqual(suiteSignature(path: URIEncoding.encode("/ሴ", keepSlash: true)),
                       "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85")
    }

    func testPostFormURLEncodedSignsTheBody() {
        let body = "Param1=value1"
        let hash = Digest.hex(Digest.sha256(Array(body.utf8)))
        XCTAssertEqual(hash, "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e")
        XCTAssertEqual(suiteSignature(method: "POST", path: "/", extraHeaders: [
            ("Content-Type", "application/x-www-form-urlencoded"), ("Content-Length", "13"),
            ("X-Amz-Content-Sha256", hash),
        ], payload: body), "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b")
    }

    func testCanonicalRequestForGetVanilla() {
        let request = SigningRequest(method: "GET", canonicalURI: "/", headers: [
            ("Host", "example.amazonaws.com"), ("X-Amz-Date", "20150830T123600Z"),
        ], payloadHash: Digest.emptyPayloadHash)
        let (canonical, signed) = SigV4Signer.canonicalRequest(request)
        XCTAssertEqual(signed, "host;x-amz-date")
        XCTAssertEqual(canonical, """
            GET
            /

            host:example.amazonaws.com
            x-amz-date:20150830T123600Z

            host;x-amz-date
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            """)
    }

    // MARK: S3's documented examples (examplebucket, 20130524T000000Z)

    private let s3Credentials = S3Credentials(accessKey: "AKIAIOSFODNN7EXAMPLE", secretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    private let s3Date = Date(timeIntervalSince1970: 1_369_353_600)  // 20130524T000000Z

    private func s3Signature(method: String, path: String, query: [(name: String, value: String)] = [],
                             headers: [(name: String, value: String)], payloadHash: String) -> (String, String) {
        var request = SigningRequest(method: method, canonicalURI: path, query: query,
                                     headers: [("Host", "examplebucket.s3.amazonaws.com")] + headers, payloadHash: payloadHash)
        SigV4Signer(credentials: s3Credentials, region: "us-east-1").sign(&request, date: s3Date)
        let authorization = request.headers.first { $0.name == "Authorization" }!.value
        let signed = authorization.components(separatedBy: "SignedHeaders=")[1].components(separatedBy: ",")[0]
        return (signed, String(authorization.split(separator: "=").last!))
    }

    func testS3GetObjectWithRange() {
        let (signed, signature) = s3Signature(method: "GET", path: "/test.txt", headers: [
            ("Range", "bytes=0-9"), ("x-amz-content-sha256", Digest.emptyPayloadHash),
        ], payloadHash: Digest.emptyPayloadHash)
        XCTAssertEqual(signed, "host;range;x-amz-content-sha256;x-amz-date")
        XCTAssertEqual(signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    func testS3PutObjectWithKeyNeedingEncoding() {
        let payloadHash = Digest.hex(Digest.sha256(Array("Welcome to Amazon S3.".utf8)))
        XCTAssertEqual(payloadHash, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        let (signed, signature) = s3Signature(
            method: "PUT", path: "/" + URIEncoding.encode("test$file.text", keepSlash: true),
            headers: [("Date", "Fri, 24 May 2013 00:00:00 GMT"), ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
                      ("x-amz-content-sha256", payloadHash)], payloadHash: payloadHash)
        XCTAssertEqual(signed, "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class")
        XCTAssertEqual(signature, "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
    }

    func testS3GetBucketLifecycleWithValuelessQuery() {
        let (_, signature) = s3Signature(method: "GET", path: "/", query: [("lifecycle", "")],
                                         headers: [("x-amz-content-sha256", Digest.emptyPayloadHash)],
                                         payloadHash: Digest.emptyPayloadHash)
        XCTAssertEqual(signature, "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")
    }

    func testS3ListObjectsQuery() {
        let (_, signature) = s3Signature(method: "GET", path: "/", query: [("max-keys", "2"), ("prefix", "J")],
                                         headers: [("x-amz-content-sha256", Digest.emptyPayloadHash)],
                                         payloadHash: Digest.emptyPayloadHash)
        XCTAssertEqual(signature, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    }

    func testSessionTokenIsSigned() {
        let credentials = S3Credentials(accessKey: "AKIDEXAMPLE", secretKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                        sessionToken: "TOKEN/with+chars=")
        var request = SigningRequest(method: "GET", canonicalURI: "/", headers: [("Host", "example.amazonaws.com")],
                                     payloadHash: Digest.emptyPayloadHash)
        SigV4Signer(credentials: credentials, region: "us-east-1", service: "service").sign(&request, date: suiteDate)
        XCTAssertEqual(request.headers.first { $0.name == "x-amz-security-token" }?.value, "TOKEN/with+chars=")
        let authorization = request.headers.first { $0.name == "Authorization" }!.value
        XCTAssertTrue(authorization.contains("SignedHeaders=host;x-amz-date;x-amz-security-token,"), authorization)
        XCTAssertNotEqual(suiteSignature(path: "/"), String(authorization.split(separator: "=").last!))
    }

    // MARK: Canonical encoding of the keys S3 users have

    func testKeyEncodingCases() {
        let cases: [(String, String)] = [
            ("photo.jpg", "photo.jpg"),
            ("my photo.jpg", "my%20photo.jpg"),
            ("a+b=c.txt", "a%2Bb%3Dc.txt"),
            ("100%.txt", "100%25.txt"),
            ("~user/file-_.txt", "~user/file-_.txt"),
            ("dir//double", "dir//double"),
            ("what?.txt", "what%3F.txt"),
            ("hash#tag", "hash%23tag"),
            ("café/naïve.txt", "caf%C3%A9/na%C3%AFve.txt"),
            ("日本語", "%E6%97%A5%E6%9C%AC%E8%AA%9E"),
            ("-leading-dash", "-leading-dash"),
            ("a&b;c:d@e,f$g", "a%26b%3Bc%3Ad%40e%2Cf%24g"),
            ("./dot/../dots", "./dot/../dots"),
            ("tab\there", "tab%09here"),
        ]
        for (key, encoded) in cases {
            XCTAssertEqual(URIEncoding.encode(key, keepSlash: true), encoded, key)
            XCTAssertEqual(URIEncoding.decode(encoded), key, encoded)
        }
        // In query values, slashes are encoded too.
        XCTAssertEqual(URIEncoding.encode("a/b c", keepSlash: false), "a%2Fb%20c")
    }

    func testCanonicalQueryEncodesAndSortsByEncodedName() {
        let request = SigningRequest(method: "GET", canonicalURI: "/bucket", query: [
            ("prefix", "dir with space/+plus"), ("list-type", "2"), ("continuation-token", "abc/=="), ("delimiter", "/"),
        ], headers: [("Host", "h")], payloadHash: Digest.emptyPayloadHash)
        let line = SigV4Signer.canonicalRequest(request).0.split(separator: "\n", omittingEmptySubsequences: false)[2]
        XCTAssertEqual(line, "continuation-token=abc%2F%3D%3D&delimiter=%2F&list-type=2&prefix=dir%20with%20space%2F%2Bplus")
    }

    func testHeaderValuesAreTrimmedAndRepeatedNamesJoined() {
        let request = SigningRequest(method: "GET", canonicalURI: "/", headers: [
            ("Host", "h"), ("My-Header1", "  value1  with   spaces "), ("my-header2", "v2"), ("My-Header2", "v3"),
        ], payloadHash: Digest.emptyPayloadHash)
        let (canonical, signed) = SigV4Signer.canonicalRequest(request)
        XCTAssertEqual(signed, "host;my-header1;my-header2")
        XCTAssertTrue(canonical.contains("my-header1:value1 with spaces\nmy-header2:v2,v3\n"), canonical)
    }

    func testPathNormalisationForGenericServices() {
        XCTAssertEqual(URIEncoding.normalizePath("/example/.."), "/")
        XCTAssertEqual(URIEncoding.normalizePath("/./"), "/")
        XCTAssertEqual(URIEncoding.normalizePath("//example//"), "/example/")
        XCTAssertEqual(URIEncoding.normalizePath("/example1/example2/../.."), "/")
    }

    func testTimestamps() {
        XCTAssertEqual(SigV4Signer.timestamps(suiteDate).0, "20150830")
        XCTAssertEqual(SigV4Signer.timestamps(suiteDate).1, "20150830T123600Z")
        XCTAssertEqual(SigV4Signer.timestamps(Date(timeIntervalSince1970: 0)).1, "19700101T000000Z")
    }

    func testDigests() {
        XCTAssertEqual(Digest.hex(Digest.sha256([UInt8]())), Digest.emptyPayloadHash)
        XCTAssertEqual(Digest.hex(Digest.md5(Array("".utf8))), "d41d8cd98f00b204e9800998ecf8427e")
        // RFC 4231 test case 2.
        XCTAssertEqual(Digest.hex(Digest.hmacSHA256(key: Array("Jefe".utf8), data: Array("what do ya want for nothing?".utf8))),
                       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }
}
