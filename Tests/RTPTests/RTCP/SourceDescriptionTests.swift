// RFC 3550 §6.5 source description packets.

import Testing
@testable import RTP

let sourceDescriptionVectors: [(String, [UInt8], SourceDescription)] = [
    (
        "one CNAME",
        [
            0x81, 0xCA, 0x00, 0x03,  // V=2 P=0 SC=1, PT=202 SDES, length=3 (16 bytes)
            0x12, 0x34, 0x56, 0x78,  // SSRC
            0x01, 0x03,              // CNAME, length 3
            0x61, 0x62, 0x63,        // "abc"
            0x00,                    // end of items
            0x00, 0x00,              // padding to the word
        ],
        SourceDescription(source: 0x1234_5678, cname: "abc")
    ),
    (
        "two chunks, the second ending exactly on a word",
        [
            0x82, 0xCA, 0x00, 0x06,  // SC=2, PT=202, length=6 (28 bytes)
            0x00, 0x00, 0x00, 0x01,  // chunk 1: SSRC
            0x01, 0x02, 0x61, 0x62,  // CNAME "ab"
            0x00, 0x00, 0x00, 0x00,  // end of items + padding (a whole null word)
            0x00, 0x00, 0x00, 0x02,  // chunk 2: SSRC
            0x01, 0x02, 0x78, 0x79,  // CNAME "xy"
            0x02, 0x01, 0x7A,        // NAME "z"
            0x00,                    // end of items, already on the word
        ],
        SourceDescription(chunks: [
            SourceDescriptionChunk(source: 1, items: [.init(type: .cname, text: "ab")]),
            SourceDescriptionChunk(source: 2, items: [.init(type: .cname, text: "xy"), .init(type: .name, text: "z")]),
        ])
    ),
    (
        "chunk with no items",
        [
            0x81, 0xCA, 0x00, 0x02,  // SC=1, PT=202, length=2 (12 bytes)
            0x00, 0x00, 0x00, 0x09,  // SSRC
            0x00, 0x00, 0x00, 0x00,  // end of items + padding
        ],
        SourceDescription(chunks: [SourceDescriptionChunk(source: 9, items: [])])
    ),
    (
        "empty item, PRIV and TOOL",
        [
            0x81, 0xCA, 0x00, 0x04,  // SC=1, PT=202, length=4 (20 bytes)
            0x00, 0x00, 0x00, 0x09,  // SSRC
            0x07, 0x00,              // NOTE, length 0
            0x08, 0x03, 0x01, 0x70, 0x71,  // PRIV: prefix length 1, "p", value "q"
            0x06, 0x01, 0x74,        // TOOL "t"
            0x00, 0x00,              // end of items + padding
        ],
        SourceDescription(chunks: [
            SourceDescriptionChunk(
                source: 9,
                items: [
                    .init(type: .note, text: []), .init(type: .priv, text: [0x01, 0x70, 0x71]), .init(type: .tool, text: "t"),
                ])
        ])
    ),
    (
        "no chunks",
        [0x80, 0xCA, 0x00, 0x00],  // SC=0, PT=202, length=0
        SourceDescription(chunks: [])
    ),
]

@Suite struct SourceDescriptionTests {
    @Test(arguments: sourceDescriptionVectors)
    func vector(name: String, bytes: [UInt8], expected: SourceDescription) throws {
        try checkRTCPVector(
            name, bytes, .sourceDescription(expected),
            typed: { (raw) throws(RTCPParseError) in try SourceDescription(parsing: raw) },
            unwrap: { if case .sourceDescription(let sdes) = $0 { sdes } else { nil } })
    }

    @Test(arguments: [
        (
            "item text past the end",
            [
                0x81, 0xCA, 0x00, 0x02,  // SC=1, length=2
                0x00, 0x00, 0x00, 0x01,  // SSRC
                0x01, 0x09, 0x61, 0x62,  // CNAME, length 9 but 2 bytes left
            ] as [UInt8],
            RTCPParseError.invalidSourceDescription
        ),
        (
            "no terminating null",
            [
                0x81, 0xCA, 0x00, 0x02,  // SC=1, length=2
                0x00, 0x00, 0x00, 0x01,  // SSRC
                0x01, 0x02, 0x61, 0x62,  // CNAME "ab", then the packet ends
            ],
            .invalidSourceDescription
        ),
        (
            "SC=2 with one chunk",
            [
                0x82, 0xCA, 0x00, 0x02,  // SC=2, length=2
                0x00, 0x00, 0x00, 0x01,  // SSRC
                0x00, 0x00, 0x00, 0x00,  // end of items
            ],
            .packetTooShort
        ),
    ])
    func error(name: String, bytes: [UInt8], expected: RTCPParseError) {
        checkRTCPError(name, bytes, expected) { (raw) throws(RTCPParseError) in try SourceDescription(parsing: raw) }
    }

    @Test func cnameLookup() {
        let sdes = sourceDescriptionVectors[1].2
        #expect(sdes.cname(of: 2) == "xy")
        #expect(sdes.cname(of: 3) == nil)
    }
}
