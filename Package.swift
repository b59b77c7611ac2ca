// swift-tools-version: 6.2

import PackageDescription

let package = Package(
    name: "prestart",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "prestart", targets: ["prestart"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .target(name: "CPrestartShims"),
        .target(
            name: "PrestartCore",
            dependencies: [
                "CLibPQ",
                "CSQLite",
                "CPrestartShims",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "prestart",
            dependencies: [
                "PrestartCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "PrestartTestSupport",
            dependencies: ["PrestartCore"],
            path: "Tests/PrestartTestSupport"
        ),
        .testTarget(
            name: "PrestartCoreTests",
            dependencies: ["PrestartCore", "PrestartTestSupport"]
        ),
        .testTarget(
            name: "PrestartIntegrationTests",
            dependencies: ["PrestartCore", "PrestartTestSupport"]
        ),
    ]
)

// libFuzzer targets (Fuzz/README.md). Declared only when PRESTART_FUZZ is set, so the normal build never compiles
// them; `scripts/fuzz` builds them with `-sanitize=fuzzer` in `.build-fuzz`.
if Context.environment["PRESTART_FUZZ"] != nil {
    package.targets += [
        .executableTarget(name: "FuzzConfig", dependencies: ["PrestartCore"], path: "Fuzz/Sources/FuzzConfig"),
        .executableTarget(name: "FuzzSQLParameters", dependencies: ["PrestartCore", "CSQLite"], path: "Fuzz/Sources/FuzzSQLParameters"),
    ]
}

for target in package.targets where [.executable, .test, .regular].contains(target.type) {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    settings.append(.enableUpcomingFeature("NonisolatedNonsendingByDefault"))
    target.swiftSettings = settings
}
