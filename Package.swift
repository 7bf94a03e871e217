// swift-tools-version: 6.2
// feedwatch: a feed-watching daemon. The targets follow the data flow:
//   config -> schedule -> fetch (HTTP) -> parse -> normalise -> store -> match -> deliver
// and the executable only wires them (see ARCHITECTURE.md).
import PackageDescription

/// Settings shared by every Swift target: Swift 6 language mode plus the upcoming features the
/// swift-server packages use, and warnings as errors so that a warning never lands.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
    .treatAllWarnings(as: .error),
]

/// The parser's SAX callbacks touch the builder's state a few times per element; with dynamic
/// exclusivity checks that bookkeeping cost more than libxml2's parsing. Release builds of the
/// parsing modules drop the runtime check; debug builds (every test run) keep it, so a conflicting
/// access still traps in the tests.
let hotPath: [SwiftSetting] =
    strict + [
        .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))
    ]

let package = Package(
    name: "feedwatch",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "feedwatch", targets: ["feedwatch"]),
        // For the store benchmark (bench/store, its own package): the store and the identity it records.
        .library(name: "FeedwatchStoreKit", targets: ["FeedwatchStore", "FeedwatchNormalise", "FeedwatchModel"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", exact: "0.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/swhitty/FlyingFox", exact: "0.27.1"),
    ],
    targets: [
        // C libraries, each behind a small shim header.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // glibc's own extensions, which Swift's Glibc module does not declare.
        .systemLibrary(name: "CPosix"),
        // SSE2's byte masks for the text passes (inline functions only; no library).
        .systemLibrary(name: "CByteScan"),

        // Values every stage shares: entries, stories, events, JSON writing, time.
        .target(name: "FeedwatchModel", dependencies: ["CCrypto", "CByteScan"], swiftSettings: strict),
        .target(
            name: "FeedwatchConfig",
            dependencies: ["FeedwatchModel", "FeedwatchMatch", .product(name: "TOMLKit", package: "TOMLKit")],
            swiftSettings: strict),
        .target(name: "FeedwatchSchedule", dependencies: ["FeedwatchModel"], swiftSettings: strict),
        .target(
            name: "FeedwatchHTTP",
            dependencies: ["CCurl", "FeedwatchModel", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .target(
            name: "FeedwatchParse", dependencies: ["CLibXML2", "CByteScan", "FeedwatchModel"], swiftSettings: hotPath),
        .target(
            name: "FeedwatchFetch",
            dependencies: ["FeedwatchHTTP", "FeedwatchParse", "FeedwatchModel"],
            swiftSettings: strict),
        .target(name: "FeedwatchNormalise", dependencies: ["CByteScan", "FeedwatchModel"], swiftSettings: strict),
        .target(name: "FeedwatchMatch", dependencies: ["FeedwatchModel"], swiftSettings: strict),
        .target(
            name: "FeedwatchStore",
            dependencies: [
                "FeedwatchModel", "FeedwatchNormalise", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: strict),
        .target(
            name: "FeedwatchDeliver",
            dependencies: [
                "FeedwatchModel", "FeedwatchStore", "FeedwatchHTTP", "CCrypto",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .target(
            name: "FeedwatchDaemon",
            dependencies: [
                "FeedwatchModel", "FeedwatchConfig", "FeedwatchSchedule", "FeedwatchHTTP", "FeedwatchFetch",
                "FeedwatchParse", "FeedwatchNormalise", "FeedwatchMatch", "FeedwatchStore", "FeedwatchDeliver",
                "CPosix", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "feedwatch",
            dependencies: [
                "FeedwatchDaemon", "FeedwatchConfig", "FeedwatchParse", "FeedwatchModel", "FeedwatchMatch",
                "FeedwatchStore", "FeedwatchFetch", "FeedwatchHTTP", "FeedwatchNormalise",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),

        // Helpers for the tests: loopback HTTP servers, temporary directories, the built binary.
        .target(
            name: "TestSupport",
            dependencies: [
                .product(name: "FlyingFox", package: "FlyingFox"), .product(name: "FlyingSocks", package: "FlyingFox"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: strict),
        .testTarget(
            name: "FeedwatchTests",
            dependencies: [
                "FeedwatchModel", "FeedwatchConfig", "FeedwatchSchedule", "FeedwatchHTTP", "FeedwatchParse",
                "FeedwatchFetch", "FeedwatchNormalise", "FeedwatchMatch", "FeedwatchStore", "FeedwatchDeliver",
                "FeedwatchDaemon", "TestSupport",
                .product(name: "FlyingFox", package: "FlyingFox"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "feedwatch", "TestSupport",
                .product(name: "FlyingFox", package: "FlyingFox"),
            ],
            swiftSettings: strict),
    ]
)
