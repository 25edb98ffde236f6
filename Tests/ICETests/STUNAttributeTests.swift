// One row per attribute: the TLV bytes inside a Binding request with transaction ID 01…0c,
// the decoded attribute, and serialize(parse(b)) == b (zero padding).

import Testing
@testable import ICE

@Suite("STUN attributes")
struct STUNAttributeTests {
    static let vectors: [(String, [UInt8], STUNAttribute)] = [
        ("MAPPED-ADDRESS IPv4",
         [0x00, 0x01, 0x00, 0x08,   // type 0x0001, length 8
          0x00, 0x01, 0x1F, 0x90,   // reserved, family IPv4, port 8080
          0xC0, 0x00, 0x02, 0x01],  // 192.0.2.1
         .mappedAddress(.v4(0xC000_0201, port: 8080))),
        ("MAPPED-ADDRESS IPv6",
         [0x00, 0x01, 0x00, 0x14,   // type 0x0001, length 20
          0x00, 0x02, 0x1F, 0x90,   // reserved, family IPv6, port 8080
          0x20, 0x01, 0x0D, 0xB8, 0x00, 0x00, 0x00, 0x00,   // 2001:db8::
          0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01],  // ::1
         .mappedAddress(.v6(0x2001_0DB8_0000_0000, 1, port: 8080))),
        ("XOR-MAPPED-ADDRESS IPv4",
         [0x00, 0x20, 0x00, 0x08,   // type 0x0020, length 8
          0x00, 0x01, 0x3E, 0x82,   // family IPv4, port 8080 ^ 0x2112
          0xE1, 0x12, 0xA6, 0x43],  // 192.0.2.1 ^ 0x2112A442
         .xorMappedAddress(.v4(0xC000_0201, port: 8080))),
        ("XOR-MAPPED-ADDRESS IPv6",
         [0x00, 0x20, 0x00, 0x14,   // type 0x0020, length 20
          0x00, 0x02, 0x3E, 0x82,   // family IPv6, port 8080 ^ 0x2112
          0x01, 0x13, 0xA9, 0xFA, 0x01, 0x02, 0x03, 0x04,   // 2001:db8:: ^ cookie ‖ ID[0..<4]
          0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0D],  // ::1 ^ ID[4..<12]
         .xorMappedAddress(.v6(0x2001_0DB8_0000_0000, 1, port: 8080))),
        ("USERNAME, 9 bytes + 3 padding",
         [0x00, 0x06, 0x00, 0x09,   // type 0x0006, length 9
          0x65, 0x76, 0x74, 0x6A, 0x3A, 0x68, 0x36, 0x76, 0x59,  // "evtj:h6vY"
          0x00, 0x00, 0x00],        // padding
         .username("evtj:h6vY")),
        ("MESSAGE-INTEGRITY (raw, as received)",
         [0x00, 0x08, 0x00, 0x14] + [UInt8](repeating: 0xAB, count: 20),
         .messageIntegrity([UInt8](repeating: 0xAB, count: 20))),
        ("ERROR-CODE 487 Role Conflict",
         [0x00, 0x09, 0x00, 0x11,   // type 0x0009, length 17
          0x00, 0x00, 0x04, 0x57,   // reserved, class 4, number 87
          0x52, 0x6F, 0x6C, 0x65, 0x20, 0x43, 0x6F, 0x6E, 0x66, 0x6C, 0x69, 0x63, 0x74,  // "Role Conflict"
          0x00, 0x00, 0x00],        // padding
         .errorCode(.roleConflict)),
        ("ERROR-CODE 699, empty reason",
         [0x00, 0x09, 0x00, 0x04,   // type 0x0009, length 4
          0x00, 0x00, 0x06, 0x63],  // class 6, number 99
         .errorCode(STUNErrorCode(code: 699, reason: ""))),
        ("UNKNOWN-ATTRIBUTES 0x7777, 0x0024 (no padding needed)",
         [0x00, 0x0A, 0x00, 0x04,   // type 0x000A, length 4
          0x77, 0x77, 0x00, 0x24],
         .unknownAttributes([0x7777, 0x0024])),
        ("UNKNOWN-ATTRIBUTES one type + 2 padding",
         [0x00, 0x0A, 0x00, 0x02, 0x77, 0x77, 0x00, 0x00],
         .unknownAttributes([0x7777])),
        ("PRIORITY",
         [0x00, 0x24, 0x00, 0x04, 0x6E, 0x00, 0x01, 0xFF],
         .priority(0x6E00_01FF)),
        ("USE-CANDIDATE, empty value",
         [0x00, 0x25, 0x00, 0x00],
         .useCandidate),
        ("SOFTWARE, 3 bytes + 1 padding",
         [0x80, 0x22, 0x00, 0x03, 0x61, 0x62, 0x63, 0x00],
         .software("abc")),
        ("FINGERPRINT (raw)",
         [0x80, 0x28, 0x00, 0x04, 0xE5, 0x7A, 0x3B, 0xCF],
         .fingerprint(0xE57A_3BCF)),
        ("ICE-CONTROLLED",
         [0x80, 0x29, 0x00, 0x08, 0x93, 0x2F, 0xF9, 0xB1, 0x51, 0x26, 0x3B, 0x36],
         .iceControlled(0x932F_F9B1_5126_3B36)),
        ("ICE-CONTROLLING",
         [0x80, 0x2A, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01],
         .iceControlling(1)),
        ("unknown comprehension-optional (GOOG-NETWORK-INFO)",
         [0xC0, 0x57, 0x00, 0x04, 0x00, 0x01, 0x00, 0x0A],
         .unknown(type: 0xC057, value: [0x00, 0x01, 0x00, 0x0A])),
        ("unknown comprehension-required, 5 bytes + 3 padding",
         [0x77, 0x77, 0x00, 0x05, 0x01, 0x02, 0x03, 0x04, 0x05, 0x00, 0x00, 0x00],
         .unknown(type: 0x7777, value: [1, 2, 3, 4, 5])),
    ]

    @Test(arguments: vectors)
    func parseAndSerialize(name: String, tlv: [UInt8], expected: STUNAttribute) throws {
        let bytes = bindingRequest(attributes: tlv)
        let message = try parseSTUN(bytes).get()
        #expect(message.transactionID == vectorTransactionID)
        #expect(message.attributes == [expected], "\(name)")
        #expect(message.attributes.first?.type == UInt16(tlv[0]) << 8 | UInt16(tlv[1]))
        switch expected {
        case .messageIntegrity, .fingerprint:
            // Never copied from `attributes`: `serialized` computes them from its arguments.
            #expect(message.serialized(fingerprint: false) == bindingRequest(attributes: []))
        default:
            #expect(message.serialized(fingerprint: false) == bytes, "\(name)")
        }
    }

    static let invalidValues: [(String, [UInt8])] = [
        ("PRIORITY of 3 bytes", [0x00, 0x24, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00]),
        ("USE-CANDIDATE with a value", [0x00, 0x25, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00]),
        ("ICE-CONTROLLING of 4 bytes", [0x80, 0x2A, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01]),
        ("FINGERPRINT of 8 bytes", [0x80, 0x28, 0x00, 0x08, 0, 0, 0, 0, 0, 0, 0, 0]),
        ("MESSAGE-INTEGRITY of 4 bytes", [0x00, 0x08, 0x00, 0x04, 0, 0, 0, 0]),
        ("XOR-MAPPED-ADDRESS family 3", [0x00, 0x20, 0x00, 0x08, 0x00, 0x03, 0x00, 0x00, 0, 0, 0, 0]),
        ("XOR-MAPPED-ADDRESS IPv4 with IPv6 length",
         [0x00, 0x20, 0x00, 0x14, 0x00, 0x01, 0x00, 0x00] + [UInt8](repeating: 0, count: 16)),
        ("MAPPED-ADDRESS too short", [0x00, 0x01, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00]),
        ("ERROR-CODE class 2", [0x00, 0x09, 0x00, 0x04, 0x00, 0x00, 0x02, 0x00]),
        ("ERROR-CODE number 100", [0x00, 0x09, 0x00, 0x04, 0x00, 0x00, 0x04, 0x64]),
        ("ERROR-CODE too short", [0x00, 0x09, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00]),
        ("USERNAME not UTF-8", [0x00, 0x06, 0x00, 0x02, 0xFF, 0xFE, 0x00, 0x00]),
        ("UNKNOWN-ATTRIBUTES odd length", [0x00, 0x0A, 0x00, 0x03, 0x77, 0x77, 0x00, 0x00]),
    ]

    @Test(arguments: invalidValues)
    func invalidValue(name: String, tlv: [UInt8]) {
        #expect(parseSTUN(bindingRequest(attributes: tlv)) == .failure(.invalidAttributeValue), "\(name)")
    }

    @Test("comprehension-required unknown types are reported once each, in order")
    func unknownComprehensionRequired() throws {
        let message = STUNMessage(messageClass: .request, attributes: [
            .unknown(type: 0x7777, value: []), .unknown(type: 0xC057, value: [1]),
            .unknown(type: 0x0030, value: [2]), .unknown(type: 0x7777, value: [3]), .priority(1),
        ])
        #expect(message.unknownComprehensionRequiredAttributes == [0x7777, 0x0030])
    }

    @Test("TransportAddress description")
    func addressDescription() {
        #expect(TransportAddress.v4(0xC000_0201, port: 32853).description == "192.0.2.1:32853")
        #expect(TransportAddress.v6(0x2001_0DB8_0000_0000, 1, port: 1).description == "[2001:db8:0:0:0:0:0:1]:1")
        #expect(TransportAddress.v6(0, 0, port: 443).port == 443)
    }
}
