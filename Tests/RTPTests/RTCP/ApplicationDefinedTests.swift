// RFC 3550 §6.7 application-defined packets.

import Testing
@testable import RTP

let applicationDefinedVectors: [(String, [UInt8], ApplicationDefined)] = [
    (
        "with data",
        [
            0x85, 0xCC, 0x00, 0x03,  // V=2 P=0 subtype=5, PT=204 APP, length=3 (16 bytes)
            0x00, 0x00, 0x00, 0x01,  // SSRC
            0x54, 0x45, 0x53, 0x54,  // name "TEST"
            0x01, 0x02, 0x03, 0x04,  // application data
        ],
        ApplicationDefined(subtype: 5, ssrc: 1, name: "TEST", data: [1, 2, 3, 4])
    ),
    (
        "no data, subtype 31",
        [
            0x9F, 0xCC, 0x00, 0x02,  // subtype=31, PT=204, length=2
            0x00, 0x00, 0x00, 0x02,  // SSRC
            0x71, 0x6F, 0x73, 0x31,  // name "qos1"
        ],
        ApplicationDefined(subtype: 31, ssrc: 2, name: 0x716F_7331)
    ),
]

@Suite struct ApplicationDefinedTests {
    @Test(arguments: applicationDefinedVectors)
    func vector(name: String, bytes: [UInt8], expected: ApplicationDefined) throws {
        try checkRTCPVector(
            name, bytes, .applicationDefined(expected),
            typed: { (raw) throws(RTCPParseError) in try ApplicationDefined(parsing: raw) },
            unwrap: { if case .applicationDefined(let app) = $0 { app } else { nil } })
    }

    @Test func nameString() {
        #expect(applicationDefinedVectors[0].2.nameString == "TEST")
        #expect(applicationDefinedVectors[1].2.nameString == "qos1")
    }

    @Test func missingName() {
        checkRTCPError("no name", [0x80, 0xCC, 0x00, 0x01, 0, 0, 0, 1], .packetTooShort) {
            (raw) throws(RTCPParseError) in try ApplicationDefined(parsing: raw)
        }
    }

    @Test func dataIsPaddedToAWord() throws {
        let app = ApplicationDefined(subtype: 0, ssrc: 1, name: "ABCD", data: [9])
        let bytes = RTCPPacket.applicationDefined(app).serialized()
        #expect(bytes.count == 16)
        #expect(bytes[12...] == [9, 0, 0, 0])
    }
}
