// RFC 4585 §6.3.1 picture loss indication.

import Testing
@testable import RTP

let pictureLossIndicationVectors: [(String, [UInt8], PictureLossIndication)] = [
    (
        "PLI",
        [
            0x81, 0xCE, 0x00, 0x02,  // V=2 P=0 FMT=1, PT=206 PSFB, length=2
            0x00, 0x00, 0x00, 0x00,  // SSRC of packet sender
            0x4B, 0xC4, 0xFC, 0xB4,  // SSRC of media source
        ],
        PictureLossIndication(senderSSRC: 0, mediaSSRC: 0x4BC4_FCB4)
    ),
    (
        "PLI, all ones",
        [
            0x81, 0xCE, 0x00, 0x02,  // FMT=1, PT=206, length=2
            0xFF, 0xFF, 0xFF, 0xFF,  // SSRC of packet sender
            0xFF, 0xFF, 0xFF, 0xFF,  // SSRC of media source
        ],
        PictureLossIndication(senderSSRC: .max, mediaSSRC: .max)
    ),
]

@Suite struct PictureLossIndicationTests {
    @Test(arguments: pictureLossIndicationVectors)
    func vector(name: String, bytes: [UInt8], expected: PictureLossIndication) throws {
        try checkRTCPVector(
            name, bytes, .pictureLossIndication(expected),
            typed: { (raw) throws(RTCPParseError) in try PictureLossIndication(parsing: raw) },
            unwrap: { if case .pictureLossIndication(let pli) = $0 { pli } else { nil } })
    }

    @Test func writesIntoACallerBuffer() {
        var buffer = [UInt8](repeating: 0xEE, count: 20)
        let written = buffer.withUnsafeMutableBytes {
            PictureLossIndication(senderSSRC: 0, mediaSSRC: 0x4BC4_FCB4).serialize(into: $0)
        }
        #expect(written == 12)
        #expect(Array(buffer[..<12]) == pictureLossIndicationVectors[0].1)
        #expect(buffer[12...].allSatisfy { $0 == 0xEE })
    }

    @Test(arguments: [
        ("no media SSRC", [0x81, 0xCE, 0x00, 0x01, 0, 0, 0, 1] as [UInt8], RTCPParseError.packetTooShort),
        ("FIR bytes", [0x84, 0xCE, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2], .wrongPacketType),
        ("RTPFB", [0x81, 0xCD, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2], .wrongPacketType),
    ])
    func error(name: String, bytes: [UInt8], expected: RTCPParseError) {
        checkRTCPError(name, bytes, expected) { (raw) throws(RTCPParseError) in try PictureLossIndication(parsing: raw) }
    }
}
