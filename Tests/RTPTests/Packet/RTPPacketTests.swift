// RFC 3550 §5.1 byte vectors: each parses to the expected packet, serializes back to the same
// bytes, and the view agrees with the owned packet.

import Testing
@testable import RTP

/// Canonical datagrams: serialize(parse(b)) == b holds for every row.
let rtpVectors: [(String, [UInt8], RTPPacket)] = [
    (
        "plain",
        [
            0x80, 0x60, 0x00, 0x01,  // V=2 P=0 X=0 CC=0, M=0 PT=96, seq=1
            0x00, 0x00, 0x00, 0x64,  // timestamp=100
            0x12, 0x34, 0x56, 0x78,  // SSRC
            0xDE, 0xAD, 0xBE, 0xEF,  // payload
        ],
        RTPPacket(payloadType: 96, sequenceNumber: 1, timestamp: 100, ssrc: 0x1234_5678, payload: [0xDE, 0xAD, 0xBE, 0xEF])
    ),
    (
        "marker, empty payload",
        [
            0x80, 0xEF, 0xFF, 0xFF,  // V=2 CC=0, M=1 PT=111, seq=65535
            0xFF, 0xFF, 0xFF, 0xFF,  // timestamp=2^32-1
            0x00, 0x00, 0x00, 0x01,  // SSRC=1
        ],
        RTPPacket(marker: true, payloadType: 111, sequenceNumber: 0xFFFF, timestamp: 0xFFFF_FFFF, ssrc: 1)
    ),
    (
        "two CSRCs",
        [
            0x82, 0x08, 0x30, 0x39,  // V=2 CC=2, M=0 PT=8, seq=12345
            0x00, 0x01, 0x00, 0x00,  // timestamp=65536
            0xCA, 0xFE, 0xBA, 0xBE,  // SSRC
            0x00, 0x00, 0x00, 0x0A,  // CSRC 1
            0x00, 0x00, 0x00, 0x0B,  // CSRC 2
            0x01, 0x02,              // payload
        ],
        RTPPacket(
            payloadType: 8, sequenceNumber: 12345, timestamp: 65536, ssrc: 0xCAFE_BABE, csrcs: [10, 11], payload: [1, 2])
    ),
    (
        "one-byte extension",
        [
            0x90, 0x60, 0x00, 0x02,  // V=2 X=1 CC=0, PT=96, seq=2
            0x00, 0x00, 0x00, 0x00,  // timestamp=0
            0x00, 0x00, 0x00, 0x2A,  // SSRC=42
            0xBE, 0xDE, 0x00, 0x02,  // profile 0xBEDE, length=2 words
            0x10, 0xAA,              // ID=1 L=0 (1 byte): 0xAA
            0x32, 0x01, 0x02, 0x03,  // ID=3 L=2 (3 bytes): 01 02 03
            0x00, 0x00,              // padding to the word
            0x99,                    // payload
        ],
        RTPPacket(
            payloadType: 96, sequenceNumber: 2, timestamp: 0, ssrc: 42,
            extensions: [.init(id: 1, value: [0xAA]), .init(id: 3, value: [1, 2, 3])], extensionForm: .oneByte,
            payload: [0x99])
    ),
    (
        "two-byte extension",
        [
            0x90, 0x60, 0x00, 0x03,  // V=2 X=1, PT=96, seq=3
            0x00, 0x00, 0x00, 0x00,  // timestamp=0
            0x00, 0x00, 0x00, 0x2A,  // SSRC=42
            0x10, 0x00, 0x00, 0x02,  // profile 0x1000 (appbits 0), length=2 words
            0x05, 0x00,              // ID=5 L=0: empty value
            0x10, 0x03, 0xA, 0xB, 0xC,  // ID=16 L=3: 0A 0B 0C
            0x00,                    // padding to the word
        ],
        RTPPacket(
            payloadType: 96, sequenceNumber: 3, timestamp: 0, ssrc: 42,
            extensions: [.init(id: 5, value: []), .init(id: 16, value: [0xA, 0xB, 0xC])], extensionForm: .twoByte)
    ),
    (
        "two-byte extension with appbits",
        [
            0x90, 0x60, 0x00, 0x04,  // V=2 X=1, PT=96, seq=4
            0x00, 0x00, 0x00, 0x00,  // timestamp=0
            0x00, 0x00, 0x00, 0x2A,  // SSRC=42
            0x10, 0x0F, 0x00, 0x01,  // profile 0x100F (appbits 15), length=1 word
            0xFF, 0x02, 0x01, 0x02,  // ID=255 L=2: 01 02
        ],
        RTPPacket(
            payloadType: 96, sequenceNumber: 4, timestamp: 0, ssrc: 42,
            extensions: [.init(id: 255, value: [1, 2])], extensionForm: .twoByte, extensionAppBits: 15)
    ),
    (
        "empty one-byte extension block",
        [
            0x90, 0x60, 0x00, 0x05,  // V=2 X=1, PT=96, seq=5
            0x00, 0x00, 0x00, 0x00,  // timestamp=0
            0x00, 0x00, 0x00, 0x2A,  // SSRC=42
            0xBE, 0xDE, 0x00, 0x00,  // profile 0xBEDE, length=0
        ],
        RTPPacket(payloadType: 96, sequenceNumber: 5, timestamp: 0, ssrc: 42, extensionForm: .oneByte)
    ),
    (
        "non-RFC 8285 extension kept raw",
        [
            0x90, 0x60, 0x00, 0x06,  // V=2 X=1, PT=96, seq=6
            0x00, 0x00, 0x00, 0x00,  // timestamp=0
            0x00, 0x00, 0x00, 0x2A,  // SSRC=42
            0x12, 0x34, 0x00, 0x01,  // profile 0x1234, length=1 word
            0x01, 0x02, 0x03, 0x04,  // opaque extension data
        ],
        RTPPacket(
            payloadType: 96, sequenceNumber: 6, timestamp: 0, ssrc: 42,
            rawExtension: RTPRawHeaderExtension(profile: 0x1234, data: [1, 2, 3, 4]))
    ),
    (
        "padding",
        [
            0xA0, 0x60, 0x00, 0x07,  // V=2 P=1, PT=96, seq=7
            0x00, 0x00, 0x00, 0x00,  // timestamp=0
            0x00, 0x00, 0x00, 0x2A,  // SSRC=42
            0x01, 0x02,              // payload
            0x00, 0x00, 0x03,        // padding, the last byte counts 3
        ],
        RTPPacket(payloadType: 96, sequenceNumber: 7, timestamp: 0, ssrc: 42, payload: [1, 2], paddingLength: 3)
    ),
    (
        "padding only",
        [
            0xA0, 0x60, 0x00, 0x08,  // V=2 P=1, PT=96, seq=8
            0x00, 0x00, 0x00, 0x00,  // timestamp=0
            0x00, 0x00, 0x00, 0x2A,  // SSRC=42
            0x00, 0x00, 0x00, 0x04,  // padding only (a probe), count 4
        ],
        RTPPacket(payloadType: 96, sequenceNumber: 8, timestamp: 0, ssrc: 42, paddingLength: 4)
    ),
    (
        "everything",
        [
            0xB1, 0xE4, 0x12, 0x34,  // V=2 P=1 X=1 CC=1, M=1 PT=100, seq=0x1234
            0x11, 0x22, 0x33, 0x44,  // timestamp
            0x55, 0x66, 0x77, 0x88,  // SSRC
            0x99, 0xAA, 0xBB, 0xCC,  // CSRC
            0xBE, 0xDE, 0x00, 0x01,  // profile 0xBEDE, length=1 word
            0x41, 0x01, 0x02, 0x00,  // ID=4 L=1: 01 02, padding
            0xFE,                    // payload
            0x02, 0x02,              // padding, count 2 (the other byte need not be zero on input)
        ],
        RTPPacket(
            marker: true, payloadType: 100, sequenceNumber: 0x1234, timestamp: 0x1122_3344, ssrc: 0x5566_7788,
            csrcs: [0x99AA_BBCC], extensions: [.init(id: 4, value: [1, 2])], extensionForm: .oneByte,
            payload: [0xFE], paddingLength: 2)
    ),
]

/// Malformed datagrams and the error each must produce.
let rtpErrorVectors: [(String, [UInt8], RTPParseError)] = [
    ("empty", [], .headerTooShort),
    (
        "11 bytes",
        [
            0x80, 0x60, 0x00, 0x01,  // V=2, PT=96, seq=1
            0x00, 0x00, 0x00, 0x00,  // timestamp
            0x00, 0x00, 0x00,        // SSRC cut short
        ],
        .headerTooShort
    ),
    (
        "version 1",
        [
            0x40, 0x60, 0x00, 0x01,  // V=1
            0x00, 0x00, 0x00, 0x00,  // timestamp
            0x00, 0x00, 0x00, 0x01,  // SSRC
        ],
        .invalidVersion
    ),
    (
        "version 3",
        [
            0xC0, 0x60, 0x00, 0x01,  // V=3
            0x00, 0x00, 0x00, 0x00,  // timestamp
            0x00, 0x00, 0x00, 0x01,  // SSRC
        ],
        .invalidVersion
    ),
    (
        "CSRC list beyond the datagram",
        [
            0x82, 0x60, 0x00, 0x01,  // V=2 CC=2
            0x00, 0x00, 0x00, 0x00,  // timestamp
            0x00, 0x00, 0x00, 0x01,  // SSRC
            0x00, 0x00, 0x00, 0x0A,  // CSRC 1; CSRC 2 missing
        ],
        .csrcListTooShort
    ),
    (
        "X set, no extension header",
        [
            0x90, 0x60, 0x00, 0x01,  // V=2 X=1
            0x00, 0x00, 0x00, 0x00,  // timestamp
            0x00, 0x00, 0x00, 0x01,  // SSRC
            0xBE, 0xDE,              // half an extension header
        ],
        .extensionHeaderTooShort
    ),
    (
        "extension length beyond the datagram",
        [
            0x90, 0x60, 0x00, 0x01,  // V=2 X=1
            0x00, 0x00, 0x00, 0x00,  // timestamp
            0x00, 0x00, 0x00, 0x01,  // SSRC
            0xBE, 0xDE, 0x00, 0x02,  // length=2 words, only 1 present
            0x10, 0xAA, 0x00, 0x00,  // ID=1 L=0
        ],
        .extensionTooLong
    ),
    (
        "padding count 0",
        [
            0xA0, 0x60, 0x00, 0x01,  // V=2 P=1
            0x00, 0x00, 0x00, 0x00,  // timestamp
            0x00, 0x00, 0x00, 0x01,  // SSRC
            0x01, 0x00,              // payload, then a count of 0
        ],
        .invalidPadding
    ),
    (
        "padding larger than the payload",
        [
            0xA0, 0x60, 0x00, 0x01,  // V=2 P=1
            0x00, 0x00, 0x00, 0x00,  // timestamp
            0x00, 0x00, 0x00, 0x01,  // SSRC
            0x01, 0x05,              // count 5, only 2 bytes after the header
        ],
        .invalidPadding
    ),
    (
        "padding flag, no bytes after the header",
        [
            0xA0, 0x60, 0x00, 0x01,  // V=2 P=1
            0x00, 0x00, 0x00, 0x00,  // timestamp
            0x00, 0x00, 0x00, 0x01,  // SSRC; its last byte would be the count
        ],
        .invalidPadding
    ),
    (
        "padding reaching into the extension",
        [
            0xB0, 0x60, 0x00, 0x01,  // V=2 P=1 X=1
            0x00, 0x00, 0x00, 0x00,  // timestamp
            0x00, 0x00, 0x00, 0x01,  // SSRC
            0xBE, 0xDE, 0x00, 0x01,  // length=1 word
            0x10, 0xAA, 0x00, 0x00,  // ID=1 L=0
            0x00, 0x06,              // count 6 > 2 bytes of payload area
        ],
        .invalidPadding
    ),
]

@Suite struct RTPPacketTests {
    @Test(arguments: rtpVectors)
    func parse(name: String, bytes: [UInt8], expected: RTPPacket) throws {
        #expect(try parseRTP(bytes) == expected, "\(name)")
    }

    @Test(arguments: rtpVectors)
    func serialize(name: String, bytes: [UInt8], expected: RTPPacket) throws {
        #expect(expected.serializedSize == bytes.count, "\(name)")
        let written = serializeExactly(size: expected.serializedSize) { expected.serialize(into: $0) }
        // The "everything" row has a non-zero padding byte, which the serializer writes as zero.
        var canonical = bytes
        if name == "everything" { canonical[canonical.count - 2] = 0 }
        #expect(written == canonical, "\(name)")
        #expect(expected.serialized() == canonical, "\(name)")
    }

    @Test(arguments: rtpVectors)
    func roundTrip(name: String, bytes: [UInt8], expected: RTPPacket) throws {
        #expect(try parseRTP(expected.serialized()) == expected, "\(name)")
        let reparsed = try parseRTP(bytes)
        #expect(try parseRTP(reparsed.serialized()) == reparsed, "\(name)")
    }

    @Test(arguments: rtpVectors)
    func viewAgreesWithOwnedPacket(name: String, bytes: [UInt8], expected: RTPPacket) throws {
        try withView(bytes) { view in
            #expect(view.version == 2)
            #expect(view.marker == expected.marker)
            #expect(view.payloadType == expected.payloadType)
            #expect(view.sequenceNumber == expected.sequenceNumber)
            #expect(view.timestamp == expected.timestamp)
            #expect(view.ssrc == expected.ssrc)
            #expect(view.csrcCount == expected.csrcs.count)
            #expect((0..<view.csrcCount).map { view.csrc(at: $0) } == expected.csrcs)
            #expect(view.hasPadding == (expected.paddingLength > 0))
            #expect(view.paddingLength == Int(expected.paddingLength))
            #expect(Array(view.payload) == expected.payload)
            #expect(view.payloadLength == expected.payload.count)
            #expect(view.payloadOffset == view.headerLength)
            #expect(view.headerLength + view.payloadLength + view.paddingLength == bytes.count)
            #expect(view.hasExtension == (expected.extensionForm != nil || expected.rawExtension != nil))
            var seen: [RTPHeaderExtension] = []
            view.forEachHeaderExtension { id, value in seen.append(.init(id: id, value: Array(value))) }
            #expect(seen == expected.extensions, "\(name)")
            for element in expected.extensions {
                #expect(view.headerExtension(id: element.id).map { Array($0) } == element.value)
            }
        }
    }

    @Test(arguments: rtpErrorVectors)
    func parseError(name: String, bytes: [UInt8], expected: RTPParseError) {
        #expect(throws: expected, "\(name)") { try parseRTP(bytes) }
        #expect(throws: expected, "\(name)") { try withView(bytes) { _ in } }
    }

    @Test func automaticFormChoosesOneByteWhenEverythingFits() {
        let packet = RTPPacket(
            payloadType: 96, sequenceNumber: 1, timestamp: 0, ssrc: 1,
            extensions: [.init(id: 14, value: Array(repeating: 7, count: 16))])
        #expect(packet.effectiveExtensionForm == .oneByte)
        let bytes = packet.serialized()
        #expect(bytes[12...15] == [0xBE, 0xDE, 0x00, 0x05])  // 17 bytes of elements → 5 words
        #expect(bytes[16] == 0xEF)                            // ID=14 L=15 (16 bytes)
    }

    @Test(arguments: [
        ("ID above 14", RTPHeaderExtension(id: 15, value: [1])),
        ("empty value", RTPHeaderExtension(id: 1, value: [])),
        ("17-byte value", RTPHeaderExtension(id: 1, value: Array(repeating: 0, count: 17))),
    ])
    func automaticFormFallsBackToTwoByte(name: String, element: RTPHeaderExtension) throws {
        let packet = RTPPacket(payloadType: 96, sequenceNumber: 1, timestamp: 0, ssrc: 1, extensions: [element])
        #expect(packet.effectiveExtensionForm == .twoByte, "\(name)")
        let parsed = try parseRTP(packet.serialized())
        #expect(parsed.extensionForm == .twoByte)
        #expect(parsed.extensions == [element])
    }

    @Test func noExtensionsMeansNoBlock() {
        let packet = RTPPacket(payloadType: 96, sequenceNumber: 1, timestamp: 0, ssrc: 1, payload: [1])
        #expect(packet.effectiveExtensionForm == nil)
        #expect(packet.serialized()[0] == 0x80)
        #expect(packet.serializedSize == 13)
    }

    @Test func headerExtensionLookupOnOwnedPacket() {
        let packet = RTPPacket(
            payloadType: 96, sequenceNumber: 1, timestamp: 0, ssrc: 1,
            extensions: [.init(id: 2, value: [9]), .init(id: 2, value: [8])])
        #expect(packet.headerExtension(id: 2) == [9])
        #expect(packet.headerExtension(id: 3) == nil)
    }

    @Test func serializeIntoLargerBufferWritesOnlyTheSize() {
        let packet = rtpVectors[0].2
        var buffer = [UInt8](repeating: 0xEE, count: 64)
        let written = buffer.withUnsafeMutableBytes { packet.serialize(into: $0) }
        #expect(written == 16)
        #expect(Array(buffer[..<16]) == rtpVectors[0].1)
        #expect(buffer[16...].allSatisfy { $0 == 0xEE })
    }
}
