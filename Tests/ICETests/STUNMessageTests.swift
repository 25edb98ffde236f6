// Header encoding, error cases, round trips with integrity and fingerprint, and random input.

import Testing
@testable import ICE

@Suite("STUN messages")
struct STUNMessageTests {
    static let messageTypes: [(String, UInt16, STUNMethod, STUNClass)] = [
        ("Binding request", 0x0001, .binding, .request),
        ("Binding indication", 0x0011, .binding, .indication),
        ("Binding success response", 0x0101, .binding, .successResponse),
        ("Binding error response", 0x0111, .binding, .errorResponse),
        ("Allocate (0x003) request", 0x0003, STUNMethod(rawValue: 0x003), .request),
        ("Allocate error response", 0x0113, STUNMethod(rawValue: 0x003), .errorResponse),
        ("method 0xFFF error response", 0x3FFF, STUNMethod(rawValue: 0xFFF), .errorResponse),
        ("method 0x080 request (M7 is bit 9)", 0x0200, STUNMethod(rawValue: 0x080), .request),
    ]

    @Test(arguments: messageTypes)
    func messageType(name: String, type: UInt16, method: STUNMethod, messageClass: STUNClass) throws {
        let bytes = bindingRequest(attributes: [], type: type)
        let message = try parseSTUN(bytes).get()
        #expect(message.method == method, "\(name)")
        #expect(message.messageClass == messageClass, "\(name)")
        #expect(message.serialized(fingerprint: false) == bytes, "\(name)")
    }

    static let malformed: [(String, [UInt8], STUNParseError)] = [
        ("empty", [], .truncatedHeader),
        ("19 bytes", Array(bindingRequest(attributes: []).prefix(19)), .truncatedHeader),
        ("top bits 10 (RTP-like)",
         [0x80, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42] + [UInt8](repeating: 0, count: 12), .notSTUN),
        ("wrong magic cookie (RFC 3489)",
         [0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x43] + [UInt8](repeating: 0, count: 12), .badMagicCookie),
        ("length 3: not a multiple of 4",
         [0x00, 0x01, 0x00, 0x03, 0x21, 0x12, 0xA4, 0x42] + [UInt8](repeating: 0, count: 15), .lengthNotMultipleOfFour),
        ("length 4, nothing follows the header",
         [0x00, 0x01, 0x00, 0x04, 0x21, 0x12, 0xA4, 0x42] + [UInt8](repeating: 0, count: 12), .lengthMismatch),
        ("length 0, 4 trailing bytes",
         [0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42] + [UInt8](repeating: 0, count: 16), .lengthMismatch),
        ("attribute value past end",
         bindingRequest(attributes: [0x00, 0x06, 0x00, 0x08,   // USERNAME claiming 8 bytes
                                     0x61, 0x62, 0x63, 0x64]), // only 4 present
         .attributePastEnd),
        ("attribute padding past end",
         bindingRequest(attributes: [0x00, 0x24, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01,   // PRIORITY
                                     0x80, 0x22, 0x00, 0x01]),  // SOFTWARE 1 byte, its padding missing
         .attributePastEnd),
    ]

    @Test(arguments: malformed)
    func parseErrors(name: String, bytes: [UInt8], expected: STUNParseError) {
        #expect(parseSTUN(bytes) == .failure(expected), "\(name)")
        #expect(!bytes.withUnsafeBytes { STUN.verifyFingerprint($0) })
        #expect(!bytes.withUnsafeBytes { STUN.verifyIntegrity($0, key: [1]) })
        #expect(bytes.withUnsafeBytes { STUN.peekUsername($0) } == nil)
    }

    static let sample = STUNMessage(
        method: .binding, messageClass: .request, transactionID: vectorTransactionID,
        attributes: [.username("abcd:efgh"), .priority(0x6E7F_1EFF), .iceControlling(0x0123_4567_89AB_CDEF),
                     .useCandidate, .unknown(type: 0xC057, value: [0, 1, 0, 10])])

    @Test("parse(serialize(x)) == x without integrity/fingerprint")
    func roundTripPlain() throws {
        let bytes = Self.sample.serialized(fingerprint: false)
        #expect(try parseSTUN(bytes).get() == Self.sample)
        #expect(!bytes.withUnsafeBytes { STUN.verifyFingerprint($0) })
        #expect(!bytes.withUnsafeBytes { STUN.verifyIntegrity($0, key: []) })
    }

    @Test("integrity and fingerprint are appended, verified, and re-derived identically")
    func roundTripProtected() throws {
        let key = Array("pass-word-of-22-chars+/".utf8)
        let bytes = Self.sample.serialized(integrityKey: key, fingerprint: true)
        #expect(bytes.count == 20 + 16 + 8 + 12 + 4 + 8 + 24 + 8)  // header, USERNAME, PRIORITY, ICE-CONTROLLING, USE-CANDIDATE, unknown, MI, FP
        #expect(bytes.withUnsafeBytes { STUN.verifyIntegrity($0, key: key) })
        #expect(!bytes.withUnsafeBytes { STUN.verifyIntegrity($0, key: Array(key.dropLast())) })
        #expect(bytes.withUnsafeBytes { STUN.verifyFingerprint($0) })
        #expect(bytes.withUnsafeBytes { STUN.hasFingerprint($0) } == true)
        let parsed = try parseSTUN(bytes).get()
        #expect(Array(parsed.attributes.prefix(5)) == Self.sample.attributes)
        #expect(parsed.messageIntegrity?.count == 20)
        #expect(parsed.fingerprint != nil)
        // The stale MI/FP in `attributes` are ignored and recomputed.
        #expect(parsed.serialized(integrityKey: key, fingerprint: true) == bytes)
    }

    @Test("integrity only, then fingerprint only")
    func integrityWithoutFingerprint() {
        let key: [UInt8] = []  // empty keys are legal for HMAC
        let withMI = Self.sample.serialized(integrityKey: key, fingerprint: false)
        #expect(withMI.withUnsafeBytes { STUN.verifyIntegrity($0, key: key) })
        #expect(withMI.withUnsafeBytes { STUN.hasFingerprint($0) } == false)
        let withFP = Self.sample.serialized(fingerprint: true)
        #expect(withFP.withUnsafeBytes { STUN.verifyFingerprint($0) })
        #expect(!withFP.withUnsafeBytes { STUN.verifyIntegrity($0, key: key) })
    }

    @Test("FINGERPRINT that is not the last attribute fails")
    func fingerprintNotLast() {
        var bytes = Self.sample.serialized(fingerprint: true)
        bytes += [0x00, 0x25, 0x00, 0x00]  // USE-CANDIDATE after FINGERPRINT
        bytes[3] += 4
        #expect(!bytes.withUnsafeBytes { STUN.verifyFingerprint($0) })
    }

    static let isSTUNTable: [(String, [UInt8], Bool)] = [
        ("empty", [], false),
        ("RTP (first byte 0x80)", [0x80, 0x60] + [UInt8](repeating: 0, count: 30), false),
        ("DTLS handshake (first byte 22)", [0x16, 0xFE, 0xFD] + [UInt8](repeating: 0, count: 30), false),
        ("Binding request", bindingRequest(attributes: []), true),
        ("first byte 3 with cookie", [0x03, 0x00, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42] + [UInt8](repeating: 0, count: 12), true),
        ("first byte 4 with cookie", [0x04, 0x00, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42] + [UInt8](repeating: 0, count: 12), false),
        ("no cookie", [0x00, 0x01, 0x00, 0x00] + [UInt8](repeating: 0, count: 16), false),
        ("19 bytes", Array(bindingRequest(attributes: []).prefix(19)), false),
    ]

    @Test(arguments: isSTUNTable)
    func isSTUN(name: String, bytes: [UInt8], expected: Bool) {
        #expect(bytes.withUnsafeBytes { STUN.isSTUN($0) } == expected, "\(name)")
    }

    @Test("peekUsername finds USERNAME after other attributes, nil when absent")
    func peekUsername() {
        let bytes = Self.sample.serialized(integrityKey: [1, 2, 3])
        #expect(bytes.withUnsafeBytes { STUN.peekUsername($0) } == "abcd:efgh")
        let none = STUNMessage(messageClass: .request, attributes: [.priority(1)]).serialized()
        #expect(none.withUnsafeBytes { STUN.peekUsername($0) } == nil)
        let notUTF8 = bindingRequest(attributes: [0x00, 0x06, 0x00, 0x01, 0xFF, 0x00, 0x00, 0x00])
        #expect(notUTF8.withUnsafeBytes { STUN.peekUsername($0) } == nil)
    }

    @Test("CRC-32 check value and FINGERPRINT XOR")
    func crc32() {
        #expect(Array("123456789".utf8).withUnsafeBytes { CRC32.checksum($0) } == 0xCBF4_3926)
        #expect([UInt8]().withUnsafeBytes { CRC32.checksum($0) } == 0)
        // Chaining equals one pass.
        let data = Array("The quick brown fox jumps over the lazy dog".utf8)
        let whole = data.withUnsafeBytes { CRC32.checksum($0) }
        #expect(whole == 0x414F_A339)
        let first = data.prefix(10).withUnsafeBytes { CRC32.checksum($0) }
        #expect(data.dropFirst(10).withUnsafeBytes { CRC32.update(first, $0) } == whole)
    }

    @Test("transaction IDs: bytes round trip, random ones differ")
    func transactionID() {
        #expect(vectorTransactionID.bytes == Array(1...12))
        #expect(STUNTransactionID(bytes: Array(1...12)) == vectorTransactionID)
        #expect(STUNTransactionID.random() != STUNTransactionID.random())
    }

    /// "This test must only not crash": random datagrams, half of them with a valid header so the
    /// attribute walker is exercised. Whatever parses must re-serialize and re-parse.
    @Test("random bytes never trap")
    func randomBytes() {
        var rng = SplitMix64(state: 0x5EED)
        var agent = ICELiteAgent(local: .init(ufrag: "abcd", password: "0123456789012345678901"), remote: nil)
        let now = ContinuousClock.now
        var parsedCount = 0
        for round in 0..<20_000 {
            let bodyLength = Int.random(in: 0...96, using: &rng)
            var bytes = (0..<(20 + bodyLength)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if round % 2 == 0 {
                // Valid header; body made of plausible TLVs with small types and lengths.
                let body = bodyLength & ~3
                bytes = Array(bytes.prefix(20 + body))
                bytes[0] = 0x00; bytes[1] = 0x01
                bytes[2] = UInt8(body >> 8); bytes[3] = UInt8(body & 0xFF)
                bytes[4] = 0x21; bytes[5] = 0x12; bytes[6] = 0xA4; bytes[7] = 0x42
                var offset = 20
                while offset + 4 <= bytes.count {
                    let types: [UInt16] = [0x0001, 0x0006, 0x0008, 0x0009, 0x000A, 0x0020, 0x0024, 0x0025,
                                           0x8022, 0x8028, 0x8029, 0x802A, 0x7777, 0xC057]
                    let type = types[Int.random(in: 0..<types.count, using: &rng)]
                    let length = UInt16.random(in: 0...24, using: &rng)
                    bytes[offset] = UInt8(type >> 8); bytes[offset + 1] = UInt8(type & 0xFF)
                    bytes[offset + 2] = 0; bytes[offset + 3] = UInt8(length)
                    offset += 4 + Int((length + 3) & ~3)
                }
            } else if round % 4 == 1, bytes.count > 0 {
                bytes[0] &= 0x03
            }
            if case .success(let message) = parseSTUN(bytes) {
                parsedCount += 1
                let again = message.serialized(integrityKey: [1], fingerprint: true)
                if case .failure = parseSTUN(again) { Issue.record("re-serialized message does not parse") }
            }
            _ = bytes.withUnsafeBytes { STUN.verifyIntegrity($0, key: [1]) }
            _ = bytes.withUnsafeBytes { STUN.verifyFingerprint($0) }
            _ = bytes.withUnsafeBytes { STUN.peekUsername($0) }
            _ = bytes.withUnsafeBytes { agent.receivedBindingRequest($0, from: .v4(1, port: 1), now: now) }
        }
        #expect(parsedCount > 100)
    }
}
