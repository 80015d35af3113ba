import XCTest
@testable import Config

final class BucketNameTests: XCTestCase {
    private func reason(_ name: String) -> String? {
        do {
            try validateBucketName(name)
            return nil
        } catch {
            return error.message
        }
    }

    func testValidBucketNames() {
        for name in ["abc", "my-bucket", "my.bucket.example.com", "bucket-1", "1bucket",
                     String(repeating: "a", count: 63), "a1.b2-c3", "1.2.3", "1.2.3.4.5", "dir--x-s3"] {
            XCTAssertNil(reason(name), name)
        }
    }

    func testInvalidBucketNamesSayWhy() {
        let rules = "S3 bucket names have 3 to 63 characters: lowercase letters, digits, dots and hyphens"
        let cases: [(String, String)] = [
            ("", "bucket name is empty; \(rules)"),
            ("ab", "bucket name 'ab' is too short (2 characters); \(rules)"),
            (String(repeating: "a", count: 64), "bucket name '\(String(repeating: "a", count: 64))' is too long "
                + "(64 characters); \(rules)"),
            ("My-Bucket", "bucket name 'My-Bucket' contains uppercase letters; \(rules) (try 'my-bucket')"),
            ("my_bucket", "bucket name 'my_bucket' contains an underscore; \(rules) (try 'my-bucket')"),
            ("_ab", "bucket name '_ab' contains an underscore; \(rules)"),
            ("my bucket", "bucket name 'my bucket' contains ' '; \(rules)"),
            ("bücket", "bucket name 'bücket' contains 'ü'; \(rules)"),
            ("-bucket", "bucket name '-bucket' must start and end with a lowercase letter or a digit"),
            ("bucket.", "bucket name 'bucket.' must start and end with a lowercase letter or a digit"),
            ("my..bucket", "bucket name 'my..bucket' contains two adjacent dots, which S3 does not allow"),
            ("192.168.5.4", "bucket name '192.168.5.4' is formatted as an IP address, which S3 does not allow"),
            ("xn--bucket", "bucket name 'xn--bucket' starts with 'xn--', a prefix S3 reserves"),
            ("sthree-bucket", "bucket name 'sthree-bucket' starts with 'sthree-', a prefix S3 reserves"),
            ("bucket-s3alias", "bucket name 'bucket-s3alias' ends with '-s3alias', a suffix S3 reserves"),
            ("bucket--ol-s3", "bucket name 'bucket--ol-s3' ends with '--ol-s3', a suffix S3 reserves"),
        ]
        for (name, expected) in cases {
            XCTAssertEqual(reason(name), expected, name)
        }
    }

    func testInvalidBucketNameInAFile() {
        assertParseError("[modules.media]\nbucket_name = \"My_Media\"\n", kind: .invalidValue,
                         "\(testPath): modules.media.bucket_name: bucket name 'My_Media' contains uppercase letters; "
                             + "S3 bucket names have 3 to 63 characters: lowercase letters, digits, dots and hyphens "
                             + "(try 'my-media')")
        assertParseError("[modules.media]\nbucket_name = \"\"\n", kind: .invalidValue,
                         "\(testPath): modules.media.bucket_name: the value is empty; "
                             + "remove the key to use the default")
    }
}

final class ChoiceTests: XCTestCase {
    func testEveryCannedACLIsAccepted() throws {
        for acl in ConfigVocabulary.cannedACLs {
            let module = try parse("[modules.a]\nbucket_name = \"acme\"\ndefault_acl = \"\(acl)\"\n").modules[0]
            XCTAssertEqual(module.acl, acl)
        }
    }

    func testUnknownACLListsTheValidOnes() {
        assertParseError("[modules.media]\nbucket_name = \"acme\"\ndefault_acl = \"public\"\n", kind: .invalidValue,
                         "\(testPath): modules.media.default_acl: unknown canned ACL 'public'; did you mean "
                             + "'public-read'? Expected one of: private, public-read, public-read-write, "
                             + "authenticated-read, aws-exec-read, bucket-owner-read, bucket-owner-full-control, "
                             + "log-delivery-write")
    }

    func testEveryStorageClassIsAccepted() throws {
        for storageClass in ConfigVocabulary.storageClasses {
            let module = try parse("[modules.a]\nbucket_name = \"acme\"\nstorage_class = \"\(storageClass)\"\n")
                .modules[0]
            XCTAssertEqual(module.storageClass, storageClass)
            XCTAssertEqual(module.sources["storage_class"], .module)
        }
    }

    func testUnknownStorageClass() {
        assertParseError("[defaults]\nstorage_class = \"standard_ia\"\n[modules.a]\nbucket_name = \"acme\"\n",
                         kind: .invalidValue,
                         "\(testPath): defaults.storage_class: unknown storage class 'standard_ia'; did you mean "
                             + "'STANDARD_IA'? Expected one of: STANDARD, REDUCED_REDUNDANCY, STANDARD_IA, "
                             + "ONEZONE_IA, INTELLIGENT_TIERING, GLACIER, DEEP_ARCHIVE, GLACIER_IR, OUTPOSTS, "
                             + "EXPRESS_ONEZONE, SNOW")
    }

    func testBadAddressingStyle() {
        assertParseError("[modules.a]\nbucket_name = \"acme\"\naddressing_style = \"vhost\"\n", kind: .invalidValue,
                         "\(testPath): modules.a.addressing_style: unknown addressing style 'vhost'; "
                             + "expected one of: path, virtual")
    }

    func testBadRegion() {
        assertParseError("[modules.a]\nbucket_name = \"acme\"\nregion_name = \"US East\"\n", kind: .invalidValue,
                         "\(testPath): modules.a.region_name: region 'US East' is not a region name; expected "
                             + "lowercase letters, digits and hyphens, e.g. 'us-east-1' or 'eu-west-3'")
    }

    func testControlCharactersAreRefused() {
        assertParseError("[modules.a]\nbucket_name = \"acme\"\ncache_control = \"max-age=1\\r\\nX-Evil: 1\"\n",
                         kind: .invalidValue,
                         "\(testPath): modules.a.cache_control: 'max-age=1\\r\\nX-Evil: 1' contains a control "
                             + "character (such as a newline or a tab)")
    }
}

final class LocationTests: XCTestCase {
    func testNormalisation() throws {
        let cases: [(String, String)] = [
            ("", ""), ("/", ""), ("//", ""), ("media", "media/"), ("/media/", "media/"), ("media/", "media/"),
            ("media//", "media/"), ("//media", "media/"), ("a/b", "a/b/"), ("a//b/", "a/b/"), ("a b", "a b/"),
            ("...", ".../"), (".hidden", ".hidden/"),
        ]
        for (location, prefix) in cases {
            XCTAssertEqual(try normalizeLocation(location), prefix, location)
        }
    }

    func testEmptyLocationInAFileMeansTheWholeBucket() throws {
        let module = try parse("[modules.media]\nbucket_name = \"acme\"\nlocation = \"\"\n").modules[0]
        XCTAssertEqual(module.prefix, "")
        XCTAssertEqual(module.sources["location"], .module)
    }

    func testDotSegmentsAreRefused() {
        assertParseError("[modules.a]\nbucket_name = \"acme\"\nlocation = \"a/../b\"\n", kind: .invalidValue,
                         "\(testPath): modules.a.location: location 'a/../b' contains a '..' segment; a location is "
                             + "a key prefix such as 'media/'")
        assertParseError("[modules.a]\nbucket_name = \"acme\"\nlocation = \"./a\"\n", kind: .invalidValue,
                         "\(testPath): modules.a.location: location './a' contains a '.' segment; a location is "
                             + "a key prefix such as 'media/'")
        XCTAssertEqual(parseError("[modules.a]\nbucket_name = \"acme\"\nlocation = \"..\"\n")?.kind, .invalidValue)
    }
}

final class EndpointTests: XCTestCase {
    func testValidEndpointsAreNormalised() throws {
        let cases: [(String, String)] = [
            ("http://localhost:9000", "http://localhost:9000"),
            ("http://localhost:9000/", "http://localhost:9000"),
            ("HTTPS://S3.Example.COM", "https://s3.example.com"),
            ("https://s3.eu-west-1.amazonaws.com/", "https://s3.eu-west-1.amazonaws.com"),
            ("http://127.0.0.1:9000", "http://127.0.0.1:9000"),
            ("http://[::1]:9000", "http://[::1]:9000"),
            ("https://minio_1:443", "https://minio_1:443"),
            ("https://abc.r2.cloudflarestorage.com", "https://abc.r2.cloudflarestorage.com"),
        ]
        for (url, normalized) in cases {
            XCTAssertEqual(try normalizeEndpointURL(url), normalized, url)
        }
    }

    func testInvalidEndpoints() {
        let expected = "expected http(s)://host[:port], e.g. 'http://localhost:9000'"
        let cases: [(String, String)] = [
            ("ftp://files.example.com", "endpoint URL 'ftp://files.example.com' uses the scheme 'ftp'; \(expected)"),
            ("s3://bucket", "endpoint URL 's3://bucket' uses the scheme 's3'; \(expected)"),
            ("localhost:9000", "endpoint URL 'localhost:9000' has no scheme; \(expected)"),
            ("http://", "endpoint URL 'http://' has no host; \(expected)"),
            ("http://minio:9000/s3", "endpoint URL 'http://minio:9000/s3' has a path, query or user name; \(expected)"),
            ("http://minio?x=1", "endpoint URL 'http://minio?x=1' has a path, query or user name; \(expected)"),
            ("http://user@minio", "endpoint URL 'http://user@minio' has a path, query or user name; \(expected)"),
            ("http://minio:0", "endpoint URL 'http://minio:0' has an invalid port '0' (expected 1-65535)"),
            ("http://minio:70000", "endpoint URL 'http://minio:70000' has an invalid port '70000' (expected 1-65535)"),
            ("http://minio:", "endpoint URL 'http://minio:' has an invalid port '' (expected 1-65535)"),
            ("http://mi nio", "endpoint URL 'http://mi nio' has an invalid host name 'mi nio'; \(expected)"),
            ("http://[::1", "endpoint URL 'http://[::1' has an unterminated IPv6 address; \(expected)"),
        ]
        for (url, message) in cases {
            do {
                let normalized = try normalizeEndpointURL(url)
                XCTFail("\(url) accepted as \(normalized)")
            } catch {
                XCTAssertEqual(error.message, message, url)
            }
        }
    }

    func testInvalidEndpointInAFile() {
        assertParseError("[modules.a]\nbucket_name = \"acme\"\nendpoint_url = \"ftp://files.example.com\"\n",
                         kind: .invalidValue,
                         "\(testPath): modules.a.endpoint_url: endpoint URL 'ftp://files.example.com' uses the scheme "
                             + "'ftp'; expected http(s)://host[:port], e.g. 'http://localhost:9000'")
    }
}

final class SuggestionTests: XCTestCase {
    private let keys = SettingKey.allCases.map(\.rawValue)

    func testLevenshtein() {
        XCTAssertEqual(levenshtein("", ""), 0)
        XCTAssertEqual(levenshtein("abc", ""), 3)
        XCTAssertEqual(levenshtein("kitten", "sitting"), 3)
        XCTAssertEqual(levenshtein("bucket", "bucket_name"), 5)
        XCTAssertEqual(levenshtein("région", "region"), 1)
    }

    func testSuggestions() {
        XCTAssertEqual(suggestion(for: "bucket", among: keys), "bucket_name")
        XCTAssertEqual(suggestion(for: "bucketname", among: keys), "bucket_name")
        XCTAssertEqual(suggestion(for: "Bucket_Name", among: keys), "bucket_name")
        XCTAssertEqual(suggestion(for: "region", among: keys), "region_name")
        XCTAssertEqual(suggestion(for: "acl", among: keys), "default_acl")
        XCTAssertEqual(suggestion(for: "readonly", among: keys), "read_only")
        XCTAssertEqual(suggestion(for: "overwrite", among: keys), "file_overwrite")
        XCTAssertEqual(suggestion(for: "endpoint", among: keys), "endpoint_url")
        XCTAssertEqual(suggestion(for: "acess_key", among: keys), "access_key")
        XCTAssertEqual(suggestion(for: "kms_key_id", among: keys), "sse_kms_key_id")
        XCTAssertNil(suggestion(for: "colour", among: keys))
        XCTAssertNil(suggestion(for: "x", among: keys))
        XCTAssertNil(suggestion(for: "", among: keys))
    }

    func testTOMLKeyQuoting() {
        XCTAssertEqual(tomlKey("media"), "media")
        XCTAssertEqual(tomlKey("tenant-a_1"), "tenant-a_1")
        XCTAssertEqual(tomlKey("Compliance Docs"), "\"Compliance Docs\"")
        XCTAssertEqual(tomlKey("a\"b\\c"), "\"a\\\"b\\\\c\"")
        XCTAssertEqual(tomlKey(""), "\"\"")
        XCTAssertEqual(tomlKey("x.y"), "\"x.y\"")
    }

    func testModuleNameValidation() {
        func reason(_ name: String) -> String? {
            do {
                try validateModuleName(name)
                return nil
            } catch {
                return error.message
            }
        }
        XCTAssertNil(reason("media"))
        XCTAssertNil(reason("Compliance Docs"))
        XCTAssertNil(reason("..."))
        XCTAssertEqual(reason("a\u{0}b"), "module name contains a NUL character, which no directory name can hold")
        XCTAssertEqual(reason("/"), "module name '/' contains '/'; a module name becomes a single directory name")
    }
}

final class ErrorDescriptionTests: XCTestCase {
    func testDescriptionIsOneLine() {
        let error = ConfigError(.invalidValue, file: "a.toml", keyPath: "modules.\"x\ny\"",
                                message: "bad\tvalue \u{1B}[31m")
        XCTAssertEqual(error.description, "a.toml: modules.\"x\\ny\": bad\\tvalue \\u{1b}[31m")
    }

    func testDescriptionParts() {
        XCTAssertEqual(ConfigError(.syntax, file: "a.toml", line: 3, column: 7, message: "m").description,
                       "a.toml: line 3, column 7: m")
        XCTAssertEqual(ConfigError(.invalidEncoding, file: "a.toml", line: 3, message: "m").description,
                       "a.toml: line 3: m")
        XCTAssertEqual(ConfigError(.noModules, message: "m").description, "m")
    }
}
