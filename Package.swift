// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]
/// Hot paths are optimised in debug builds too: the null calibrations, the statistical tests and
/// the demo (`swift run`, a debug build) decode and score hundreds of thousands of events, which
/// takes minutes unoptimised.
let optimisedInDebug: [SwiftSetting] = strict + [.unsafeFlags(["-O"], .when(configuration: .debug))]
/// The git commit `twinwatch --version` prints. The Makefile exports TWINWATCH_COMMIT (`git rev-parse`);
/// a plain `swift build` says "unknown". Only CBuildInfo's one C file sees it, so a new commit
/// recompiles that file and relinks.
let buildCommit: String = {
    let allowed = Set("0123456789abcdefABCDEF-dirtyunknown")
    let value = (Context.environment["TWINWATCH_COMMIT"] ?? "").filter { allowed.contains($0) }
    return value.isEmpty ? "unknown" : value
}()

let package = Package(
    name: "twinwatch",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "twinwatch", targets: ["twinwatch"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        // HMAC-SHA256 for Standard Webhooks signatures. The upper bound admits 4.x, which the
        // Hummingbird/NIO graph already resolves to; the HMAC API is the same in 3.x and 4.x.
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
    ],
    targets: [
        // C access: system libraries found by pkg-config; shims wrap variadic/Fortran entry points.
        .systemLibrary(name: "CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(name: "CBuildInfo", cSettings: [.define("TWINWATCH_COMMIT", to: "\"\(buildCommit)\"")]),

        .target(
            name: "TwinwatchCore",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        .target(
            name: "DriftEstimators",
            dependencies: ["COpenBLAS", "TwinwatchCore"],
            swiftSettings: optimisedInDebug
        ),
        // Event and feedback wire formats (JSON, base64, EVT1 binary): pure, no Kafka.
        .target(
            name: "EventCodec",
            dependencies: ["TwinwatchCore"],
            swiftSettings: optimisedInDebug
        ),
        // Every durable table: baselines, null calibrations, window checkpoints, offsets, alert state and the
        // notification outbox (GRDB on SQLite, WAL).
        .target(
            name: "StateStore",
            dependencies: ["TwinwatchCore", "DriftEstimators", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: optimisedInDebug
        ),
        // Verification quality from feedback labels: confusion counts, rates with intervals, ROC/EER,
        // threshold calibrators, the feedback join, labelled windows, guarded adaptive thresholds. Pure.
        .target(
            name: "Verification",
            dependencies: ["TwinwatchCore"],
            swiftSettings: optimisedInDebug
        ),
        // The baseline/drift report: one self-contained HTML document with inline SVG plots, and its JSON. Pure,
        // Foundation only: the caller fills a `ReportModel` from the store.
        .target(name: "Reports", dependencies: ["TwinwatchCore"], swiftSettings: strict),
        .target(
            name: "KafkaIO",
            dependencies: [
                "TwinwatchCore", "EventCodec", "CRdKafka",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: optimisedInDebug
        ),
        .target(
            name: "Alerting",
            dependencies: [
                "TwinwatchCore", "StateStore", "CCurl",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Monitor",
            dependencies: [
                "TwinwatchCore", "DriftEstimators", "EventCodec", "KafkaIO", "Alerting", "StateStore", "Verification", "Systemd", "Reports",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: optimisedInDebug
        ),
        // The service manager's notification protocol (READY, STATUS, WATCHDOG, RELOADING, STOPPING) over
        // $NOTIFY_SOCKET, without libsystemd.
        .target(
            name: "Systemd",
            swiftSettings: strict
        ),
        .target(
            name: "HTTPAPI",
            dependencies: [
                "Monitor", "Alerting", "StateStore", "TwinwatchCore", "Reports",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Synthetic event generator and the local webhook sink: used by `twinwatch demo` and the tests.
        .target(
            name: "DemoSupport",
            dependencies: [
                "TwinwatchCore", "DriftEstimators", "EventCodec", "KafkaIO", "Alerting", "Monitor", "StateStore", "Verification", "Reports",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: optimisedInDebug
        ),
        // What `twinwatch eval` measures: scenario generator, batch and stream runs of the real evaluator.
        .target(
            name: "AlertQuality",
            dependencies: ["DriftEstimators", "COpenBLAS", "TwinwatchCore", "Monitor", "StateStore", "Alerting",
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: optimisedInDebug
        ),
        .executableTarget(
            name: "twinwatch",
            dependencies: [
                "AlertQuality", "TwinwatchCore", "DriftEstimators", "EventCodec", "KafkaIO", "Alerting", "Monitor", "HTTPAPI", "DemoSupport", "StateStore", "Verification", "Reports", "CBuildInfo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),

        .testTarget(
            name: "SystemLibraryTests",
            dependencies: ["CRdKafka", "COpenBLAS", "CCurl", "KafkaIO", "Alerting", "DriftEstimators"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "AlertingTests",
            dependencies: ["Alerting", "StateStore", "TwinwatchCore", "DemoSupport",
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "VerificationTests",
            dependencies: ["Verification", "TwinwatchCore"],
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ReportsTests",
            dependencies: ["Reports", "DriftEstimators"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TwinwatchCoreTests",
            dependencies: ["TwinwatchCore"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "DriftEstimatorsTests",
            dependencies: ["DriftEstimators", "TwinwatchCore"],
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "StateStoreTests",
            dependencies: ["StateStore", "DriftEstimators", "DemoSupport", "TwinwatchCore"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "MonitorTests",
            dependencies: ["Monitor", "Alerting", "StateStore", "TwinwatchCore", "KafkaIO", "DemoSupport", "DriftEstimators", "Verification", "Reports",
                           .product(name: "Logging", package: "swift-log"), .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "EventCodecTests",
            dependencies: ["EventCodec", "TwinwatchCore"],
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "KafkaIOTests",
            dependencies: ["DemoSupport", "KafkaIO", "EventCodec", "TwinwatchCore", "Monitor", "StateStore",
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "HTTPAPITests",
            dependencies: ["HTTPAPI", "Monitor", "TwinwatchCore", "Alerting", "StateStore", "KafkaIO",
                           .product(name: "HummingbirdTesting", package: "hummingbird"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "AlertQualityTests",
            dependencies: ["AlertQuality", "DriftEstimators", "Monitor", "TwinwatchCore"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "TwinwatchCore", "DriftEstimators", "EventCodec", "KafkaIO", "Alerting", "Monitor", "DemoSupport", "StateStore",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
    ]
)
