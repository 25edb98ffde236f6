// RFC 3550 §6.6 goodbye packets.

import Testing
@testable import RTP

let goodbyeVectors: [(String, [UInt8], Goodbye)] = [
    (
        "one source",
        [
            0x81, 0xCB, 0x00, 0x01,  // V=2 P=0 SC=1, PT=203 BYE, length=1
            0x90, 0x2F, 0x9E, 0x2E,  // SSRC
        ],
        Goodbye(sources: [0x902F_9E2E])
    ),
    (
        "two sources and a reason",
        [
            0x82, 0xCB, 0x00, 0x04,  // SC=2, PT=203, length=4 (20 bytes)
            0x00, 0x00, 0x00, 0x01,  // SSRC 1
            0x00, 0x00, 0x00, 0x02,  // SSRC 2
            0x06, 0x63, 0x61, 0x6D,  // reason length 6, "cam
            0x65, 0x72, 0x61, 0x00,  // era", padding
        ],
        Goodbye(sources: [1, 2], reason: "camera")
    ),
    (
        "reason filling the word",
        [
            0x81, 0xCB, 0x00, 0x02,  // SC=1, PT=203, length=2 (12 bytes)
            0x00, 0x00, 0x00, 0x01,  // SSRC
            0x03, 0x62, 0x79, 0x65,  // reason length 3, "bye"
        ],
        Goodbye(sources: [1], reason: "bye")
    ),
    (
        "no sources",
        [0x80, 0xCB, 0x00, 0x00],  // SC=0, PT=203, length=0
        Goodbye(sources: [])
    ),
]

@Suite struct GoodbyeTests {
    @Test(arguments: goodbyeVectors)
    func vector(name: String, bytes: [UInt8], expected: Goodbye) throws {
        try checkRTCPVector(
            name, bytes, .goodbye(expected), typed: { (raw) throws(RTCPParseError) in try Goodbye(parsing: raw) },
            unwrap: { if case .goodbye(let bye) = $0 { bye } else { nil } })
    }

    @Test(arguments: [
        (
            "reason past the end",
            [
                0x81, 0xCB, 0x00, 0x02,  // SC=1, length=2
                0x00, 0x00, 0x00, 0x01,  // SSRC
                0x08, 0x62, 0x79, 0x65,  // reason length 8, 3 bytes left
            ] as [UInt8],
            RTCPParseError.invalidGoodbyeReason
        ),
        ("SC=2 with one source", [0x82, 0xCB, 0x00, 0x01, 0, 0, 0, 1], .packetTooShort),
    ])
    func error(name: String, bytes: [UInt8], expected: RTCPParseError) {
        checkRTCPError(name, bytes, expected) { (raw) throws(RTCPParseError) in try Goodbye(parsing: raw) }
    }

    @Test func emptyReasonRoundTrips() throws {
        let bye = Goodbye(sources: [5], reason: [])
        let bytes = RTCPPacket.goodbye(bye).serialized()
        #expect(bytes == [0x81, 0xCB, 0x00, 0x02, 0, 0, 0, 5, 0, 0, 0, 0])  // length byte 0 + 3 padding
        #expect(try parseRTCP(bytes) == [.goodbye(bye)])
    }
}
