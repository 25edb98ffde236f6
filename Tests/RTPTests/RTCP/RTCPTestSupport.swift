// Shared checks for RTCP byte-vector tables: parse, serialize, both round trips.

import Testing
@testable import RTP

/// Checks that `bytes` parses to `expected` (alone and as a one-packet compound), that the
/// typed parser agrees, and, for canonical vectors, that serializing gives `bytes` back.
func checkRTCPVector<T: Equatable>(
    _ name: String, _ bytes: [UInt8], _ expected: RTCPPacket,
    typed: (UnsafeRawBufferPointer) throws(RTCPParseError) -> T, unwrap: (RTCPPacket) -> T?,
    canonical: Bool = true, sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let single = try parseOne(bytes) { (raw) throws(RTCPParseError) in try RTCPPacket(parsing: raw) }
    #expect(single == expected, "\(name)", sourceLocation: sourceLocation)
    #expect(try parseRTCP(bytes) == [expected], "\(name)", sourceLocation: sourceLocation)
    let value = try parseOne(bytes, typed)
    #expect(unwrap(expected) == value, "\(name)", sourceLocation: sourceLocation)

    let serialized = serializeExactly(size: expected.serializedSize) { expected.serialize(into: $0) }
    if canonical {
        #expect(serialized == bytes, "\(name)", sourceLocation: sourceLocation)
        #expect(RTCPCompound.serialize([expected]) == bytes, "\(name)", sourceLocation: sourceLocation)
    }
    // parse(serialize(x)) == x
    #expect(try parseRTCP(serialized) == [expected], "\(name)", sourceLocation: sourceLocation)
}

/// Checks that `parse` fails on `bytes` with `expected`.
func checkRTCPError<T>(
    _ name: String, _ bytes: [UInt8], _ expected: RTCPParseError,
    _ parse: (UnsafeRawBufferPointer) throws(RTCPParseError) -> T, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(throws: expected, "\(name)", sourceLocation: sourceLocation) { try parseOne(bytes, parse) }
}
