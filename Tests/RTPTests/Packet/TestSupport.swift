// Helpers shared by the RTP and RTCP tests: byte-buffer scopes and a seeded generator.

@testable import RTP

/// Runs `body` over a read-only copy of `bytes`.
func withRaw<R>(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    try bytes.withUnsafeBytes { try body($0) }
}

/// Runs `body` over a mutable copy of `bytes` and returns the result and the bytes afterwards.
func withMutable<R>(_ bytes: [UInt8], _ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> (R, [UInt8]) {
    var copy = bytes
    let result = try copy.withUnsafeMutableBytes { try body($0) }
    return (result, copy)
}

/// Parses an RTP datagram into a view and hands it to `body`.
func withView<R>(_ bytes: [UInt8], _ body: (RTPPacketView) throws -> R) throws -> R {
    var copy = bytes
    return try copy.withUnsafeMutableBytes { buffer in
        let view = try RTPPacketView(parsing: buffer)
        return try body(view)
    }
}

/// Parses an owned RTP packet.
func parseRTP(_ bytes: [UInt8]) throws(RTPParseError) -> RTPPacket {
    var result: Result<RTPPacket, RTPParseError>!
    bytes.withUnsafeBytes { raw in result = Result { () throws(RTPParseError) in try RTPPacket(parsing: raw) } }
    return try result.get()
}

/// Parses a compound RTCP packet.
func parseRTCP(_ bytes: [UInt8]) throws(RTCPParseError) -> [RTCPPacket] {
    var result: Result<[RTCPPacket], RTCPParseError>!
    bytes.withUnsafeBytes { raw in result = Result { () throws(RTCPParseError) in try RTCPCompound.parse(raw) } }
    return try result.get()
}

/// Parses one RTCP packet of a concrete type.
func parseOne<T>(_ bytes: [UInt8], _ parse: (UnsafeRawBufferPointer) throws(RTCPParseError) -> T) throws(RTCPParseError) -> T {
    var result: Result<T, RTCPParseError>!
    bytes.withUnsafeBytes { raw in result = Result { () throws(RTCPParseError) in try parse(raw) } }
    return try result.get()
}

/// Serializes through a `serialize(into:)` function into a buffer of exactly `size` bytes,
/// checking the returned count agrees with `size`.
func serializeExactly(size: Int, _ serialize: (UnsafeMutableRawBufferPointer) -> Int) -> [UInt8] {
    var bytes = [UInt8](repeating: 0xEE, count: size)
    let written = bytes.withUnsafeMutableBytes { serialize($0) }
    precondition(written == size, "serialize(into:) wrote \(written), serializedSize said \(size)")
    return bytes
}

/// SplitMix64: a small seeded generator so the fuzz tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Array where Element == UInt8 {
    /// `count` random bytes.
    static func random(count: Int, using generator: inout SplitMix64) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }
}
