// swift-tools-version:6.0
import PackageDescription

// The fan-out load generator: one streamer and N viewers in one process, against bridged or Janus.
// Built on the project's own RTP, ICE, SRTP and DTLS code (the root package).
let package = Package(
    name: "LoadGen",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "bridged", path: "../.."),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Sockets with kernel receive timestamps, epoll with a nanosecond timeout, and the
        // libvpx / libopus encoders that make the looped stream (Debian libvpx-dev, libopus-dev).
        .target(name: "CLoadGen", path: "Sources/CLoadGen",
                cSettings: [.unsafeFlags(["-O2"]), .define("_GNU_SOURCE")],
                linkerSettings: [.linkedLibrary("vpx"), .linkedLibrary("opus")]),
        .executableTarget(name: "loadgen", dependencies: [
            "CLoadGen",
            .product(name: "RTP", package: "bridged"),
            .product(name: "ICE", package: "bridged"),
            .product(name: "SFU", package: "bridged"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Sources/LoadGen"),
    ]
)
