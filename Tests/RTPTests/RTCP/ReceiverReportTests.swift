// RFC 3550 §6.4.2 receiver reports.

import Testing
@testable import RTP

let receiverReportVectors: [(String, [UInt8], ReceiverReport)] = [
    (
        "one block",
        [
            0x81, 0xC9, 0x00, 0x07,  // V=2 P=0 RC=1, PT=201 RR, length=7 (32 bytes)
            0x90, 0x2F, 0x9E, 0x2E,  // SSRC of packet sender
            0xBC, 0x5E, 0x9A, 0x40,  // report block: SSRC_1
            0x10, 0x00, 0x00, 0x2A,  // fraction lost=16/256, cumulative lost=42
            0x00, 0x00, 0x46, 0xE1,  // extended highest sequence number
            0x00, 0x00, 0x01, 0x11,  // interarrival jitter
            0x09, 0xF3, 0x64, 0x32,  // last SR
            0x00, 0x02, 0x4A, 0x79,  // delay since last SR
        ],
        ReceiverReport(
            ssrc: 0x902F_9E2E,
            reportBlocks: [
                ReceptionReport(
                    ssrc: 0xBC5E_9A40, fractionLost: 16, cumulativeLost: 42, extendedHighestSequenceNumber: 0x46E1,
                    jitter: 0x111, lastSenderReport: 0x09F3_6432, delaySinceLastSenderReport: 0x24A79)
            ])
    ),
    (
        "empty (RFC 3550 §6.4.2: 'if there is no data transmission or reception to report')",
        [
            0x80, 0xC9, 0x00, 0x01,  // V=2 RC=0, PT=201, length=1
            0x00, 0x00, 0x00, 0x01,  // SSRC of packet sender
        ],
        ReceiverReport(ssrc: 1)
    ),
    (
        "minimum cumulative loss and a profile extension",
        [
            0x81, 0xC9, 0x00, 0x08,  // RC=1, PT=201, length=8 (36 bytes)
            0x00, 0x00, 0x00, 0x01,  // SSRC of packet sender
            0x00, 0x00, 0x00, 0x02,  // report block: SSRC_1
            0xFF, 0x80, 0x00, 0x00,  // fraction lost=255/256, cumulative lost=-8388608 (min)
            0x00, 0x00, 0x00, 0x00,  // extended highest sequence number
            0x00, 0x00, 0x00, 0x00,  // jitter
            0x00, 0x00, 0x00, 0x00,  // LSR
            0x00, 0x00, 0x00, 0x00,  // DLSR
            0x01, 0x02, 0x03, 0x04,  // profile-specific extension
        ],
        ReceiverReport(
            ssrc: 1, reportBlocks: [ReceptionReport(ssrc: 2, fractionLost: 255, cumulativeLost: -0x80_0000)],
            profileExtensions: [1, 2, 3, 4])
    ),
]

@Suite struct ReceiverReportTests {
    @Test(arguments: receiverReportVectors)
    func vector(name: String, bytes: [UInt8], expected: ReceiverReport) throws {
        try checkRTCPVector(
            name, bytes, .receiverReport(expected),
            typed: { (raw) throws(RTCPParseError) in try ReceiverReport(parsing: raw) },
            unwrap: { if case .receiverReport(let rr) = $0 { rr } else { nil } })
    }

    @Test(arguments: [
        ("no SSRC", [0x80, 0xC9, 0x00, 0x00] as [UInt8], RTCPParseError.packetTooShort),  // length=0
        ("RC=2 with one block", [0x82, 0xC9, 0x00, 0x07, 0, 0, 0, 1] + Array(repeating: 0, count: 24), .packetTooShort),
        ("SR bytes", [0x80, 0xC8, 0x00, 0x01, 0, 0, 0, 1], .wrongPacketType),
        ("padding count 0", [0xA0, 0xC9, 0x00, 0x01, 0, 0, 0, 0], .invalidPadding),  // P=1, last byte 0
        ("padding too large", [0xA0, 0xC9, 0x00, 0x01, 0, 0, 0, 9], .invalidPadding),  // 9 > 4 body bytes
    ])
    func error(name: String, bytes: [UInt8], expected: RTCPParseError) {
        checkRTCPError(name, bytes, expected) { (raw) throws(RTCPParseError) in try ReceiverReport(parsing: raw) }
    }

    @Test func staticWriterWithOneBlockMatchesValue() {
        let report = receiverReportVectors[0].2
        let bytes = serializeExactly(size: 32) { buffer in
            ReceiverReport.serialize(ssrc: report.ssrc, reportBlock: report.reportBlocks[0], into: buffer)
        }
        #expect(bytes == receiverReportVectors[0].1)
    }

    @Test func staticWriterWithoutBlock() {
        let bytes = serializeExactly(size: 8) { ReceiverReport.serialize(ssrc: 1, reportBlock: nil, into: $0) }
        #expect(bytes == receiverReportVectors[1].1)
    }

    @Test func paddedReportParses() throws {
        let bytes: [UInt8] = [
            0xA0, 0xC9, 0x00, 0x02,  // V=2 P=1 RC=0, PT=201, length=2 (12 bytes)
            0x00, 0x00, 0x00, 0x01,  // SSRC of packet sender
            0x00, 0x00, 0x00, 0x04,  // padding, count 4
        ]
        #expect(try parseRTCP(bytes) == [.receiverReport(ReceiverReport(ssrc: 1))])
    }

    @Test func reportBlockWriterAtOffset() {
        let block = ReceptionReport(ssrc: 0x0102_0304, fractionLost: 5, cumulativeLost: -2)
        let bytes = serializeExactly(size: 28) { buffer in
            buffer.initializeMemory(as: UInt8.self, repeating: 0)
            block.serialize(into: buffer, at: 4)
            return 28
        }
        #expect(bytes[4...11] == [0x01, 0x02, 0x03, 0x04, 0x05, 0xFF, 0xFF, 0xFE])
    }
}
