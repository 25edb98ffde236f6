// RFC 5104 §4.3.1 full intra request.

import Testing
@testable import RTP

let fullIntraRequestVectors: [(String, [UInt8], FullIntraRequest)] = [
    (
        "one entry",
        [
            0x84, 0xCE, 0x00, 0x04,  // V=2 P=0 FMT=4, PT=206 PSFB, length=4
            0x00, 0x00, 0x00, 0x01,  // SSRC of packet sender
            0x00, 0x00, 0x00, 0x00,  // SSRC of media source (unused) = 0
            0x4B, 0xC4, 0xFC, 0xB4,  // FCI: SSRC
            0x07, 0x00, 0x00, 0x00,  // FCI: seq nr=7, reserved
        ],
        FullIntraRequest(senderSSRC: 1, entries: [FullIntraRequestEntry(ssrc: 0x4BC4_FCB4, sequenceNumber: 7)])
    ),
    (
        "two entries",
        [
            0x84, 0xCE, 0x00, 0x06,  // FMT=4, PT=206, length=6
            0x00, 0x00, 0x00, 0x01,  // SSRC of packet sender
            0x00, 0x00, 0x00, 0x00,  // SSRC of media source = 0
            0x00, 0x00, 0x00, 0x0A,  // FCI 1: SSRC
            0xFF, 0x00, 0x00, 0x00,  // FCI 1: seq nr=255
            0x00, 0x00, 0x00, 0x0B,  // FCI 2: SSRC
            0x00, 0x00, 0x00, 0x00,  // FCI 2: seq nr=0
        ],
        FullIntraRequest(
            senderSSRC: 1,
            entries: [FullIntraRequestEntry(ssrc: 10, sequenceNumber: 255), FullIntraRequestEntry(ssrc: 11, sequenceNumber: 0)])
    ),
]

@Suite struct FullIntraRequestTests {
    @Test(arguments: fullIntraRequestVectors)
    func vector(name: String, bytes: [UInt8], expected: FullIntraRequest) throws {
        try checkRTCPVector(
            name, bytes, .fullIntraRequest(expected),
            typed: { (raw) throws(RTCPParseError) in try FullIntraRequest(parsing: raw) },
            unwrap: { if case .fullIntraRequest(let fir) = $0 { fir } else { nil } })
    }

    @Test func partialEntryIsAnError() {
        let bytes: [UInt8] = [
            0x84, 0xCE, 0x00, 0x03,  // FMT=4, length=3
            0, 0, 0, 1, 0, 0, 0, 0,  // SSRCs
            0x00, 0x00, 0x00, 0x0A,  // FCI SSRC without its seq nr word
        ]
        checkRTCPError("partial entry", bytes, .packetTooShort) {
            (raw) throws(RTCPParseError) in try FullIntraRequest(parsing: raw)
        }
    }

    @Test func reservedBytesAreIgnoredOnInput() throws {
        var bytes = fullIntraRequestVectors[0].1
        bytes[17] = 0xFF  // reserved, "MUST be set to 0 by the sender and ignored by the receiver"
        let fir = try parseOne(bytes) { (raw) throws(RTCPParseError) in try FullIntraRequest(parsing: raw) }
        #expect(fir == fullIntraRequestVectors[0].2)
    }
}
