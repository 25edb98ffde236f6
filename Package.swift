// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "bridged",
    platforms: [.macOS(.v14)],
    products: [
    ],
    dependencies: [],
    targets: [
        // C libraries from Debian, through pkg-config.
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CSRTP", path: "Sources/CSRTP", pkgConfig: "libsrtp2", providers: [.apt(["libsrtp2-dev"])]),
        // Test support: per-thread allocation counter (interposes malloc in the test binary).
        .target(name: "CMallocCounter", path: "Sources/CMallocCounter"),

        // Wire formats: RTP, RTCP, SDP, SRTP/SRTCP. A leaf.
        .target(name: "RTP", dependencies: ["COpenSSL"], swiftSettings: strict),
        // STUN and the ICE-lite agent. A leaf.
        .target(name: "ICE", dependencies: ["COpenSSL"], swiftSettings: strict),

        .testTarget(name: "RTPTests", dependencies: ["RTP", "CSRTP", "COpenSSL"], swiftSettings: strict),
        .testTarget(name: "ICETests", dependencies: ["ICE"], swiftSettings: strict),
    ]
)
