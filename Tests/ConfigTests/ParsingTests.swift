import XCTest
@testable import Config

final class ParsingTests: XCTestCase {
    func testMinimalConfiguration() throws {
        let config = try parse("""
            [modules.media]
            bucket_name = "acme-media"
            """)
        XCTAssertEqual(config.path, testPath)
        XCTAssertEqual(config.modules.count, 1)
        XCTAssertEqual(config.cache, CacheConfiguration())
        let media = try XCTUnwrap(config.module(named: "media"))
        XCTAssertEqual(media.bucket, "acme-media")
        XCTAssertEqual(media.prefix, "media/")
    }

    func testInlineTablesAndDottedKeysAreTheSameAsTableHeaders() throws {
        let config = try parse("""
            [modules]
            media = { bucket_name = "acme-media", location = "uploads" }
            static.bucket_name = "acme-static"
            """)
        XCTAssertEqual(config.module(named: "media")?.prefix, "uploads/")
        XCTAssertEqual(config.module(named: "static")?.bucket, "acme-static")
    }

    func testModulesAreSortedByName() throws {
        let config = try parse("""
            [defaults]
            bucket_name = "acme"
            [modules.zeta]
            location = "z"
            [modules.alpha]
            location = "a"
            [modules.media]
            """)
        XCTAssertEqual(config.modules.map(\.name), ["alpha", "media", "zeta"])
    }

    func testModuleNamedComplianceDocs() throws {
        let config = try parse("""
            [modules."Compliance Docs"]
            bucket_name = "acme-compliance"
            default_acl = "private"
            region_name = "us-gov-west-1"
            read_only = true
            """)
        let module = try XCTUnwrap(config.module(named: "Compliance Docs"))
        XCTAssertEqual(module.name, "Compliance Docs")
        XCTAssertEqual(module.bucket, "acme-compliance")
        XCTAssertEqual(module.prefix, "")
        XCTAssertEqual(module.region, "us-gov-west-1")
        XCTAssertTrue(module.readOnly)
        XCTAssertTrue(module.fileOverwrite)
        XCTAssertNil(config.module(named: "compliance docs"))
    }

    func testKeyPathsQuoteModuleNamesThatAreNotBareKeys() {
        assertParseError("""
            [modules."Compliance Docs"]
            bucket_name = "acme-compliance"
            read_only = "yes"
            """, kind: .wrongType,
            "\(testPath): modules.\"Compliance Docs\".read_only: expected a boolean (true or false, without quotes), "
                + "found a string (\"yes\")")
    }

    func testUnicodeAndPunctuationModuleNames() throws {
        let config = try parse("""
            [defaults]
            bucket_name = "acme"
            [modules.tenant-a]
            location = "a"
            [modules."Données clients"]
            location = "b"
            [modules."日本語"]
            location = "c"
            [modules."x.y"]
            location = "d"
            """)
        XCTAssertEqual(Set(config.modules.map(\.name)), ["tenant-a", "Données clients", "日本語", "x.y"])
    }

    // MARK: - TOML syntax

    func testSyntaxErrorNamesLineAndColumn() {
        let error = assertParseError("""
            [modules.media]
            bucket_name = "acme-media
            """, kind: .syntax,
            "\(testPath): line 2, column 26: invalid TOML: Error while parsing string: "
                + "encountered end-of-file")
        XCTAssertEqual(error?.line, 2)
        XCTAssertEqual(error?.column, 26)
    }

    func testUnterminatedTableHeader() {
        assertParseError("[modules.media\nbucket_name = 'x'\n", kind: .syntax,
                         "\(testPath): line 1, column 15: invalid TOML: Error while parsing table header: "
                             + "expected ']', saw '\\n'")
    }

    func testDuplicateKeyIsASyntaxError() {
        let error = parseError("""
            [modules.media]
            bucket_name = "a-bucket"
            bucket_name = "b-bucket"
            """)
        XCTAssertEqual(error?.kind, .syntax)
        XCTAssertEqual(error?.line, 3)
    }

    // MARK: - Unknown keys

    func testUnknownKeySuggestsTheClosestKey() {
        assertParseError("""
            [modules.media]
            bucket = "acme-media"
            """, kind: .unknownKey,
            "\(testPath): modules.media.bucket: unknown key; did you mean 'bucket_name'?")
    }

    func testUnknownKeyWithATypo() {
        assertParseError("""
            [defaults]
            regoin_name = "eu-west-1"
            [modules.media]
            bucket_name = "acme-media"
            """, kind: .unknownKey,
            "\(testPath): defaults.regoin_name: unknown key; did you mean 'region_name'?")
    }

    func testUnknownKeyWithoutSuggestionListsTheKeys() {
        assertParseError("""
            [modules.media]
            bucket_name = "acme-media"
            colour = "blue"
            """, kind: .unknownKey,
            "\(testPath): modules.media.colour: unknown key; expected one of: bucket_name, location, default_acl, "
                + "access_key, secret_key, session_token, region_name, endpoint_url, addressing_style, profile, "
                + "read_only, file_overwrite, storage_class, server_side_encryption, sse_kms_key_id, cache_control")
    }

    func testUnknownTopLevelTableSuggestsModules() {
        assertParseError("""
            [module.media]
            bucket_name = "acme-media"
            """, kind: .unknownKey,
            "\(testPath): module: unknown top-level table; did you mean 'modules'? "
                + "Expected [defaults], [modules.NAME] and [cache]")
    }

    func testUnknownTopLevelTableWithoutSuggestion() {
        assertParseError("""
            [logging]
            level = "debug"
            [modules.media]
            bucket_name = "acme-media"
            """, kind: .unknownKey,
            "\(testPath): logging: unknown top-level table; expected [defaults], [modules.NAME] and [cache]")
    }

    func testSettingAtTopLevelSaysWhereItBelongs() {
        assertParseError("""
            bucket_name = "acme-media"
            [modules.media]
            """, kind: .unknownKey,
            "\(testPath): bucket_name: unknown top-level key; "
                + "module settings belong in [defaults] or in a [modules.NAME] table")
    }

    func testUnknownCacheKey() {
        assertParseError("""
            [cache]
            ttl = 5
            [modules.media]
            bucket_name = "acme-media"
            """, kind: .unknownKey,
            "\(testPath): cache.ttl: unknown key; did you mean 'metadata_ttl'?")
    }

    func testSubTableInsideAModuleIsAnUnknownKey() {
        assertParseError("""
            [modules.media]
            bucket_name = "acme-media"
            [modules.media.options]
            x = 1
            """, kind: .unknownKey,
            "\(testPath): modules.media.options: unknown key; expected one of: bucket_name, location, default_acl, "
                + "access_key, secret_key, session_token, region_name, endpoint_url, addressing_style, profile, "
                + "read_only, file_overwrite, storage_class, server_side_encryption, sse_kms_key_id, cache_control")
    }

    // MARK: - Wrong types

    func testStringWhereABooleanIsExpected() {
        assertParseError("""
            [modules.media]
            bucket_name = "acme-media"
            read_only = "yes"
            """, kind: .wrongType,
            "\(testPath): modules.media.read_only: expected a boolean (true or false, without quotes), "
                + "found a string (\"yes\")")
    }

    func testIntegerWhereAStringIsExpected() {
        assertParseError("""
            [modules.media]
            bucket_name = 42
            """, kind: .wrongType,
            "\(testPath): modules.media.bucket_name: expected a string, found an integer (42)")
    }

    func testWrongTypeNeverShowsASecret() {
        let error = assertParseError("""
            [modules.media]
            bucket_name = "acme-media"
            access_key = "AKIAEXAMPLEEXAMPLE12"
            secret_key = 123456789
            """, kind: .wrongType,
            "\(testPath): modules.media.secret_key: expected a string, found an integer")
        XCTAssertFalse(error?.description.contains("123456789") ?? true)
    }

    func testModuleThatIsNotATable() {
        assertParseError("""
            [modules]
            media = "acme-media"
            """, kind: .wrongType,
            "\(testPath): modules.media: expected a table ([modules.media]), found a string (\"acme-media\")")
    }

    func testDefaultsThatIsNotATable() {
        assertParseError("""
            defaults = "acme"
            [modules.media]
            bucket_name = "acme-media"
            """, kind: .wrongType,
            "\(testPath): defaults: expected a table ([defaults]), found a string (\"acme\")")
    }

    func testArrayWhereAStringIsExpected() {
        assertParseError("""
            [modules.media]
            bucket_name = ["a-bucket", "b-bucket"]
            """, kind: .wrongType,
            "\(testPath): modules.media.bucket_name: expected a string, found an array")
    }

    // MARK: - Modules

    func testNoModulesAtAll() {
        assertParseError("""
            [defaults]
            bucket_name = "acme"
            """, kind: .noModules,
            "\(testPath): no modules configured (there is no [modules.NAME] table); add at least one, "
                + "e.g. [modules.media] with bucket_name = \"my-bucket\"")
    }

    func testEmptyModulesTable() {
        assertParseError("[modules]\n", kind: .noModules,
                         "\(testPath): no modules configured ([modules] has no module in it); add at least one, "
                             + "e.g. [modules.media] with bucket_name = \"my-bucket\"")
    }

    func testEmptyFile() {
        XCTAssertEqual(parseError("")?.kind, .noModules)
    }

    func testEmptyModuleName() {
        assertParseError("[modules.\"\"]\nbucket_name = \"acme\"\n", kind: .invalidModuleName,
                         "\(testPath): modules.\"\": module name is empty; a module name becomes a directory name")
    }

    func testModuleNameWithSlash() {
        assertParseError("[modules.\"a/b\"]\nbucket_name = \"acme\"\n", kind: .invalidModuleName,
                         "\(testPath): modules.\"a/b\": module name 'a/b' contains '/'; "
                             + "a module name becomes a single directory name")
    }

    func testDotModuleNames() {
        assertParseError("[modules.\".\"]\nbucket_name = \"acme\"\n", kind: .invalidModuleName,
                         "\(testPath): modules.\".\": module name '.' is reserved by the filesystem; "
                             + "choose another name")
        assertParseError("[modules.\"..\"]\nbucket_name = \"acme\"\n", kind: .invalidModuleName,
                         "\(testPath): modules.\"..\": module name '..' is reserved by the filesystem; "
                             + "choose another name")
    }

    func testModuleNameLength() throws {
        let longest = String(repeating: "é", count: 127) + "x"  // 255 bytes
        XCTAssertEqual(longest.utf8.count, 255)
        XCTAssertNotNil(try parse("[modules.\"\(longest)\"]\nbucket_name = \"acme\"\n").module(named: longest))

        let tooLong = String(repeating: "é", count: 128)  // 256 bytes
        let error = parseError("[modules.\"\(tooLong)\"]\nbucket_name = \"acme\"\n")
        XCTAssertEqual(error?.kind, .invalidModuleName)
        XCTAssertTrue(
            error?.description.hasSuffix(
                "module name is 256 bytes long; directory names are limited to 255 bytes") ?? false)
    }

    func testModuleNameWithControlCharacter() {
        let error = parseError("[modules.\"a\\tb\"]\nbucket_name = \"acme\"\n")
        XCTAssertEqual(error?.kind, .invalidModuleName)
        XCTAssertTrue(error?.description.contains("module name contains a control character") ?? false, "\(String(describing: error))")
    }

    func testModuleNameWithEscapedNUL() {
        assertParseError("[modules.\"a\\u0000b\"]\nbucket_name = \"acme\"\n", kind: .invalidEncoding,
                         "\(testPath): line 1, column 12: NUL characters are not allowed in a smartfs configuration")
        assertParseError("[modules.\"a\\U00000000b\"]\nbucket_name = \"acme\"\n", kind: .invalidEncoding,
                         "\(testPath): line 1, column 12: NUL characters are not allowed in a smartfs configuration")
    }

    func testEscapedBackslashBeforeU0000IsNotANUL() throws {
        let config = try parse("[modules.\"a\\\\u0000b\"]\nbucket_name = \"acme\"\n")
        XCTAssertEqual(config.modules.map(\.name), ["a\\u0000b"])
    }

    func testValueWithEscapedNUL() {
        assertParseError("[modules.a]\nbucket_name = \"acme\\u0000x\"\n", kind: .invalidEncoding,
                         "\(testPath): line 2, column 20: NUL characters are not allowed in a smartfs configuration")
    }

    func testModuleNamesThatDifferOnlyInNormalization() {
        let error = parseError("""
            [defaults]
            bucket_name = "acme"
            [modules."caf\u{E9}"]
            location = "one"
            [modules."cafe\u{301}"]
            location = "two"
            """)
        XCTAssertEqual(error?.kind, .invalidModuleName)
        XCTAssertTrue(error?.description.contains("only in Unicode normalization") ?? false)
    }

    // MARK: - Cache

    func testCacheDefaults() throws {
        let cache = try parse("[modules.a]\nbucket_name = \"acme\"\n").cache
        XCTAssertNil(cache.directory)
        XCTAssertEqual(cache.maxSize, 10 * 1024 * 1024 * 1024)
        XCTAssertEqual(cache.metadataTTL, 5)
    }

    func testCacheSettings() throws {
        let cache = try parse("""
            [cache]
            dir = "/var/cache/smartfs"
            max_size = "512MiB"
            metadata_ttl = "5m"
            [modules.a]
            bucket_name = "acme"
            """).cache
        XCTAssertEqual(cache, CacheConfiguration(directory: "/var/cache/smartfs", maxSize: 512 << 20, metadataTTL: 300))
    }

    func testCacheNumbers() throws {
        let cache = try parse("""
            [cache]
            max_size = 1048576
            metadata_ttl = 0.5
            [modules.a]
            bucket_name = "acme"
            """).cache
        XCTAssertEqual(cache.maxSize, 1_048_576)
        XCTAssertEqual(cache.metadataTTL, 0.5)
        let module = "[modules.a]\nbucket_name = \"acme\"\n"
        XCTAssertEqual(try parse("[cache]\nmetadata_ttl = 30\n" + module).cache.metadataTTL, 30)
        XCTAssertEqual(try parse("[cache]\nmetadata_ttl = 0\n" + module).cache.metadataTTL, 0)
    }

    func testCacheDirectoryExpandsTilde() throws {
        let cache = try parse("[cache]\ndir = \"~/.cache/smartfs\"\n[modules.a]\nbucket_name = \"acme\"\n",
                              environment: ["HOME": "/home/ana"]).cache
        XCTAssertEqual(cache.directory, "/home/ana/.cache/smartfs")
    }

    func testRelativeCacheDirectoryIsRefused() {
        assertParseError("[cache]\ndir = \"cache\"\n[modules.a]\nbucket_name = \"acme\"\n", kind: .invalidValue,
                         "\(testPath): cache.dir: 'cache' is not an absolute path; "
                             + "use an absolute path or one starting with '~/'")
    }

    func testTildeWithoutHome() {
        assertParseError("[cache]\ndir = \"~/c\"\n[modules.a]\nbucket_name = \"acme\"\n", kind: .invalidValue,
                         "\(testPath): cache.dir: '~/c' starts with '~' but HOME is not set; use an absolute path")
    }

    func testInvalidMaxSize() {
        let expected = "expected a size in bytes greater than zero, as an integer or a string such as "
            + "\"10GiB\", \"512MiB\", \"1G\" or \"100M\""
        assertParseError("[cache]\nmax_size = \"10 furlongs\"\n[modules.a]\nbucket_name = \"acme\"\n",
                         kind: .invalidValue,
                         "\(testPath): cache.max_size: \(expected); found a string (\"10 furlongs\")")
        assertParseError("[cache]\nmax_size = 0\n[modules.a]\nbucket_name = \"acme\"\n",
                         kind: .invalidValue, "\(testPath): cache.max_size: \(expected); found an integer (0)")
        assertParseError("[cache]\nmax_size = -5\n[modules.a]\nbucket_name = \"acme\"\n",
                         kind: .invalidValue, "\(testPath): cache.max_size: \(expected); found an integer (-5)")
        assertParseError("[cache]\nmax_size = 1.5\n[modules.a]\nbucket_name = \"acme\"\n",
                         kind: .wrongType,
                         "\(testPath): cache.max_size: \(expected); found a floating-point number (1.5)")
    }

    func testInvalidMetadataTTL() {
        let expected = "expected a duration of zero or more seconds, as a number or a string such as \"30s\" or \"5m\""
        assertParseError("[cache]\nmetadata_ttl = true\n[modules.a]\nbucket_name = \"acme\"\n",
                         kind: .wrongType, "\(testPath): cache.metadata_ttl: \(expected); found a boolean (true)")
        assertParseError("[cache]\nmetadata_ttl = -1\n[modules.a]\nbucket_name = \"acme\"\n",
                         kind: .invalidValue, "\(testPath): cache.metadata_ttl: \(expected); found an integer (-1)")
        assertParseError("[cache]\nmetadata_ttl = \"soon\"\n[modules.a]\nbucket_name = \"acme\"\n",
                         kind: .invalidValue, "\(testPath): cache.metadata_ttl: \(expected); found a string (\"soon\")")
        XCTAssertEqual(parseError("[cache]\nmetadata_ttl = nan\n[modules.a]\nbucket_name = \"acme\"\n")?.kind,
                       .invalidValue)
    }

    func testCacheThatIsNotATable() {
        assertParseError("cache = \"/tmp\"\n[modules.a]\nbucket_name = \"acme\"\n", kind: .wrongType,
                         "\(testPath): cache: expected a table ([cache]), found a string (\"/tmp\")")
    }
}
