// draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1 transport-cc feedback. The
// canonical vectors follow libwebrtc's chunk encoder; the parse-only ones use other
// (legal) chunkings.

import Testing
@testable import RTP

private func received(_ seq: UInt16, _ delta: Int16) -> PacketStatus {
    PacketStatus(sequenceNumber: seq, receivedWithDelta: delta)
}

private func lost(_ seq: UInt16) -> PacketStatus {
    PacketStatus(sequenceNumber: seq, symbol: .notReceived)
}

/// 14 packets from 10: even indexes received with deltas 1, 2, 3..., odd ones lost.
private func alternating() -> [PacketStatus] {
    var result: [PacketStatus] = []
    for i in 0..<14 {
        let seq = UInt16(10 + i)
        result.append(i % 2 == 0 ? received(seq, Int16(i / 2 + 1)) : lost(seq))
    }
    return result
}

private func losses(_ range: Range<UInt16>) -> [PacketStatus] {
    range.map { (seq: UInt16) -> PacketStatus in lost(seq) }
}

private func ones(_ range: Range<UInt16>) -> [PacketStatus] {
    range.map { (seq: UInt16) -> PacketStatus in received(seq, 1) }
}

private let twccVector0: (String, [UInt8], TransportWideCongestionControl) = (
        "pion's example: one packet, run length",
        [
            0xAF, 0xCD, 0x00, 0x05,  // V=2 P=1 FMT=15, PT=205 RTPFB, length=5
            0xFA, 0x17, 0xFA, 0x17,  // SSRC of packet sender
            0x43, 0x03, 0x2F, 0xA0,  // SSRC of media source
            0x00, 0x99, 0x00, 0x01,  // base sequence number=153, packet status count=1
            0x3D, 0xE8, 0x02, 0x17,  // reference time=0x3DE802, fb pkt count=23
            0x20, 0x01,              // run length chunk: S=1 (small delta), length 1
            0x94,                    // recv delta: 148 ticks (37 ms)
            0x01,                    // padding, count 1
        ],
        TransportWideCongestionControl(
            senderSSRC: 0xFA17_FA17, mediaSSRC: 0x4303_2FA0, baseSequenceNumber: 153, referenceTime: 0x3D_E802,
            feedbackPacketCount: 23, packets: [received(153, 0x94)])
)

private let twccVector1: (String, [UInt8], TransportWideCongestionControl) = (
        "two-bit status vector",
        [
            0xAF, 0xCD, 0x00, 0x06,  // P=1 FMT=15, PT=205, length=6 (28 bytes)
            0x00, 0x00, 0x00, 0x01,  // SSRC of packet sender
            0x00, 0x00, 0x00, 0x02,  // SSRC of media source
            0xFF, 0xFE, 0x00, 0x04,  // base sequence number=65534, packet status count=4
            0xFF, 0xFF, 0xFF, 0x00,  // reference time=-1, fb pkt count=0
            0xD8, 0x40,              // T=1 S=1: small, large, not received, small, (3 unused)
            0x10,                    // recv delta: 16 ticks
            0xFF, 0xF0,              // recv delta: -16 ticks (large or negative)
            0x04,                    // recv delta: 4 ticks
            0x00, 0x02,              // padding, count 2
        ],
        TransportWideCongestionControl(
            senderSSRC: 1, mediaSSRC: 2, baseSequenceNumber: 65534, referenceTime: -1, feedbackPacketCount: 0,
            packets: [received(65534, 16), received(65535, -16), lost(0), received(1, 4)])
)

private let twccVector2: (String, [UInt8], TransportWideCongestionControl) = (
        "one-bit status vector",
        [
            0xAF, 0xCD, 0x00, 0x07,  // P=1 FMT=15, PT=205, length=7 (32 bytes)
            0x00, 0x00, 0x00, 0x01,  // SSRC of packet sender
            0x00, 0x00, 0x00, 0x02,  // SSRC of media source
            0x00, 0x0A, 0x00, 0x0E,  // base sequence number=10, packet status count=14
            0x00, 0x00, 0x01, 0x05,  // reference time=1 (64 ms), fb pkt count=5
            0xAA, 0xAA,              // T=1 S=0: received, lost, received, lost, ... (14 symbols)
            0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,  // 7 small recv deltas
            0x00, 0x00, 0x03,        // padding, count 3
        ],
        TransportWideCongestionControl(
            senderSSRC: 1, mediaSSRC: 2, baseSequenceNumber: 10, referenceTime: 1, feedbackPacketCount: 5,
            packets: alternating())
)

private let twccVector3: (String, [UInt8], TransportWideCongestionControl) = (
        "run of losses, then a run of small deltas",
        [
            0xAF, 0xCD, 0x00, 0x06,  // P=1 FMT=15, PT=205, length=6 (28 bytes)
            0x00, 0x00, 0x00, 0x01,  // SSRC of packet sender
            0x00, 0x00, 0x00, 0x02,  // SSRC of media source
            0x00, 0x00, 0x00, 0x16,  // base sequence number=0, packet status count=22
            0x00, 0x00, 0x00, 0x01,  // reference time=0, fb pkt count=1
            0x00, 0x14,              // run length chunk: S=0 (not received), length 20
            0x20, 0x02,              // run length chunk: S=1 (small delta), length 2
            0x00, 0xFF,              // recv deltas: 0 and 255 ticks
            0x00, 0x02,              // padding, count 2
        ],
        TransportWideCongestionControl(
            senderSSRC: 1, mediaSSRC: 2, baseSequenceNumber: 0, referenceTime: 0, feedbackPacketCount: 1,
            packets: losses(0..<20) + [received(20, 0), received(21, 255)])
)

private let twccVector4: (String, [UInt8], TransportWideCongestionControl) = (
        "two-bit chunk emitted, remainder as a run",
        [
            0xAF, 0xCD, 0x00, 0x08,  // P=1 FMT=15, PT=205, length=8 (36 bytes)
            0x00, 0x00, 0x00, 0x01,  // SSRC of packet sender
            0x00, 0x00, 0x00, 0x02,  // SSRC of media source
            0x00, 0x64, 0x00, 0x09,  // base sequence number=100, packet status count=9
            0x00, 0x00, 0x02, 0x02,  // reference time=2, fb pkt count=2
            0xD9, 0x55,              // T=1 S=1: small, large, small, small, small, small, small
            0x20, 0x02,              // run length chunk: S=1, length 2
            0x01,                    // recv delta 1
            0x01, 0x00,              // recv delta 256 (large)
            0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,  // 7 recv deltas of 1
            0x00, 0x02,              // padding, count 2
        ],
        TransportWideCongestionControl(
            senderSSRC: 1, mediaSSRC: 2, baseSequenceNumber: 100, referenceTime: 2, feedbackPacketCount: 2,
            packets: [received(100, 1), received(101, 256)] + ones(102..<109))
)

private let twccVector5: (String, [UInt8], TransportWideCongestionControl) = (
        "no padding needed",
        [
            0x8F, 0xCD, 0x00, 0x05,  // P=0 FMT=15, PT=205, length=5 (24 bytes)
            0x00, 0x00, 0x00, 0x01,  // SSRC of packet sender
            0x00, 0x00, 0x00, 0x02,  // SSRC of media source
            0x00, 0x01, 0x00, 0x01,  // base sequence number=1, packet status count=1
            0x80, 0x00, 0x00, 0x00,  // reference time=-8388608 (min), fb pkt count=0
            0x40, 0x01,              // run length chunk: S=2 (large), length 1
            0x80, 0x00,              // recv delta: -32768 ticks
        ],
        TransportWideCongestionControl(
            senderSSRC: 1, mediaSSRC: 2, baseSequenceNumber: 1, referenceTime: -0x80_0000, feedbackPacketCount: 0,
            packets: [received(1, .min)])
)

let transportWideCongestionControlVectors: [(String, [UInt8], TransportWideCongestionControl)] = [
    twccVector0,
    twccVector1,
    twccVector2,
    twccVector3,
    twccVector4,
    twccVector5,
]

@Suite struct TransportWideCongestionControlTests {
    @Test(arguments: transportWideCongestionControlVectors)
    func vector(name: String, bytes: [UInt8], expected: TransportWideCongestionControl) throws {
        try checkRTCPVector(
            name, bytes, .transportWideCongestionControl(expected),
            typed: { (raw) throws(RTCPParseError) in try TransportWideCongestionControl(parsing: raw) },
            unwrap: { if case .transportWideCongestionControl(let twcc) = $0 { twcc } else { nil } })
    }

    /// Legal encodings that libwebrtc would chunk differently: parse only, then re-serialize
    /// to something that parses to the same feedback.
    static let parseOnlyVectors: [(String, [UInt8], [PacketStatus])] = [
        (
            "one-bit vector with unused trailing symbols",
            [
                0x8F, 0xCD, 0x00, 0x05,  // P=0 FMT=15, length=5 (24 bytes)
                0x00, 0x00, 0x00, 0x01,  // SSRC of packet sender
                0x00, 0x00, 0x00, 0x02,  // SSRC of media source
                0x00, 0x05, 0x00, 0x02,  // base=5, count=2
                0x00, 0x00, 0x00, 0x00,  // reference time=0, fb pkt count=0
                0xBF, 0xFF,              // T=1 S=0: received, received, then 12 unused ones
                0x03, 0x04,              // recv deltas 3 and 4
            ],
            [received(5, 3), received(6, 4)]
        ),
        (
            "run length longer than the count, and a zero-length run",
            [
                0x8F, 0xCD, 0x00, 0x05,  // P=0 FMT=15, length=5 (24 bytes)
                0x00, 0x00, 0x00, 0x01,  // SSRC of packet sender
                0x00, 0x00, 0x00, 0x02,  // SSRC of media source
                0x00, 0x00, 0x00, 0x03,  // base=0, count=3
                0x00, 0x00, 0x00, 0x00,  // reference time=0, fb pkt count=0
                0x00, 0x00,              // run length chunk: length 0
                0x00, 0x09,              // run length chunk: not received ×9 (only 3 used)
            ],
            [lost(0), lost(1), lost(2)]
        ),
        (
            "P=0 with trailing zero bytes",
            [
                0x8F, 0xCD, 0x00, 0x05,  // P=0 FMT=15, length=5 (24 bytes)
                0x00, 0x00, 0x00, 0x01,  // SSRC of packet sender
                0x00, 0x00, 0x00, 0x02,  // SSRC of media source
                0x00, 0x00, 0x00, 0x01,  // base=0, count=1
                0x00, 0x00, 0x00, 0x00,  // reference time=0, fb pkt count=0
                0x20, 0x01,              // run length chunk: small ×1
                0x05, 0x00,              // recv delta 5, zero byte
            ],
            [received(0, 5)]
        ),
    ]

    @Test(arguments: parseOnlyVectors)
    func parseOnly(name: String, bytes: [UInt8], expected: [PacketStatus]) throws {
        let twcc = try parseOne(bytes) { (raw) throws(RTCPParseError) in try TransportWideCongestionControl(parsing: raw) }
        #expect(twcc.packets == expected, "\(name)")
        let reparsed = try parseOne(RTCPPacket.transportWideCongestionControl(twcc).serialized()) {
            (raw) throws(RTCPParseError) in try TransportWideCongestionControl(parsing: raw)
        }
        #expect(reparsed == twcc, "\(name)")
    }

    @Test(arguments: [
        (
            "reserved symbol in a run",
            [
                0x8F, 0xCD, 0x00, 0x05,  // FMT=15, length=5
                0, 0, 0, 1, 0, 0, 0, 2,  // SSRCs
                0x00, 0x00, 0x00, 0x01,  // base=0, count=1
                0x00, 0x00, 0x00, 0x00,  // reference time, fb pkt count
                0x60, 0x01, 0x00, 0x00,  // run length chunk: S=3 (reserved)
            ] as [UInt8],
            RTCPParseError.invalidPacketStatus
        ),
        (
            "reserved symbol in a two-bit vector",
            [
                0x8F, 0xCD, 0x00, 0x05,  // FMT=15, length=5
                0, 0, 0, 1, 0, 0, 0, 2,  // SSRCs
                0x00, 0x00, 0x00, 0x02,  // base=0, count=2
                0x00, 0x00, 0x00, 0x00,  // reference time, fb pkt count
                0xCC, 0x00, 0x00, 0x00,  // T=1 S=1: 00 not received, 11 reserved
            ],
            .invalidPacketStatus
        ),
        (
            "chunks end before the count",
            [
                0x8F, 0xCD, 0x00, 0x05,  // FMT=15, length=5
                0, 0, 0, 1, 0, 0, 0, 2,  // SSRCs
                0x00, 0x00, 0x00, 0x20,  // base=0, count=32
                0x00, 0x00, 0x00, 0x00,  // reference time, fb pkt count
                0x00, 0x0A, 0x00, 0x0A,  // two runs of 10 losses, then the packet ends
            ],
            .packetTooShort
        ),
        (
            "missing recv deltas",
            [
                0x8F, 0xCD, 0x00, 0x05,  // FMT=15, length=5
                0, 0, 0, 1, 0, 0, 0, 2,  // SSRCs
                0x00, 0x00, 0x00, 0x03,  // base=0, count=3
                0x00, 0x00, 0x00, 0x00,  // reference time, fb pkt count
                0x40, 0x03, 0x00, 0x01,  // run of 3 large deltas, only 2 bytes of deltas
            ],
            .packetTooShort
        ),
        (
            "no fixed fields",
            [0x8F, 0xCD, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2],  // FMT=15, SSRCs only
            .packetTooShort
        ),
    ])
    func error(name: String, bytes: [UInt8], expected: RTCPParseError) {
        checkRTCPError(name, bytes, expected) {
            (raw) throws(RTCPParseError) in try TransportWideCongestionControl(parsing: raw)
        }
    }

    /// Random feedback of many shapes round-trips through the libwebrtc chunk encoder.
    @Test func randomFeedbackRoundTrips() throws {
        var generator = SplitMix64(seed: 15)
        for round in 0..<500 {
            let count = Int.random(in: 0...300, using: &generator)
            let base = UInt16.random(in: 0...UInt16.max, using: &generator)
            // Bias towards runs: repeat the previous symbol most of the time.
            var symbol = PacketStatusSymbol.receivedSmallDelta
            let packets: [PacketStatus] = (0..<count).map { i in
                if Int.random(in: 0..<4, using: &generator) == 0 {
                    symbol = [.notReceived, .receivedSmallDelta, .receivedLargeOrNegativeDelta].randomElement(using: &generator)!
                }
                let seq = base &+ UInt16(i)
                switch symbol {
                case .notReceived: return lost(seq)
                case .receivedSmallDelta: return received(seq, Int16.random(in: 0...255, using: &generator))
                case .receivedLargeOrNegativeDelta:
                    let delta = Bool.random(using: &generator)
                        ? Int16.random(in: .min ... -1, using: &generator) : Int16.random(in: 256 ... .max, using: &generator)
                    return received(seq, delta)
                }
            }
            let twcc = TransportWideCongestionControl(
                senderSSRC: 1, mediaSSRC: 2, baseSequenceNumber: base, referenceTime: Int32(round) - 250,
                feedbackPacketCount: UInt8(truncatingIfNeeded: round), packets: packets)
            let bytes = RTCPPacket.transportWideCongestionControl(twcc).serialized()
            #expect(bytes.count == twcc.serializedSize)
            #expect(bytes.count % 4 == 0)
            let parsed = try parseRTCP(bytes)
            #expect(parsed == [.transportWideCongestionControl(twcc)], "round \(round)")
            #expect(RTCPCompound.serialize(parsed) == bytes, "round \(round)")
        }
    }

    @Test func longRunsSplitAtTheRunLengthLimit() throws {
        let packets = losses(0..<10_000)
        let twcc = TransportWideCongestionControl(
            senderSSRC: 1, mediaSSRC: 2, baseSequenceNumber: 0, referenceTime: 0, feedbackPacketCount: 0, packets: packets)
        let bytes = RTCPPacket.transportWideCongestionControl(twcc).serialized()
        #expect(bytes[20...23] == [0x1F, 0xFF, 0x07, 0x11])  // run of 8191 losses, then run of 1809
        #expect(try parseRTCP(bytes) == [.transportWideCongestionControl(twcc)])
    }

    @Test func deltaUnits() {
        #expect(received(0, 4).deltaMicroseconds == 1000)
        #expect(received(0, -1).deltaMicroseconds == -250)
        #expect(received(0, -1).symbol == .receivedLargeOrNegativeDelta)
        #expect(received(0, 256).symbol == .receivedLargeOrNegativeDelta)
        #expect(received(0, 255).symbol == .receivedSmallDelta)
    }
}
