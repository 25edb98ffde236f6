// swift-tools-version: 6.1
// Micro-benchmarks of bridged's hot paths, with ordo-one/benchmark (package-benchmark).
// A separate package so the root package never depends on the benchmark machinery.
// Run from this directory: ./run.sh, or `swift package benchmark` (see README.md).
import PackageDescription

let package = Package(
    name: "BridgedMicroBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        // The root package (products RTP, ICE, SFU). Named so the product references below do
        // not depend on the name of the directory the repository is checked out in.
        .package(name: "bridged", path: "../.."),
        // MallocInterposer only: malloc counts without jemalloc (and without the Swift 6.3 ARC
        // runtime interposer, which is not needed for the metrics used here).
        .package(url: "https://github.com/ordo-one/benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
        // Already in the root package's graph: a no-op logger for the forwarding set-up, and the
        // event loop's futures.
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
    ],
    targets: [
        // Debian's libsrtp2, the reference point for the SRTP benchmarks (same pattern as the
        // root package's Sources/CSRTP, which is not exported as a product).
        .systemLibrary(name: "CLibSRTP", path: "Sources/CLibSRTP", pkgConfig: "libsrtp2", providers: [.apt(["libsrtp2-dev"])]),
        // sendmmsg, for the loopback reference benchmark.
        .target(name: "CMicroLinux", path: "Sources/CMicroLinux"),
        .executableTarget(
            name: "BridgedMicro",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "RTP", package: "bridged"),
                .product(name: "ICE", package: "bridged"),
                .product(name: "SFU", package: "bridged"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                "CLibSRTP",
                "CMicroLinux",
            ],
            path: "Benchmarks/BridgedMicro",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
