import Testing
@testable import RTP

/// The VP8 payload descriptor's fields found in place, and one subscriber's picture IDs and
/// TL0PICIDX kept continuous across encodings.
struct VP8DescriptorTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var bytes: [UInt8]
        var pictureID: UInt16?
        var tl0: UInt8?
        var temporal: UInt8?
        var startsFrame: Bool
        var headerLength: Int
        var size: [Int]?
        var testDescription: String { bytes.prefix(6).map { String($0, radix: 16) }.joined(separator: " ") }
    }

    static let rows: [Row] = [
        // S=1, no X: nothing but the frame start.
        .init(bytes: [0x10, 0x00], pictureID: nil, tl0: nil, temporal: nil, startsFrame: true, headerLength: 1, size: nil),
        // X, I with a 7-bit picture ID.
        .init(bytes: [0x90, 0x80, 0x15, 0x01], pictureID: 0x15, tl0: nil, temporal: nil, startsFrame: true, headerLength: 3, size: nil),
        // X, I (15-bit), L, T (TID 2, Y): a middle packet (S=0).
        .init(bytes: [0x80, 0xE0, 0x81, 0x23, 0x07, 0xA0, 0x01], pictureID: 0x0123, tl0: 7, temporal: 2, startsFrame: false,
              headerLength: 5 + 1, size: nil),
        // A key frame's first packet: 15-bit ID 0x7FFF, TL0 255, TID 0; 640x360 (scale bits set, ignored).
        .init(bytes: [0x90, 0xE0, 0xFF, 0xFF, 0xFF, 0x00, 0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A, 0x80, 0x42, 0x68, 0x81],
              pictureID: 0x7FFF, tl0: 255, temporal: 0, startsFrame: true, headerLength: 6, size: [640, 360]),
        // K only (no T): the key index byte is skipped, no temporal layer.
        .init(bytes: [0x90, 0x10, 0x05, 0x01], pictureID: nil, tl0: nil, temporal: nil, startsFrame: true, headerLength: 3, size: nil),
    ]

    @Test(arguments: rows) func fields(_ row: Row) throws {
        try row.bytes.withUnsafeBytes { p in
            let d = try #require(VP8Descriptor(p))
            #expect(d.pictureID(in: p) == row.pictureID)
            #expect(d.tl0PicIdx(in: p) == row.tl0)
            #expect(d.temporalLayer == row.temporal)
            #expect(d.startsFrame == row.startsFrame)
            #expect(d.headerLength == row.headerLength)
            #expect(d.keyFrameSize(in: p).map { [$0.width, $0.height] } == row.size)
        }
    }

    @Test func truncatedDescriptorsAreRefused() {
        for bytes: [UInt8] in [[], [0x80], [0x80, 0x80], [0x80, 0x20]] {
            #expect(bytes.withUnsafeBytes { VP8Descriptor($0) } == nil, "\(bytes)")
        }
    }

    /// One encoding at picture 100..102 (TL0 9), then a switch to another at picture 5000 (TL0
    /// 200): the subscriber sees 100, 101, 102, 103, 104 and TL0 9, 10, 11, whatever the widths.
    @Test func continuityAcrossASwitch() {
        var c = VP8Continuity()
        func packet(_ id: UInt16, _ tl0: UInt8, switched: Bool = false) -> (UInt16, UInt8) {
            var b: [UInt8] = [0x90, 0xC0, 0x80 | UInt8(id >> 8), UInt8(id & 0xFF), tl0, 0x00]
            b.withUnsafeMutableBytes { c.rewrite($0, switched: switched) }
            return (UInt16(b[2] & 0x7F) << 8 | UInt16(b[3]), b[4])
        }
        #expect(packet(100, 9) == (100, 9))
        #expect(packet(101, 9) == (101, 9))
        #expect(packet(102, 10) == (102, 10))
        #expect(packet(5000, 200, switched: true) == (103, 11))
        #expect(packet(5001, 200) == (104, 11))
        #expect(packet(5002, 201) == (105, 12))
        // Back, across the 15-bit wrap of the new encoding's numbering.
        #expect(packet(0x7FFF, 3, switched: true) == (106, 13))
        #expect(packet(0, 4) == (107, 14))
    }
}
