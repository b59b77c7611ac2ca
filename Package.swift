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
    ],
    targets: [
        // Types and constants only: libpq itself is opened with dlopen (PrestartDatabase's LibPQ), so no pkgConfig,
        // whose flags would link it.
        .systemLibrary(
            name: "CLibPQ",
            providers: [.apt(["libpq-dev"])]
        ),
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // Likewise for libcrypto: opened with dlopen by Checksum on the first digest.
        .systemLibrary(
            name: "CLibCrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        .systemLibrary(
            name: "CPgQuery",
            providers: [.apt(["libpg-query-dev"])]
        ),
        .target(name: "CPrestartShims"),
        // The operating system: descriptors, files, environment, JSON, durations, checksums, child processes,
        // signals and the PID-1 supervisor. Knows nothing of databases, steps or config.
        .target(
            name: "PrestartSystem",
            dependencies: [
                "CPrestartShims",
                "CLibCrypto",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The databases: libpq and SQLite drivers, URLs, SQL scripts, typed errors, the connection pool.
        .target(
            name: "PrestartDatabase",
            dependencies: ["CLibPQ", "CSQLite", "CPrestartShims", "PrestartSystem"]
        ),
        // SQL lint with PostgreSQL's own parser (libpg_query): statements, the locks they take, the rules. Knows
        // nothing of steps or config; only `check` and `plan` reach its code.
        .target(
            name: "PrestartLint",
            dependencies: ["CPgQuery", "PrestartSystem"]
        ),
        // prestart itself: the config file, the step graph, the engine and its step kinds, the ledger, the report.
        .target(
            name: "PrestartCore",
            dependencies: [
                "PrestartSystem",
                "PrestartDatabase",
                "PrestartLint",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]
        ),
        .executableTarget(
            name: "prestart",
            dependencies: [
                "PrestartCore",
                "PrestartSystem",
                "PrestartDatabase",
                "PrestartLint",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "PrestartTestSupport",
            dependencies: ["PrestartCore", "PrestartSystem", "PrestartDatabase"],
            path: "Tests/PrestartTestSupport"
        ),
        .testTarget(
            name: "PrestartCoreTests",
            dependencies: ["PrestartCore", "PrestartSystem", "PrestartDatabase", "PrestartLint", "PrestartTestSupport"]
        ),
        .testTarget(
            name: "PrestartIntegrationTests",
            dependencies: ["PrestartCore", "PrestartSystem", "PrestartDatabase", "PrestartLint", "PrestartTestSupport"]
        ),
    ]
)

// libFuzzer targets (Fuzz/README.md). Declared only when PRESTART_FUZZ is set, so the normal build never compiles
// them; `scripts/fuzz` builds them with `-sanitize=fuzzer` in `.build-fuzz`.
if Context.environment["PRESTART_FUZZ"] != nil {
    package.targets += [
        .executableTarget(name: "FuzzConfig", dependencies: ["PrestartCore", "PrestartSystem"], path: "Fuzz/Sources/FuzzConfig"),
        .executableTarget(name: "FuzzSQLParameters", dependencies: ["PrestartDatabase", "PrestartSystem", "CSQLite"], path: "Fuzz/Sources/FuzzSQLParameters"),
        .executableTarget(name: "FuzzLint", dependencies: ["PrestartLint", "PrestartSystem"], path: "Fuzz/Sources/FuzzLint"),
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
