// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "bridged",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "bridged", targets: ["bridged"]),
        .library(name: "SFU", targets: ["SFU"]),
        .library(name: "Recording", targets: ["Recording"]),
        .library(name: "FileRecording", targets: ["FileRecording"]),
        .library(name: "RTP", targets: ["RTP"]),
        .library(name: "ICE", targets: ["ICE"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.7.1"),
    ],
    targets: [
        // C libraries from Debian, through pkg-config.
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CSRTP", path: "Sources/CSRTP", pkgConfig: "libsrtp2", providers: [.apt(["libsrtp2-dev"])]),
        // Test support: per-thread allocation counter (interposes malloc in the test binary).
        .target(name: "CMallocCounter", path: "Sources/CMallocCounter"),
        // Linux system calls the Glibc module does not expose (epoll, eventfd, recvmmsg, sendmmsg).
        .target(name: "CLinux", path: "Sources/CLinux"),
        // Debian's libavformat (libavformat-dev) behind a small C API: the playable-file muxer.
        .target(name: "CMux", path: "Sources/CMux", linkerSettings: [
            .linkedLibrary("avformat"), .linkedLibrary("avcodec"), .linkedLibrary("avutil"),
        ]),

        // Big-endian byte access (get/set, ByteReader, ByteWriter) for every wire format. The lowest leaf.
        .target(name: "Bytes", swiftSettings: strict),
        // Wire formats: RTP, RTCP, SDP, SRTP/SRTCP.
        .target(name: "RTP", dependencies: ["Bytes", "COpenSSL"], swiftSettings: strict),
        // STUN and the ICE-lite agent.
        .target(name: "ICE", dependencies: ["Bytes", "COpenSSL"], swiftSettings: strict),
        // Lock-free single-producer, single-consumer rings of fixed slots. A leaf.
        .target(name: "Rings", swiftSettings: strict),
        // Transports (ICE + DTLS + SRTP on a shared UDP port), rooms, routing. Reaches recording
        // through RecordingBackend only: no libavformat here.
        .target(name: "SFU", dependencies: [
            "Bytes", "RTP", "ICE", "Rings", "COpenSSL", "CLinux",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        // Recording: the Janus .mjr format, the recorder's writer thread, the playable file
        // (libavformat through CMux).
        .target(name: "Recording", dependencies: ["RTP", "Rings", "CLinux", "CMux"], swiftSettings: strict),
        // Recording as the SFU's RecordingBackend: the recorders as files, outcomes as events.
        .target(name: "FileRecording", dependencies: [
            "SFU", "Recording", "RTP",
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        // bridged's embedded SQLite database (GRDB): permanent rooms and the audit log.
        .target(name: "BridgedStore", dependencies: [
            .product(name: "GRDB", package: "GRDB.swift"),
        ], swiftSettings: strict),
        // Join tokens: JWTs signed by the signaling server (jwt-kit), checked and mapped to claims.
        .target(name: "Access", dependencies: [
            .product(name: "JWTKit", package: "jwt-kit"),
        ], swiftSettings: strict),
        // The control API as a library: configuration, access, audit, webhooks, events,
        // metrics, demo page, permanent rooms, one controller per resource.
        .target(name: "BridgedAPI", dependencies: [
            "SFU", "FileRecording", "RTP", "ICE", "COpenSSL", "BridgedStore", "Access",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        // The daemon: command-line arguments, then BridgedAPI.
        .executableTarget(name: "bridged", dependencies: [
            "BridgedAPI",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: strict),

        .testTarget(name: "RTPTests", dependencies: ["RTP", "CSRTP", "COpenSSL"], swiftSettings: strict),
        .testTarget(name: "ICETests", dependencies: ["ICE"], swiftSettings: strict),
        .testTarget(name: "RingsTests", dependencies: ["Rings"], swiftSettings: strict),
        .testTarget(name: "RecordingTests", dependencies: ["Recording", "RTP"], exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "AccessTests", dependencies: [
            "Access", .product(name: "JWTKit", package: "jwt-kit"),
        ], swiftSettings: strict),
        .testTarget(name: "BridgedStoreTests", dependencies: [
            "BridgedStore", .product(name: "GRDB", package: "GRDB.swift"),
        ], swiftSettings: strict),
        .testTarget(name: "BridgedAPITests", dependencies: [
            "BridgedAPI", "BridgedStore", "Access", "SFU",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "HummingbirdWSTesting", package: "hummingbird-websocket"),
            .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            .product(name: "JWTKit", package: "jwt-kit"),
        ], swiftSettings: strict),
        .testTarget(name: "SFUTests", dependencies: [
            "SFU", "RTP", "ICE", "Rings", "Recording", "FileRecording", "COpenSSL", "CMallocCounter",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
    ]
)
