// RFC 3550 §6.4.1 sender reports.

import Testing
@testable import RTP

let senderReportVectors: [(String, [UInt8], SenderReport)] = [
    (
        "one report block",
        [
            0x81, 0xC8, 0x00, 0x0C,  // V=2 P=0 RC=1, PT=200 SR, length=12 (52 bytes)
            0x90, 0x2F, 0x9E, 0x2E,  // SSRC of sender
            0xDA, 0x8B, 0xD1, 0xFC,  // NTP timestamp, most significant word
            0xDD, 0xDD, 0xA0, 0x5A,  // NTP timestamp, least significant word
            0xAA, 0xF4, 0xED, 0xD5,  // RTP timestamp
            0x00, 0x00, 0x00, 0x01,  // sender's packet count
            0x00, 0x00, 0x00, 0x02,  // sender's octet count
            0xBC, 0x5E, 0x9A, 0x40,  // report block: SSRC_1
            0x00, 0x00, 0x00, 0x00,  // fraction lost=0, cumulative lost=0
            0x00, 0x00, 0x46, 0xE1,  // extended highest sequence number
            0x00, 0x00, 0x01, 0x11,  // interarrival jitter
            0x09, 0xF3, 0x64, 0x32,  // last SR
            0x00, 0x02, 0x4A, 0x79,  // delay since last SR
        ],
        SenderReport(
            ssrc: 0x902F_9E2E, ntpTimestamp: 0xDA8B_D1FC_DDDD_A05A, rtpTimestamp: 0xAAF4_EDD5, packetCount: 1,
            octetCount: 2,
            reportBlocks: [
                ReceptionReport(
                    ssrc: 0xBC5E_9A40, extendedHighestSequenceNumber: 0x46E1, jitter: 0x111, lastSenderReport: 0x09F3_6432,
                    delaySinceLastSenderReport: 0x24A79)
            ])
    ),
    (
        "no blocks, profile extension",
        [
            0x80, 0xC8, 0x00, 0x07,  // V=2 RC=0, PT=200, length=7 (32 bytes)
            0x00, 0x00, 0x00, 0x01,  // SSRC of sender
            0x00, 0x00, 0x00, 0x02,  // NTP MSW
            0x00, 0x00, 0x00, 0x03,  // NTP LSW
            0x00, 0x00, 0x00, 0x04,  // RTP timestamp
            0x00, 0x00, 0x00, 0x05,  // packet count
            0x00, 0x00, 0x00, 0x06,  // octet count
            0xCA, 0xFE, 0xF0, 0x0D,  // profile-specific extension word
        ],
        SenderReport(
            ssrc: 1, ntpTimestamp: 0x2_0000_0003, rtpTimestamp: 4, packetCount: 5, octetCount: 6,
            profileExtensions: [0xCA, 0xFE, 0xF0, 0x0D])
    ),
    (
        "two blocks, negative cumulative loss",
        [
            0x82, 0xC8, 0x00, 0x12,  // V=2 RC=2, PT=200, length=18 (76 bytes)
            0x00, 0x00, 0x00, 0x01,  // SSRC of sender
            0xFF, 0xFF, 0xFF, 0xFF,  // NTP MSW
            0xFF, 0xFF, 0xFF, 0xFF,  // NTP LSW
            0xFF, 0xFF, 0xFF, 0xFF,  // RTP timestamp
            0xFF, 0xFF, 0xFF, 0xFF,  // packet count
            0xFF, 0xFF, 0xFF, 0xFF,  // octet count
            0x00, 0x00, 0x00, 0x0A,  // block 1: SSRC
            0x80, 0xFF, 0xFF, 0xFF,  // fraction lost=128/256, cumulative lost=-1
            0x00, 0x01, 0x00, 0x05,  // extended highest seq: 1 cycle, seq 5
            0x00, 0x00, 0x00, 0x00,  // jitter
            0x00, 0x00, 0x00, 0x00,  // LSR
            0x00, 0x00, 0x00, 0x00,  // DLSR
            0x00, 0x00, 0x00, 0x0B,  // block 2: SSRC
            0x01, 0x7F, 0xFF, 0xFF,  // fraction lost=1/256, cumulative lost=8388607 (max)
            0x00, 0x00, 0x00, 0x00,  // extended highest seq
            0x00, 0x00, 0x00, 0x00,  // jitter
            0x00, 0x00, 0x00, 0x00,  // LSR
            0x00, 0x00, 0x00, 0x00,  // DLSR
        ],
        SenderReport(
            ssrc: 1, ntpTimestamp: .max, rtpTimestamp: .max, packetCount: .max, octetCount: .max,
            reportBlocks: [
                ReceptionReport(ssrc: 10, fractionLost: 128, cumulativeLost: -1, extendedHighestSequenceNumber: 0x1_0005),
                ReceptionReport(ssrc: 11, fractionLost: 1, cumulativeLost: 0x7F_FFFF),
            ])
    ),
]

@Suite struct SenderReportTests {
    @Test(arguments: senderReportVectors)
    func vector(name: String, bytes: [UInt8], expected: SenderReport) throws {
        try checkRTCPVector(
            name, bytes, .senderReport(expected), typed: { (raw) throws(RTCPParseError) in try SenderReport(parsing: raw) },
            unwrap: { if case .senderReport(let sr) = $0 { sr } else { nil } })
    }

    @Test(arguments: [
        ("header only", [0x80, 0xC8, 0x00, 0x00] as [UInt8], RTCPParseError.packetTooShort),  // no sender info
        (
            "RC=1 without a block",
            [
                0x81, 0xC8, 0x00, 0x06,  // RC=1, length=6 (28 bytes): no room for the block
                0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0, 6,
            ],
            .packetTooShort
        ),
        ("RR bytes", [0x80, 0xC9, 0x00, 0x01, 0, 0, 0, 1], .wrongPacketType),  // PT=201
        ("length past the end", [0x80, 0xC8, 0x00, 0x07, 0, 0, 0, 1], .lengthBeyondBuffer),
        ("three bytes", [0x80, 0xC8, 0x00], .headerTooShort),
        ("version 1", [0x40, 0xC8, 0x00, 0x00], .invalidVersion),
    ])
    func error(name: String, bytes: [UInt8], expected: RTCPParseError) {
        checkRTCPError(name, bytes, expected) { (raw) throws(RTCPParseError) in try SenderReport(parsing: raw) }
    }

    @Test func staticWriterWithOneBlockMatchesValue() {
        let report = senderReportVectors[0].2
        let bytes = serializeExactly(size: 52) { buffer in
            SenderReport.serialize(
                ssrc: report.ssrc, ntpTimestamp: report.ntpTimestamp, rtpTimestamp: report.rtpTimestamp,
                packetCount: report.packetCount, octetCount: report.octetCount, reportBlock: report.reportBlocks[0],
                into: buffer)
        }
        #expect(bytes == senderReportVectors[0].1)
    }

    @Test func staticWriterWithoutBlock() throws {
        let bytes = serializeExactly(size: 28) { buffer in
            SenderReport.serialize(
                ssrc: 7, ntpTimestamp: 1, rtpTimestamp: 2, packetCount: 3, octetCount: 4, reportBlock: nil, into: buffer)
        }
        #expect(bytes[0...3] == [0x80, 0xC8, 0x00, 0x06])  // RC=0, length=6
        #expect(try parseRTCP(bytes) == [
            .senderReport(SenderReport(ssrc: 7, ntpTimestamp: 1, rtpTimestamp: 2, packetCount: 3, octetCount: 4))
        ])
    }

    @Test func cumulativeLostClampsToTwentyFourBits() throws {
        let report = ReceiverReport(ssrc: 1, reportBlocks: [ReceptionReport(ssrc: 2, cumulativeLost: 10_000_000)])
        let parsed = try parseRTCP(RTCPPacket.receiverReport(report).serialized())
        guard case .receiverReport(let rr) = parsed[0] else {
            Issue.record("not an RR")
            return
        }
        #expect(rr.reportBlocks[0].cumulativeLost == 0x7F_FFFF)
    }
}
