// swift-tools-version: 6.2
// The store benchmark, a package of its own so that it never slows feedwatch's build or tests:
// `make bench` builds it in release mode.
import PackageDescription

let package = Package(
    name: "store-bench",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "feedwatch", path: "../..")],
    targets: [
        .executableTarget(
            name: "store-bench",
            dependencies: [.product(name: "FeedwatchStoreKit", package: "feedwatch")],
            swiftSettings: [.swiftLanguageMode(.v6)])
    ]
)
