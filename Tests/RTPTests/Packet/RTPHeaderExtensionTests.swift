// RFC 8285 §4.2 and §4.3: the examples from the RFC, padding between elements, and the
// reserved ID 15.

import Testing
@testable import RTP

@Suite struct RTPHeaderExtensionTests {
    static func datagram(extensionBlock: [UInt8]) -> [UInt8] {
        [
            0x90, 0x60, 0x00, 0x01,  // V=2 X=1, PT=96, seq=1
            0x00, 0x00, 0x00, 0x00,  // timestamp
            0x00, 0x00, 0x00, 0x01,  // SSRC
        ] + extensionBlock
    }

    /// RFC 8285 §4.2, the one-byte example: "0xBE 0xDE length=3", elements with L=0, L=1 and
    /// L=3, with two padding bytes before the last.
    static let rfc8285OneByteExample: [UInt8] = datagram(extensionBlock: [
        0xBE, 0xDE, 0x00, 0x03,  // profile 0xBEDE, length=3
        0x10, 0x11,              // ID=1 L=0, data
        0x21, 0x22, 0x22,        // ID=2 L=1, data (2 bytes)
        0x00, 0x00,              // 0 (pad), 0 (pad)
        0x33, 0x33, 0x33, 0x33, 0x33,  // ID=3 L=3, data (4 bytes)
    ])

    /// RFC 8285 §4.3, the two-byte example: "0x10 0x00 length=3", elements with L=0, L=1 and
    /// L=4, with one padding byte between.
    static let rfc8285TwoByteExample: [UInt8] = datagram(extensionBlock: [
        0x10, 0x00, 0x00, 0x03,  // profile 0x1000, length=3
        0x01, 0x00,              // ID=1 L=0
        0x02, 0x01, 0xAA,        // ID=2 L=1, data
        0x00,                    // 0 (pad)
        0x03, 0x04, 0xBB, 0xBB, 0xBB, 0xBB,  // ID=3 L=4, data
    ])

    @Test func rfc8285OneByteExample() throws {
        let expected: [RTPHeaderExtension] = [
            .init(id: 1, value: [0x11]), .init(id: 2, value: [0x22, 0x22]), .init(id: 3, value: [0x33, 0x33, 0x33, 0x33]),
        ]
        let packet = try parseRTP(Self.rfc8285OneByteExample)
        #expect(packet.extensionForm == .oneByte)
        #expect(packet.extensions == expected)
        try withView(Self.rfc8285OneByteExample) { view in
            var seen: [RTPHeaderExtension] = []
            view.forEachHeaderExtension { seen.append(.init(id: $0, value: Array($1))) }
            #expect(seen == expected)
            #expect(view.headerLength == 28)
            #expect(view.payloadLength == 0)
        }
        // Re-serialized canonically (no inner padding) it parses to the same packet.
        #expect(try parseRTP(packet.serialized()) == packet)
    }

    @Test func rfc8285TwoByteExample() throws {
        let expected: [RTPHeaderExtension] = [
            .init(id: 1, value: []), .init(id: 2, value: [0xAA]), .init(id: 3, value: [0xBB, 0xBB, 0xBB, 0xBB]),
        ]
        let packet = try parseRTP(Self.rfc8285TwoByteExample)
        #expect(packet.extensionForm == .twoByte)
        #expect(packet.extensions == expected)
        try withView(Self.rfc8285TwoByteExample) { view in
            #expect(view.headerExtension(id: 1).map(\.count) == 0)
            #expect(view.headerExtension(id: 3).map { Array($0) } == [0xBB, 0xBB, 0xBB, 0xBB])
            #expect(view.headerExtension(id: 4) == nil)
        }
        #expect(try parseRTP(packet.serialized()) == packet)
    }

    /// One-byte element walks: the block (after the 0xBEDE header) and the elements expected.
    static let oneByteWalks: [(String, [UInt8], [RTPHeaderExtension])] = [
        (
            "ID 15 stops the walk",
            [
                0xBE, 0xDE, 0x00, 0x02,  // length=2
                0x10, 0xAA,              // ID=1 L=0: AA
                0xF0,                    // ID=15: stop, ignore the rest
                0x20, 0xBB, 0x00, 0x00, 0x00,  // would be ID=2
            ],
            [.init(id: 1, value: [0xAA])]
        ),
        (
            "leading padding",
            [
                0xBE, 0xDE, 0x00, 0x01,  // length=1
                0x00, 0x00,              // padding
                0x50, 0x01,              // ID=5 L=0: 01
            ],
            [.init(id: 5, value: [0x01])]
        ),
        (
            "element overrunning the block is dropped",
            [
                0xBE, 0xDE, 0x00, 0x01,  // length=1
                0x10, 0xAA,              // ID=1 L=0: AA
                0x23, 0xBB,              // ID=2 L=3 needs 4 bytes, only 1 left
            ],
            [.init(id: 1, value: [0xAA])]
        ),
        (
            "16-byte value",
            [
                0xBE, 0xDE, 0x00, 0x05,  // length=5
                0xEF,                    // ID=14 L=15 (16 bytes)
                0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
                0x00, 0x00, 0x00,        // padding
            ],
            [.init(id: 14, value: Array(0...15))]
        ),
        (
            "all padding",
            [
                0xBE, 0xDE, 0x00, 0x01,  // length=1
                0x00, 0x00, 0x00, 0x00,  // padding
            ],
            []
        ),
    ]

    @Test(arguments: oneByteWalks)
    func oneByteWalk(name: String, block: [UInt8], expected: [RTPHeaderExtension]) throws {
        let bytes = Self.datagram(extensionBlock: block)
        try withView(bytes) { view in
            var seen: [RTPHeaderExtension] = []
            view.forEachHeaderExtension { seen.append(.init(id: $0, value: Array($1))) }
            #expect(seen == expected, "\(name)")
        }
        #expect(try parseRTP(bytes).extensions == expected, "\(name)")
    }

    /// Two-byte element walks.
    static let twoByteWalks: [(String, [UInt8], [RTPHeaderExtension])] = [
        (
            "255-byte value",
            [0x10, 0x00, 0x00, 0x41, 0x07, 0xFF] + Array(repeating: 0x5A, count: 255) + [0x00, 0x00, 0x00],
            [.init(id: 7, value: Array(repeating: 0x5A, count: 255))]
        ),
        (
            "length byte missing",
            [
                0x10, 0x00, 0x00, 0x01,  // length=1
                0x01, 0x01, 0x11,        // ID=1 L=1: 11
                0x02,                    // ID=2, no length byte
            ],
            [.init(id: 1, value: [0x11])]
        ),
        (
            "ID 15 is an ordinary ID here",
            [
                0x10, 0x00, 0x00, 0x01,  // length=1
                0x0F, 0x01, 0x11,        // ID=15 L=1
                0x00,                    // padding
            ],
            [.init(id: 15, value: [0x11])]
        ),
    ]

    @Test(arguments: twoByteWalks)
    func twoByteWalk(name: String, block: [UInt8], expected: [RTPHeaderExtension]) throws {
        let bytes = Self.datagram(extensionBlock: block)
        try withView(bytes) { view in
            var seen: [RTPHeaderExtension] = []
            view.forEachHeaderExtension { seen.append(.init(id: $0, value: Array($1))) }
            #expect(seen == expected, "\(name)")
        }
        #expect(try parseRTP(bytes).extensions == expected, "\(name)")
    }

    @Test(arguments: [
        (UInt16(0xBEDE), RTPHeaderExtensionForm?.some(.oneByte)),
        (0x1000, .twoByte),
        (0x1005, .twoByte),
        (0x100F, .twoByte),
        (0x1010, nil),
        (0xBEDF, nil),
        (0x0000, nil),
    ])
    func formFromProfile(profile: UInt16, expected: RTPHeaderExtensionForm?) {
        #expect(RTPHeaderExtensionForm(profile: profile) == expected)
    }

    @Test func formLimits() {
        #expect(RTPHeaderExtensionForm.oneByte.canEncode(id: 14))
        #expect(!RTPHeaderExtensionForm.oneByte.canEncode(id: 15))
        #expect(!RTPHeaderExtensionForm.oneByte.canEncode(id: 0))
        #expect(RTPHeaderExtensionForm.twoByte.canEncode(id: 255))
        #expect(!RTPHeaderExtensionForm.twoByte.canEncode(id: 0))
        #expect(!RTPHeaderExtensionForm.oneByte.canEncode(valueLength: 0))
        #expect(RTPHeaderExtensionForm.oneByte.canEncode(valueLength: 16))
        #expect(!RTPHeaderExtensionForm.oneByte.canEncode(valueLength: 17))
        #expect(RTPHeaderExtensionForm.twoByte.canEncode(valueLength: 0))
        #expect(!RTPHeaderExtensionForm.twoByte.canEncode(valueLength: 256))
    }

    @Test func twoByteSerializationWithAppBits() throws {
        let packet = RTPPacket(
            payloadType: 96, sequenceNumber: 1, timestamp: 0, ssrc: 1,
            extensions: [.init(id: 1, value: [0xAB])], extensionForm: .twoByte, extensionAppBits: 0x3)
        #expect(packet.serialized() == Self.datagram(extensionBlock: [
            0x10, 0x03, 0x00, 0x01,  // profile 0x1003, length=1
            0x01, 0x01, 0xAB, 0x00,  // ID=1 L=1: AB, padding
        ]))
    }
}
