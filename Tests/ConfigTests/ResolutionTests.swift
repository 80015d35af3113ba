import XCTest
@testable import Config

final class PresetTests: XCTestCase {
    private let allPresets = """
        [defaults]
        bucket_name = "acme-files"
        [modules.media]
        [modules.static]
        [modules.documents]
        [modules.private]
        [modules.public]
        """

    func testPresetLocationsACLsAndOverwrite() throws {
        let config = try parse(allPresets)
        let expected: [(String, String, String, ValueSource, Bool)] = [
            ("documents", "documents/", "private", .preset, false),
            ("media", "media/", "private", .builtin, false),
            ("private", "private/", "private", .preset, false),
            ("public", "public/", "public-read", .preset, true),
            ("static", "static/", "private", .builtin, true),
        ]
        XCTAssertEqual(config.modules.map(\.name), expected.map(\.0))
        for (name, prefix, acl, aclSource, overwrite) in expected {
            let module = try XCTUnwrap(config.module(named: name))
            XCTAssertEqual(module.prefix, prefix, name)
            XCTAssertEqual(module.acl, acl, name)
            XCTAssertEqual(module.fileOverwrite, overwrite, name)
            XCTAssertEqual(module.sources["location"], .preset, name)
            XCTAssertEqual(module.sources["default_acl"], aclSource, name)
            XCTAssertEqual(module.sources["file_overwrite"], .preset, name)
        }
    }

    func testMediaAndStaticTakeTheirACLFromDefaultsThenEnvironment() throws {
        let fromDefaults = try parse("""
            [defaults]
            bucket_name = "acme-files"
            default_acl = "public-read"
            [modules.media]
            [modules.documents]
            """, environment: ["AWS_DEFAULT_ACL": "authenticated-read"])
        XCTAssertEqual(fromDefaults.module(named: "media")?.acl, "public-read")
        XCTAssertEqual(fromDefaults.module(named: "media")?.sources["default_acl"], .defaults)
        // The documents preset says private, and a preset wins over [defaults].
        XCTAssertEqual(fromDefaults.module(named: "documents")?.acl, "private")

        let fromEnvironment = try parse("[modules.static]\n",
                                        environment: ["AWS_STORAGE_BUCKET_NAME": "acme-files",
                                                      "AWS_DEFAULT_ACL": "public-read"])
        XCTAssertEqual(fromEnvironment.module(named: "static")?.acl, "public-read")
        XCTAssertEqual(fromEnvironment.module(named: "static")?.sources["default_acl"], .environment)
    }

    func testExplicitSettingsWinOverPresets() throws {
        let config = try parse("""
            [modules.public]
            bucket_name = "acme-public"
            location = "www"
            default_acl = "private"
            file_overwrite = false
            """)
        let module = try XCTUnwrap(config.module(named: "public"))
        XCTAssertEqual(module.prefix, "www/")
        XCTAssertEqual(module.acl, "private")
        XCTAssertFalse(module.fileOverwrite)
        XCTAssertEqual(module.sources["location"], .module)
        XCTAssertEqual(module.sources["default_acl"], .module)
        XCTAssertEqual(module.sources["file_overwrite"], .module)
    }

    func testPresetsWinOverDefaults() throws {
        let config = try parse("""
            [defaults]
            bucket_name = "acme-files"
            location = "shared"
            default_acl = "public-read"
            file_overwrite = true
            [modules.documents]
            """)
        let module = try XCTUnwrap(config.module(named: "documents"))
        XCTAssertEqual(module.prefix, "documents/")
        XCTAssertEqual(module.acl, "private")
        XCTAssertFalse(module.fileOverwrite)
    }

    func testCustomModuleBuiltins() throws {
        let config = try parse("""
            [modules.uploads]
            bucket_name = "acme-uploads"
            """)
        let module = try XCTUnwrap(config.module(named: "uploads"))
        XCTAssertEqual(module.prefix, "")
        XCTAssertEqual(module.acl, "private")
        XCTAssertEqual(module.region, "us-east-1")
        XCTAssertNil(module.endpointURL)
        XCTAssertEqual(module.addressingStyle, .virtual)
        XCTAssertFalse(module.readOnly)
        XCTAssertTrue(module.fileOverwrite)
        XCTAssertNil(module.accessKey)
        XCTAssertNil(module.secretKey)
        XCTAssertNil(module.sessionToken)
        XCTAssertNil(module.profile)
        XCTAssertEqual(module.sources, [
            "bucket_name": .module, "location": .builtin, "default_acl": .builtin, "region_name": .builtin,
            "addressing_style": .builtin, "read_only": .builtin, "file_overwrite": .builtin,
        ])
    }

    func testCustomModuleOverwriteFromDefaults() throws {
        let config = try parse("""
            [defaults]
            bucket_name = "acme"
            file_overwrite = false
            [modules.uploads]
            location = "uploads"
            [modules.static]
            """)
        XCTAssertEqual(config.module(named: "uploads")?.fileOverwrite, false)
        XCTAssertEqual(config.module(named: "uploads")?.sources["file_overwrite"], .defaults)
        XCTAssertEqual(config.module(named: "static")?.fileOverwrite, true)
    }

    func testOnlyConfiguredModulesAreMounted() throws {
        let config = try parse("""
            [defaults]
            bucket_name = "acme"
            [modules.media]
            """)
        XCTAssertEqual(config.modules.map(\.name), ["media"])
        XCTAssertNil(config.module(named: "static"))
    }
}

final class FallbackTests: XCTestCase {
    func testBucketFromDefaults() throws {
        let config = try parse("""
            [defaults]
            bucket_name = "acme-default"
            [modules.uploads]
            """, environment: ["AWS_STORAGE_BUCKET_NAME": "acme-env"])
        XCTAssertEqual(config.module(named: "uploads")?.bucket, "acme-default")
        XCTAssertEqual(config.module(named: "uploads")?.sources["bucket_name"], .defaults)
    }

    func testBucketFromEnvironment() throws {
        let config = try parse("[modules.uploads]\n", environment: ["AWS_STORAGE_BUCKET_NAME": "acme-env"])
        XCTAssertEqual(config.module(named: "uploads")?.bucket, "acme-env")
        XCTAssertEqual(config.module(named: "uploads")?.sources["bucket_name"], .environment)
    }

    func testModuleWithoutAnyBucket() {
        assertParseError("[modules.x]\nlocation = \"x\"\n", kind: .missingBucket,
                         "\(testPath): modules.x: module 'x' has no bucket_name, and neither [defaults] nor "
                             + "AWS_STORAGE_BUCKET_NAME sets one")
    }

    func testEmptyEnvironmentValuesCountAsUnset() {
        assertParseError("[modules.x]\n", environment: ["AWS_STORAGE_BUCKET_NAME": ""], kind: .missingBucket,
                         "\(testPath): modules.x: module 'x' has no bucket_name, and neither [defaults] nor "
                             + "AWS_STORAGE_BUCKET_NAME sets one")
    }

    func testLocationFromDefaultsThenEnvironment() throws {
        let environment = ["AWS_STORAGE_BUCKET_NAME": "acme", "AWS_LOCATION": "/from-env/"]
        let fromEnvironment = try parse("[modules.uploads]\n", environment: environment)
        XCTAssertEqual(fromEnvironment.module(named: "uploads")?.prefix, "from-env/")
        XCTAssertEqual(fromEnvironment.module(named: "uploads")?.sources["location"], .environment)

        let fromDefaults = try parse("[defaults]\nlocation = \"app\"\n[modules.uploads]\n", environment: environment)
        XCTAssertEqual(fromDefaults.module(named: "uploads")?.prefix, "app/")
        XCTAssertEqual(fromDefaults.module(named: "uploads")?.sources["location"], .defaults)

        // A preset location wins over [defaults] and the environment.
        let preset = try parse("[defaults]\nlocation = \"app\"\n[modules.media]\n", environment: environment)
        XCTAssertEqual(preset.module(named: "media")?.prefix, "media/")
    }

    func testRegionPrecedence() throws {
        let toml = "[modules.uploads]\nbucket_name = \"acme\"\n"
        var environment = ["AWS_S3_REGION_NAME": "eu-west-3"]
        XCTAssertEqual(try parse(toml, environment: environment).modules[0].region, "eu-west-3")
        environment["AWS_DEFAULT_REGION"] = "eu-west-2"
        XCTAssertEqual(try parse(toml, environment: environment).modules[0].region, "eu-west-2")
        environment["AWS_REGION"] = "eu-west-1"
        let fromEnvironment = try parse(toml, environment: environment).modules[0]
        XCTAssertEqual(fromEnvironment.region, "eu-west-1")
        XCTAssertEqual(fromEnvironment.sources["region_name"], .environment)

        let fromDefaults = try parse("[defaults]\nregion_name = \"ca-central-1\"\n" + toml, environment: environment)
        XCTAssertEqual(fromDefaults.modules[0].region, "ca-central-1")
        XCTAssertEqual(fromDefaults.modules[0].sources["region_name"], .defaults)

        let fromModule = try parse("[defaults]\nregion_name = \"ca-central-1\"\n" + toml
                                       + "region_name = \"us-gov-west-1\"\n", environment: environment)
        XCTAssertEqual(fromModule.modules[0].region, "us-gov-west-1")
        XCTAssertEqual(fromModule.modules[0].sources["region_name"], .module)
    }

    func testEndpointPrecedenceAndAddressing() throws {
        let toml = "[modules.uploads]\nbucket_name = \"acme\"\n"
        var environment = ["AWS_S3_ENDPOINT_URL": "http://minio-c:9000/"]
        var module = try parse(toml, environment: environment).modules[0]
        XCTAssertEqual(module.endpointURL, "http://minio-c:9000")
        XCTAssertEqual(module.addressingStyle, .path)
        XCTAssertEqual(module.sources["addressing_style"], .builtin)
        environment["AWS_ENDPOINT_URL"] = "http://minio-b:9000"
        XCTAssertEqual(try parse(toml, environment: environment).modules[0].endpointURL, "http://minio-b:9000")
        environment["AWS_ENDPOINT_URL_S3"] = "https://minio-a"
        module = try parse(toml, environment: environment).modules[0]
        XCTAssertEqual(module.endpointURL, "https://minio-a")
        XCTAssertEqual(module.sources["endpoint_url"], .environment)

        environment["AWS_S3_ADDRESSING_STYLE"] = "virtual"
        module = try parse(toml, environment: environment).modules[0]
        XCTAssertEqual(module.addressingStyle, .virtual)
        XCTAssertEqual(module.sources["addressing_style"], .environment)

        module = try parse(toml + "addressing_style = \"path\"\n", environment: environment).modules[0]
        XCTAssertEqual(module.addressingStyle, .path)
        XCTAssertEqual(module.sources["addressing_style"], .module)
    }

    func testWithoutEndpointAddressingIsVirtual() throws {
        let module = try parse("[modules.uploads]\nbucket_name = \"acme\"\n").modules[0]
        XCTAssertNil(module.endpointURL)
        XCTAssertNil(module.sources["endpoint_url"])
        XCTAssertEqual(module.addressingStyle, .virtual)
    }

    func testProfileFromEnvironment() throws {
        let module = try parse("[modules.uploads]\nbucket_name = \"acme\"\n",
                               environment: ["AWS_PROFILE": "prod"]).modules[0]
        XCTAssertEqual(module.profile, "prod")
        XCTAssertEqual(module.sources["profile"], .environment)
    }

    func testInvalidEnvironmentValueNamesTheVariable() {
        assertParseError("[modules.uploads]\nbucket_name = \"acme\"\n", environment: ["AWS_DEFAULT_ACL": "nope"],
                         kind: .invalidValue,
                         "\(testPath): environment variable AWS_DEFAULT_ACL: unknown canned ACL 'nope'; expected one "
                             + "of: private, public-read, public-read-write, authenticated-read, aws-exec-read, "
                             + "bucket-owner-read, bucket-owner-full-control, log-delivery-write")
        assertParseError("[modules.uploads]\nbucket_name = \"acme\"\n",
                         environment: ["AWS_S3_ADDRESSING_STYLE": "auto"], kind: .invalidValue,
                         "\(testPath): environment variable AWS_S3_ADDRESSING_STYLE: unknown addressing style "
                             + "'auto'; expected one of: path, virtual")
        assertParseError("[modules.uploads]\n", environment: ["AWS_STORAGE_BUCKET_NAME": "Acme_Files"],
                         kind: .invalidValue,
                         "\(testPath): environment variable AWS_STORAGE_BUCKET_NAME: bucket name 'Acme_Files' "
                             + "contains uppercase letters; S3 bucket names have 3 to 63 characters: lowercase "
                             + "letters, digits, dots and hyphens (try 'acme-files')")
    }

    func testUnusedEnvironmentValueIsNotChecked() throws {
        let module = try parse("[modules.uploads]\nbucket_name = \"acme\"\ndefault_acl = \"private\"\n",
                               environment: ["AWS_DEFAULT_ACL": "nope"]).modules[0]
        XCTAssertEqual(module.acl, "private")
    }

    func testReadOnlyAndOptionalSettingsFromDefaults() throws {
        let config = try parse("""
            [defaults]
            bucket_name = "acme"
            read_only = true
            storage_class = "STANDARD_IA"
            cache_control = "max-age=3600"
            [modules.archive]
            location = "archive"
            [modules.live]
            location = "live"
            read_only = false
            storage_class = "STANDARD"
            """)
        let archive = try XCTUnwrap(config.module(named: "archive"))
        XCTAssertTrue(archive.readOnly)
        XCTAssertEqual(archive.sources["read_only"], .defaults)
        XCTAssertEqual(archive.storageClass, "STANDARD_IA")
        XCTAssertEqual(archive.cacheControl, "max-age=3600")
        let live = try XCTUnwrap(config.module(named: "live"))
        XCTAssertFalse(live.readOnly)
        XCTAssertEqual(live.sources["read_only"], .module)
        XCTAssertEqual(live.storageClass, "STANDARD")
        XCTAssertEqual(live.cacheControl, "max-age=3600")
    }

    func testFullSourcesOfAModule() throws {
        let config = try parse("""
            [defaults]
            bucket_name = "acme"
            region_name = "eu-west-1"
            [modules.media]
            server_side_encryption = "aws:kms"
            sse_kms_key_id = "alias/media"
            """, environment: ["AWS_ENDPOINT_URL": "https://s3.example.com",
                               "AWS_ACCESS_KEY_ID": "AKIAEXAMPLEEXAMPLE12", "AWS_SECRET_ACCESS_KEY": "s3cr3t"])
        let media = try XCTUnwrap(config.module(named: "media"))
        XCTAssertEqual(media.sources, [
            "bucket_name": .defaults, "location": .preset, "default_acl": .builtin, "access_key": .environment,
            "secret_key": .environment, "region_name": .defaults, "endpoint_url": .environment,
            "addressing_style": .builtin, "read_only": .builtin, "file_overwrite": .preset,
            "server_side_encryption": .module, "sse_kms_key_id": .module,
        ])
        XCTAssertEqual(media, ModuleConfiguration(
            name: "media", bucket: "acme", prefix: "media/", acl: "private",
            accessKey: "AKIAEXAMPLEEXAMPLE12", secretKey: "s3cr3t", region: "eu-west-1",
            endpointURL: "https://s3.example.com", addressingStyle: .path, fileOverwrite: false,
            serverSideEncryption: "aws:kms", sseKMSKeyID: "alias/media", sources: media.sources))
    }
}

final class CredentialTests: XCTestCase {
    private let environment = [
        "AWS_ACCESS_KEY_ID": "AKIAENVIRONMENT00001", "AWS_SECRET_ACCESS_KEY": "env-secret",
        "AWS_SESSION_TOKEN": "env-token", "AWS_STORAGE_BUCKET_NAME": "acme",
    ]

    func testCredentialsFromTheEnvironment() throws {
        let module = try parse("[modules.uploads]\n", environment: environment).modules[0]
        XCTAssertEqual(module.accessKey, "AKIAENVIRONMENT00001")
        XCTAssertEqual(module.secretKey, "env-secret")
        XCTAssertEqual(module.sessionToken, "env-token")
        XCTAssertEqual(module.sources["access_key"], .environment)
        XCTAssertEqual(module.sources["session_token"], .environment)
    }

    func testCredentialsFromDefaults() throws {
        let module = try parse("""
            [defaults]
            access_key = "AKIADEFAULTS00000001"
            secret_key = "defaults-secret"
            [modules.uploads]
            """, environment: environment).modules[0]
        XCTAssertEqual(module.accessKey, "AKIADEFAULTS00000001")
        XCTAssertEqual(module.secretKey, "defaults-secret")
        XCTAssertNil(module.sessionToken, "the environment's token belongs to the environment's key")
        XCTAssertEqual(module.sources["access_key"], .defaults)
        XCTAssertNil(module.sources["session_token"])
    }

    func testModuleCredentialsAreNotMixedWithBroaderOnes() throws {
        let module = try parse("""
            [defaults]
            access_key = "AKIADEFAULTS00000001"
            secret_key = "defaults-secret"
            session_token = "defaults-token"
            profile = "shared"
            [modules.tenant-a]
            access_key = "AKIATENANTA000000001"
            secret_key = "tenant-secret"
            """, environment: environment).modules[0]
        XCTAssertEqual(module.accessKey, "AKIATENANTA000000001")
        XCTAssertEqual(module.secretKey, "tenant-secret")
        XCTAssertNil(module.sessionToken)
        XCTAssertNil(module.profile)
        XCTAssertEqual(module.sources["access_key"], .module)
    }

    func testModuleProfileReplacesBroaderKeys() throws {
        let module = try parse("[modules.uploads]\nprofile = \"tenant\"\n", environment: environment).modules[0]
        XCTAssertEqual(module.profile, "tenant")
        XCTAssertNil(module.accessKey)
        XCTAssertNil(module.secretKey)
        XCTAssertEqual(module.sources["profile"], .module)
    }

    func testHalfAKeyPairIsAnError() {
        assertParseError("[modules.uploads]\naccess_key = \"AKIAEXAMPLEEXAMPLE12\"\n", environment: environment,
                         kind: .invalidValue,
                         "\(testPath): modules.uploads: access_key is set but secret_key is not; set both, or neither")
        assertParseError("[defaults]\nsecret_key = \"s\"\n[modules.uploads]\naccess_key = \"AKIAEXAMPLEEXAMPLE12\"\n"
                            + "secret_key = \"t\"\n", kind: .invalidValue,
                         "\(testPath): defaults: secret_key is set but access_key is not; set both, or neither")
    }

    func testHalfAKeyPairInTheEnvironment() {
        assertParseError("[modules.uploads]\nbucket_name = \"acme\"\n",
                         environment: ["AWS_ACCESS_KEY_ID": "AKIAEXAMPLEEXAMPLE12"], kind: .invalidValue,
                         "\(testPath): environment: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not; "
                             + "set both, or neither")
    }

    func testSessionTokenWithoutAKeyPair() {
        assertParseError("[modules.uploads]\nbucket_name = \"acme\"\nsession_token = \"tok\"\n", kind: .invalidValue,
                         "\(testPath): modules.uploads: session_token is set but access_key and secret_key are not; "
                             + "a session token only goes with a key pair")
    }

    func testCredentialsMustNotContainSpaces() {
        let error = assertParseError(
            "[modules.uploads]\nbucket_name = \"acme\"\naccess_key = \"AKIA EXAMPLE\"\nsecret_key = \"x y\"\n",
            kind: .invalidValue, "\(testPath): modules.uploads.access_key: the value contains a space")
        XCTAssertFalse(error?.description.contains("AKIA EXAMPLE") ?? true)
    }
}

final class EncryptionTests: XCTestCase {
    func testKMSKeyWithKMSEncryption() throws {
        let module = try parse("""
            [modules.vault]
            bucket_name = "acme-vault"
            server_side_encryption = "aws:kms"
            sse_kms_key_id = "arn:aws:kms:us-east-1:111122223333:key/abcd"
            """).modules[0]
        XCTAssertEqual(module.serverSideEncryption, "aws:kms")
        XCTAssertEqual(module.sseKMSKeyID, "arn:aws:kms:us-east-1:111122223333:key/abcd")
    }

    func testKMSKeyWithoutEncryption() {
        assertParseError("""
            [modules.vault]
            bucket_name = "acme-vault"
            sse_kms_key_id = "alias/vault"
            """, kind: .invalidValue,
            "\(testPath): modules.vault.sse_kms_key_id: module 'vault': sse_kms_key_id requires "
                + "server_side_encryption = \"aws:kms\", but server_side_encryption is not set")
    }

    func testKMSKeyWithAES256() {
        assertParseError("""
            [modules.vault]
            bucket_name = "acme-vault"
            server_side_encryption = "AES256"
            sse_kms_key_id = "alias/vault"
            """, kind: .invalidValue,
            "\(testPath): modules.vault.sse_kms_key_id: sse_kms_key_id requires server_side_encryption = \"aws:kms\", "
                + "but server_side_encryption is 'AES256'")
    }

    func testKMSKeyFromDefaultsAppliesOnlyToKMSModules() throws {
        let config = try parse("""
            [defaults]
            bucket_name = "acme"
            server_side_encryption = "aws:kms"
            sse_kms_key_id = "alias/shared"
            [modules.kms]
            location = "kms"
            [modules.plain]
            location = "plain"
            server_side_encryption = "AES256"
            """)
        XCTAssertEqual(config.module(named: "kms")?.sseKMSKeyID, "alias/shared")
        XCTAssertEqual(config.module(named: "kms")?.sources["sse_kms_key_id"], .defaults)
        XCTAssertEqual(config.module(named: "plain")?.serverSideEncryption, "AES256")
        XCTAssertNil(config.module(named: "plain")?.sseKMSKeyID)
        XCTAssertNil(config.module(named: "plain")?.sources["sse_kms_key_id"])
    }

    func testKMSKeyFromDefaultsForAModuleWithoutEncryption() {
        assertParseError("""
            [defaults]
            bucket_name = "acme"
            sse_kms_key_id = "alias/shared"
            [modules.kms]
            location = "kms"
            server_side_encryption = "aws:kms"
            [modules.plain]
            location = "plain"
            """, kind: .invalidValue,
            "\(testPath): defaults.sse_kms_key_id: module 'plain': sse_kms_key_id requires "
                + "server_side_encryption = \"aws:kms\", but server_side_encryption is not set")
    }

    func testBadServerSideEncryption() {
        assertParseError("[modules.vault]\nbucket_name = \"acme\"\nserver_side_encryption = \"kms\"\n",
                         kind: .invalidValue,
                         "\(testPath): modules.vault.server_side_encryption: unknown server-side encryption 'kms'; "
                             + "did you mean 'aws:kms'? Expected one of: AES256, aws:kms")
    }
}

final class OverlapTests: XCTestCase {
    func testTwoModulesOnTheWholeOfOneBucket() {
        assertParseError("""
            [modules.a]
            bucket_name = "acme"
            [modules.b]
            bucket_name = "acme"
            """, kind: .overlappingModules,
            "\(testPath): modules 'a' and 'b' both use the whole of bucket 'acme', so their files would mix; "
                + "give each module its own location or its own bucket")
    }

    func testNestedPrefixes() {
        assertParseError("""
            [defaults]
            bucket_name = "acme"
            [modules.media]
            [modules.thumbs]
            location = "media/thumbs"
            """, kind: .overlappingModules,
            "\(testPath): modules 'media' and 'thumbs' both use bucket 'acme' with overlapping prefixes 'media/' "
                + "and 'media/thumbs/', so their files would mix; give each module its own location or its own bucket")
    }

    func testWholeBucketOverlapsEveryPrefix() {
        assertParseError("""
            [defaults]
            bucket_name = "acme"
            [modules.media]
            [modules.uploads]
            """, kind: .overlappingModules,
            "\(testPath): modules 'media' and 'uploads' both use bucket 'acme' with overlapping prefixes 'media/' "
                + "and '' (the whole bucket), so their files would mix; give each module its own location or its "
                + "own bucket")
    }

    func testSamePrefixSpelledDifferently() {
        assertParseError("""
            [defaults]
            bucket_name = "acme"
            [modules.media]
            [modules.pictures]
            location = "/media//"
            """, kind: .overlappingModules,
            "\(testPath): modules 'media' and 'pictures' both use bucket 'acme' with the same prefix 'media/', so "
                + "their files would mix; give each module its own location or its own bucket")
    }

    func testPresetsShareADefaultBucket() throws {
        let config = try parse("""
            [defaults]
            bucket_name = "acme"
            [modules.media]
            [modules.static]
            [modules.mediathek]
            location = "mediathek"
            """)
        XCTAssertEqual(config.modules.count, 3)
    }

    func testSameBucketNameOnDifferentEndpointsIsFine() throws {
        let config = try parse("""
            [modules.aws]
            bucket_name = "acme"
            [modules.minio]
            bucket_name = "acme"
            endpoint_url = "http://localhost:9000"
            [modules.other-minio]
            bucket_name = "acme"
            endpoint_url = "http://localhost:9001"
            """)
        XCTAssertEqual(config.modules.count, 3)
    }

    func testSameEndpointSpelledDifferently() {
        XCTAssertEqual(parseError("""
            [modules.a]
            bucket_name = "acme"
            endpoint_url = "http://LOCALHOST:9000/"
            [modules.b]
            bucket_name = "acme"
            endpoint_url = "HTTP://localhost:9000"
            """)?.kind, .overlappingModules)
    }
}
