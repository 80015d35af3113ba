// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "smartfs",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "smartfs", targets: ["smartfs"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // C libraries, reached through pkg-config.
        .systemLibrary(name: "CFuse3", pkgConfig: "fuse3", providers: [.apt(["libfuse3-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // The only C code: wrappers for variadic functions and macros Swift cannot call.
        .target(name: "CShims", dependencies: ["CCurl", "CFuse3"]),

        // S3 client: SigV4 signing, libcurl transport, XML, typed errors, retries.
        .target(name: "S3", dependencies: [
            "CCurl", "CCrypto", "CShims",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Configuration: TOML file, presets, fallback, validation.
        .target(name: "Config", dependencies: [
            .product(name: "TOMLKit", package: "TOMLKit"),
        ]),
        // Caches: data blocks, metadata, upload journal.
        .target(name: "Cache", dependencies: [
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Filesystem semantics: path -> module -> bucket/key, handles, errno. No FUSE, no network types.
        .target(name: "FileSystem", dependencies: [
            "Config", "S3", "Cache",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Thin libfuse3 adapter: C callbacks in, FileSystem calls out.
        .target(name: "FUSEAdapter", dependencies: [
            "FileSystem", "CShims",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The command-line tool.
        .executableTarget(name: "smartfs", dependencies: [
            "Config", "S3", "FileSystem", "FUSEAdapter",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        .testTarget(name: "S3Tests", dependencies: ["S3"]),
        .testTarget(name: "ConfigTests", dependencies: ["Config"]),
        .testTarget(name: "FileSystemTests", dependencies: ["FileSystem", "Config", "S3", "Cache"]),
        .testTarget(name: "IntegrationTests", dependencies: ["S3", "Config", "FileSystem"]),
    ],
    swiftLanguageModes: [.v6]
)
