import Testing

@testable import RTP

@Suite("SDP fingerprint")
struct SDPFingerprintTests {
    @Test("valid values round-trip", arguments: [
        ("sha-256 1F:DB:F3", "sha-256", "1F:DB:F3", [0x1F, 0xDB, 0xF3] as [UInt8]?),
        ("sha-1 ab:cd", "sha-1", "ab:cd", [0xAB, 0xCD]),
        ("sha-256 00", "sha-256", "00", [0x00]),
        ("SHA-256 XY:ZZ", "SHA-256", "XY:ZZ", nil),   // kept, but not hex
        ("sha-256 ABC:DE", "sha-256", "ABC:DE", nil),  // kept, but not byte pairs
        ("sha-256 AB::CD", "sha-256", "AB::CD", nil),
    ])
    func valid(value: String, hashFunction: String, hex: String, bytes: [UInt8]?) throws {
        let fingerprint = try #require(Fingerprint(value: value))
        #expect(fingerprint.hashFunction == hashFunction)
        #expect(fingerprint.value == hex)
        #expect(fingerprint.bytes == bytes)
        #expect(fingerprint.attributeValue == value)
    }

    @Test("invalid values", arguments: ["", "sha-256", "sha-256 ", " AB:CD", "sha-256 AB CD", "sha-256  AB"])
    func invalid(value: String) {
        #expect(Fingerprint(value: value) == nil)
    }

    @Test func fromBytesWritesUppercaseHex() {
        let bytes: [UInt8] = (0...31).map { UInt8($0 * 8) }
        let fingerprint = Fingerprint(hashFunction: "sha-256", bytes: bytes)
        #expect(fingerprint.value.hasPrefix("00:08:10:18:20"))
        #expect(fingerprint.value.hasSuffix(":F8"))
        #expect(fingerprint.bytes == bytes)
        #expect(Fingerprint(value: fingerprint.attributeValue) == fingerprint)
    }
}
