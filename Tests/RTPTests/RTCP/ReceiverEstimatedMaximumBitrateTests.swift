// draft-alvestrand-rmcat-remb-03 REMB messages.

import Testing
@testable import RTP

let receiverEstimatedMaximumBitrateVectors: [(String, [UInt8], ReceiverEstimatedMaximumBitrate)] = [
    (
        "pion's vector: 8927168 bps",
        [
            0x8F, 0xCE, 0x00, 0x05,  // V=2 P=0 FMT=15, PT=206 PSFB, length=5
            0x00, 0x00, 0x00, 0x01,  // SSRC of packet sender
            0x00, 0x00, 0x00, 0x00,  // SSRC of media source = 0
            0x52, 0x45, 0x4D, 0x42,  // "REMB"
            0x01, 0x1A, 0x20, 0xDF,  // num SSRC=1, exp=6, mantissa=0x220DF (139487)
            0x48, 0x74, 0xED, 0x16,  // SSRC feedback
        ],
        ReceiverEstimatedMaximumBitrate(senderSSRC: 1, bitrate: 8_927_168, ssrcs: [0x4874_ED16])
    ),
    (
        "1 Mbps, two SSRCs",
        [
            0x8F, 0xCE, 0x00, 0x06,  // FMT=15, PT=206, length=6
            0x00, 0x00, 0x00, 0x02,  // SSRC of packet sender
            0x00, 0x00, 0x00, 0x00,  // SSRC of media source = 0
            0x52, 0x45, 0x4D, 0x42,  // "REMB"
            0x02, 0x0B, 0xD0, 0x90,  // num SSRC=2, exp=2, mantissa=250000
            0x00, 0x00, 0x00, 0x0A,  // SSRC feedback 1
            0x00, 0x00, 0x00, 0x0B,  // SSRC feedback 2
        ],
        ReceiverEstimatedMaximumBitrate(senderSSRC: 2, bitrate: 1_000_000, ssrcs: [10, 11])
    ),
    (
        "non-canonical exponent is kept",
        [
            0x8F, 0xCE, 0x00, 0x04,  // FMT=15, PT=206, length=4
            0x00, 0x00, 0x00, 0x03,  // SSRC of packet sender
            0x00, 0x00, 0x00, 0x00,  // SSRC of media source = 0
            0x52, 0x45, 0x4D, 0x42,  // "REMB"
            0x00, 0x04, 0x00, 0x02,  // num SSRC=0, exp=1, mantissa=2 (4 bps; canonical would be exp=0)
        ],
        ReceiverEstimatedMaximumBitrate(senderSSRC: 3, bitrateExponent: 1, bitrateMantissa: 2, ssrcs: [])
    ),
]

@Suite struct ReceiverEstimatedMaximumBitrateTests {
    @Test(arguments: receiverEstimatedMaximumBitrateVectors)
    func vector(name: String, bytes: [UInt8], expected: ReceiverEstimatedMaximumBitrate) throws {
        try checkRTCPVector(
            name, bytes, .receiverEstimatedMaximumBitrate(expected),
            typed: { (raw) throws(RTCPParseError) in try ReceiverEstimatedMaximumBitrate(parsing: raw) },
            unwrap: { if case .receiverEstimatedMaximumBitrate(let remb) = $0 { remb } else { nil } })
    }

    @Test(arguments: [
        (UInt64(0), UInt8(0), UInt32(0)),
        (262_143, 0, 262_143),            // largest exponent-0 value
        (262_144, 1, 131_072),            // needs exponent 1
        (8_927_168, 6, 139_487),
        (1_000_000_000, 12, 244_140),     // rounds down: 244140 << 12 = 999_997_440
        (UInt64.max, 46, 262_143),
    ])
    func bitrateEncoding(bitrate: UInt64, exponent: UInt8, mantissa: UInt32) {
        let remb = ReceiverEstimatedMaximumBitrate(senderSSRC: 0, bitrate: bitrate, ssrcs: [])
        #expect(remb.bitrateExponent == exponent)
        #expect(remb.bitrateMantissa == mantissa)
        #expect(remb.bitrate <= bitrate)
        #expect(remb.bitrate == UInt64(mantissa) << UInt64(exponent))
    }

    @Test func bitrateSaturates() {
        let remb = ReceiverEstimatedMaximumBitrate(senderSSRC: 0, bitrateExponent: 63, bitrateMantissa: 262_143, ssrcs: [])
        #expect(remb.bitrate == .max)
    }

    @Test func otherApplicationLayerFeedbackIsUnknown() throws {
        let bytes: [UInt8] = [
            0x8F, 0xCE, 0x00, 0x03,  // FMT=15, PT=206, length=3
            0x00, 0x00, 0x00, 0x01,  // SSRC of packet sender
            0x00, 0x00, 0x00, 0x00,  // SSRC of media source
            0x47, 0x4F, 0x4F, 0x47,  // "GOOG", not "REMB"
        ]
        #expect(try parseRTCP(bytes) == [
            .unknown(RTCPHeader(count: 15, packetType: 206, length: 3), Array(bytes[4...]))
        ])
        checkRTCPError("not REMB", bytes, .missingREMBIdentifier) {
            (raw) throws(RTCPParseError) in try ReceiverEstimatedMaximumBitrate(parsing: raw)
        }
    }

    @Test func ssrcCountBeyondPacket() {
        var bytes = receiverEstimatedMaximumBitrateVectors[0].1
        bytes[16] = 2  // num SSRC=2 but one present
        checkRTCPError("num SSRC too large", bytes, .packetTooShort) {
            (raw) throws(RTCPParseError) in try ReceiverEstimatedMaximumBitrate(parsing: raw)
        }
    }
}
