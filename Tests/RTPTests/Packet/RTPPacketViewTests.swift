// The view's setters patch exactly the bytes they own, and its accessors never copy.

import Testing
@testable import RTP

@Suite struct RTPPacketViewTests {
    /// V=2 X=1 CC=1, M=0 PT=96; one-byte extension with IDs 1 and 3; payload; 2 bytes of padding.
    static let packet: [UInt8] = [
        0xB1, 0x60, 0x00, 0x01,  // V=2 P=1 X=1 CC=1, M=0 PT=96, seq=1
        0x00, 0x00, 0x00, 0x10,  // timestamp=16
        0x00, 0x00, 0x00, 0x2A,  // SSRC=42
        0x00, 0x00, 0x00, 0x07,  // CSRC=7
        0xBE, 0xDE, 0x00, 0x01,  // profile 0xBEDE, length=1 word
        0x10, 0xAA,              // ID=1 L=0: AA
        0x30, 0xBB,              // ID=3 L=0: BB
        0x01, 0x02, 0x03,        // payload
        0x00, 0x02,              // padding, count 2
    ]

    @Test func offsets() throws {
        try withView(Self.packet) { view in
            #expect(view.headerLength == 24)
            #expect(view.payloadOffset == 24)
            #expect(view.payloadLength == 3)
            #expect(view.paddingLength == 2)
            #expect(view.extensionProfile == 0xBEDE)
            #expect(view.extensionForm == .oneByte)
            #expect(view.csrc(at: 0) == 7)
        }
    }

    @Test func markerSetterKeepsPayloadType() throws {
        let (_, bytes) = try withMutable(Self.packet) { buffer in
            let view = try RTPPacketView(parsing: buffer)
            view.marker = true
            #expect(view.payloadType == 96)
            #expect(view.marker)
        }
        #expect(bytes[1] == 0xE0)
        var expected = Self.packet
        expected[1] = 0xE0
        #expect(bytes == expected)
    }

    @Test func payloadTypeSetterKeepsMarker() throws {
        let (_, bytes) = try withMutable(Self.packet) { buffer in
            let view = try RTPPacketView(parsing: buffer)
            view.marker = true
            view.payloadType = 0xFF  // the top bit is ignored
            #expect(view.payloadType == 0x7F)
            view.marker = false
            #expect(view.payloadType == 0x7F)
        }
        #expect(bytes[1] == 0x7F)
    }

    @Test func fieldSettersPatchInPlace() throws {
        let (_, bytes) = try withMutable(Self.packet) { buffer in
            let view = try RTPPacketView(parsing: buffer)
            view.sequenceNumber = 0xABCD
            view.timestamp = 0x0102_0304
            view.ssrc = 0xDEAD_BEEF
        }
        var expected = Self.packet
        expected.replaceSubrange(2..<4, with: [0xAB, 0xCD])
        expected.replaceSubrange(4..<8, with: [0x01, 0x02, 0x03, 0x04])
        expected.replaceSubrange(8..<12, with: [0xDE, 0xAD, 0xBE, 0xEF])
        #expect(bytes == expected)
    }

    @Test func rewriteAndRestore() throws {
        // G9: rewrite for a consumer, then restore the original fields.
        let (_, bytes) = try withMutable(Self.packet) { buffer in
            let view = try RTPPacketView(parsing: buffer)
            let (seq, ts, ssrc) = (view.sequenceNumber, view.timestamp, view.ssrc)
            view.sequenceNumber = seq &+ 1000
            view.timestamp = ts &+ 90000
            view.ssrc = 0x1111_1111
            #expect(view.sequenceNumber == 1001)
            view.sequenceNumber = seq
            view.timestamp = ts
            view.ssrc = ssrc
        }
        #expect(bytes == Self.packet)
    }

    @Test func payloadSharesMemory() throws {
        let (_, bytes) = try withMutable(Self.packet) { buffer in
            let view = try RTPPacketView(parsing: buffer)
            #expect(view.payload.baseAddress == buffer.baseAddress! + 24)
            view.payload[0] = 0x55
        }
        #expect(bytes[24] == 0x55)
    }

    @Test func extensionValueSharesMemory() throws {
        let (_, bytes) = try withMutable(Self.packet) { buffer in
            let view = try RTPPacketView(parsing: buffer)
            let value = try #require(view.headerExtension(id: 3))
            #expect(Array(value) == [0xBB])
            value[0] = 0xCC
        }
        #expect(bytes[23] == 0xCC)
    }

    @Test func setHeaderExtensionIDOneByte() throws {
        let (_, bytes) = try withMutable(Self.packet) { buffer in
            let view = try RTPPacketView(parsing: buffer)
            #expect(view.setHeaderExtensionID(3, to: 14))
            #expect(view.headerExtension(id: 3) == nil)
            #expect(view.headerExtension(id: 14).map { Array($0) } == [0xBB])
            #expect(!view.setHeaderExtensionID(1, to: 15))  // 15 is reserved in the one-byte form
            #expect(!view.setHeaderExtensionID(1, to: 0))   // 0 is padding
            #expect(!view.setHeaderExtensionID(9, to: 2))   // absent
        }
        #expect(bytes[22] == 0xE0)  // ID=14 L=0
        #expect(bytes[20] == 0x10)  // ID=1 untouched
    }

    @Test func setHeaderExtensionIDTwoByte() throws {
        let packet: [UInt8] = [
            0x90, 0x60, 0x00, 0x01,  // V=2 X=1
            0x00, 0x00, 0x00, 0x00,  // timestamp
            0x00, 0x00, 0x00, 0x01,  // SSRC
            0x10, 0x00, 0x00, 0x01,  // profile 0x1000, length=1 word
            0x01, 0x01, 0x77, 0x00,  // ID=1 L=1: 77, padding
        ]
        let (_, bytes) = try withMutable(packet) { buffer in
            let view = try RTPPacketView(parsing: buffer)
            #expect(view.setHeaderExtensionID(1, to: 200))
            #expect(view.headerExtension(id: 200).map { Array($0) } == [0x77])
            #expect(!view.setHeaderExtensionID(200, to: 0))
        }
        #expect(bytes[16] == 200)
        #expect(bytes[17] == 1)
    }

    @Test func setHeaderExtensionIDWithoutExtension() throws {
        try withView(rtpVectors[0].1) { view in
            #expect(view.extensionProfile == nil)
            #expect(view.extensionForm == nil)
            #expect(!view.setHeaderExtensionID(1, to: 2))
            #expect(view.headerExtension(id: 1) == nil)
            var calls = 0
            view.forEachHeaderExtension { _, _ in calls += 1 }
            #expect(calls == 0)
        }
    }

    @Test func rawProfileHasNoElements() throws {
        let bytes = rtpVectors.first { $0.0 == "non-RFC 8285 extension kept raw" }!.1
        try withView(bytes) { view in
            #expect(view.extensionProfile == 0x1234)
            #expect(view.extensionForm == nil)
            #expect(view.headerExtension(id: 0) == nil)
            #expect(!view.setHeaderExtensionID(1, to: 2))
        }
    }

    @Test(arguments: [
        ("SR", [0x80, 200] as [UInt8], true),          // PT byte 200
        ("RR", [0x81, 201], true),                     // PT byte 201
        ("PSFB", [0x81, 206], true),                   // PT byte 206
        ("lowest RTCP range", [0x80, 192], true),      // RFC 5761: 64 | M bit
        ("highest RTCP range", [0x80, 223], true),     // 95 | M bit
        ("RTP PT 96", [0x80, 0x60], false),            // M=0 PT=96
        ("RTP PT 96 marker", [0x80, 0xE0], false),     // M=1 PT=96 → 224
        ("RTP PT 63 marker", [0x80, 0xBF], false),     // M=1 PT=63 → 191
        ("RTP PT 0", [0x80, 0x00], false),             // PCMU
        ("one byte", [0x80], false),                   // too short to tell
        ("empty", [], false),
    ])
    func rtcpDemultiplexing(name: String, bytes: [UInt8], expected: Bool) {
        #expect(withRaw(bytes) { isRTCPPacket($0) } == expected, "\(name)")
    }
}
