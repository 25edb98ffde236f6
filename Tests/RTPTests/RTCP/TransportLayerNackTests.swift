// RFC 4585 §6.2.1 generic NACK.

import Testing
@testable import RTP

let transportLayerNackVectors: [(String, [UInt8], TransportLayerNack)] = [
    (
        "one pair",
        [
            0x81, 0xCD, 0x00, 0x03,  // V=2 P=0 FMT=1, PT=205 RTPFB, length=3
            0x90, 0x2F, 0x9E, 0x2E,  // SSRC of packet sender
            0x4B, 0xC4, 0xFC, 0xB4,  // SSRC of media source
            0x00, 0x64, 0x00, 0x05,  // PID=100, BLP=0b101: 101 and 103 lost too
        ],
        TransportLayerNack(senderSSRC: 0x902F_9E2E, mediaSSRC: 0x4BC4_FCB4, pairs: [NackPair(packetID: 100, lostPackets: 5)])
    ),
    (
        "two pairs across the wrap",
        [
            0x81, 0xCD, 0x00, 0x04,  // FMT=1, PT=205, length=4
            0x00, 0x00, 0x00, 0x01,  // SSRC of packet sender
            0x00, 0x00, 0x00, 0x02,  // SSRC of media source
            0xFF, 0xFE, 0x80, 0x01,  // PID=65534, BLP: +1 (65535) and +16 (14)
            0x00, 0x20, 0x00, 0x00,  // PID=32, BLP=0
        ],
        TransportLayerNack(
            senderSSRC: 1, mediaSSRC: 2,
            pairs: [NackPair(packetID: 65534, lostPackets: 0x8001), NackPair(packetID: 32)])
    ),
]

@Suite struct TransportLayerNackTests {
    @Test(arguments: transportLayerNackVectors)
    func vector(name: String, bytes: [UInt8], expected: TransportLayerNack) throws {
        try checkRTCPVector(
            name, bytes, .transportLayerNack(expected),
            typed: { (raw) throws(RTCPParseError) in try TransportLayerNack(parsing: raw) },
            unwrap: { if case .transportLayerNack(let nack) = $0 { nack } else { nil } })
    }

    @Test func expandsToLostSequenceNumbers() {
        #expect(transportLayerNackVectors[0].2.lostSequenceNumbers == [100, 101, 103])
        #expect(transportLayerNackVectors[1].2.lostSequenceNumbers == [65534, 65535, 14, 32])
        #expect(NackPair(packetID: 0, lostPackets: 0xFFFF).lostSequenceNumbers == Array(0...16))
    }

    @Test(arguments: [
        ([UInt16](), [NackPair]()),
        ([7], [NackPair(packetID: 7)]),
        ([100, 101, 103], [NackPair(packetID: 100, lostPackets: 0b101)]),
        (Array(0...16), [NackPair(packetID: 0, lostPackets: 0xFFFF)]),
        (Array(0...17), [NackPair(packetID: 0, lostPackets: 0xFFFF), NackPair(packetID: 17)]),
        ([65535, 0, 1], [NackPair(packetID: 65535, lostPackets: 0b11)]),
        ([5, 5, 6], [NackPair(packetID: 5, lostPackets: 1)]),          // duplicates collapse
        ([10, 40, 41], [NackPair(packetID: 10), NackPair(packetID: 40, lostPackets: 1)]),
    ])
    func buildsPairs(lost: [UInt16], expected: [NackPair]) {
        #expect(TransportLayerNack.pairs(for: lost) == expected)
        let nack = TransportLayerNack(senderSSRC: 1, mediaSSRC: 2, lostSequenceNumbers: lost)
        var unique: [UInt16] = []
        for seq in lost where unique.last != seq { unique.append(seq) }
        #expect(nack.lostSequenceNumbers == unique)
    }

    @Test func staticWriterWithOnePair() {
        let bytes = serializeExactly(size: 16) { buffer in
            TransportLayerNack.serialize(
                senderSSRC: 0x902F_9E2E, mediaSSRC: 0x4BC4_FCB4, pairs: CollectionOfOne(NackPair(packetID: 100, lostPackets: 5)),
                into: buffer)
        }
        #expect(bytes == transportLayerNackVectors[0].1)
    }

    @Test func forEachLostDoesNotNeedAnArray() {
        var count = 0
        var last: UInt16 = 0
        NackPair(packetID: 65530, lostPackets: 0x8000).forEachLost { count += 1; last = $0 }
        #expect(count == 2)
        #expect(last == 10)  // 65530 + 16, wrapped
    }

    @Test(arguments: [
        ("no media SSRC", [0x81, 0xCD, 0x00, 0x01, 0, 0, 0, 1] as [UInt8], RTCPParseError.packetTooShort),
        ("wrong FMT", [0x83, 0xCD, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2], .wrongPacketType),
        (
            "half a pair (padding eats the rest)",
            [
                0xA1, 0xCD, 0x00, 0x03,  // P=1 FMT=1, length=3
                0, 0, 0, 1, 0, 0, 0, 2,  // SSRCs
                0x00, 0x64, 0x00, 0x02,  // PID=100, then padding count 2
            ],
            .packetTooShort
        ),
    ])
    func error(name: String, bytes: [UInt8], expected: RTCPParseError) {
        checkRTCPError(name, bytes, expected) { (raw) throws(RTCPParseError) in try TransportLayerNack(parsing: raw) }
    }
}
