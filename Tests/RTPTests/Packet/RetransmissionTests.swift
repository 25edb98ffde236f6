import Testing
@testable import RTP

/// RTX (RFC 4588 §4) both ways, in place: a packet wrapped with its OSN on the RTX stream, and
/// an RTX packet turned back into the packet it repairs; padding-only RTX is not a packet.
@Suite struct RetransmissionTests {
    // V=2, PT 96, seq 0x0102, ts 0x0A0B0C0D, SSRC 0x11111111; extension block (one-byte, mid=1 "0").
    static let media: [UInt8] = [0x90, 0x60, 0x01, 0x02, 0x0A, 0x0B, 0x0C, 0x0D, 0x11, 0x11, 0x11, 0x11,
                                 0xBE, 0xDE, 0x00, 0x01, 0x10, 0x30, 0x00, 0x00,
                                 0xAA, 0xBB, 0xCC]
    // The same on the RTX stream: PT 97, seq 0x0900, SSRC 0x22222222, OSN 0x0102 before the payload.
    static let rtx: [UInt8] = [0x90, 0x61, 0x09, 0x00, 0x0A, 0x0B, 0x0C, 0x0D, 0x22, 0x22, 0x22, 0x22,
                               0xBE, 0xDE, 0x00, 0x01, 0x10, 0x30, 0x00, 0x00,
                               0x01, 0x02, 0xAA, 0xBB, 0xCC]

    @Test func wrapsWithTheOriginalSequenceNumber() throws {
        var buffer = Self.media + [0xEE, 0xEE]
        let out: [UInt8]? = try buffer.withUnsafeMutableBytes { raw in
            let view = try RTPPacketView(parsing: UnsafeMutableRawBufferPointer(rebasing: raw[0..<Self.media.count]))
            return view.wrappedAsRetransmission(ssrc: 0x2222_2222, sequenceNumber: 0x0900, payloadType: 97, capacity: raw.count).map { Array($0.bytes) }
        }
        #expect(out == Self.rtx)
    }

    @Test func refusesToWrapWithoutRoom() throws {
        var buffer = Self.media + [0xEE]
        let out = try buffer.withUnsafeMutableBytes { raw in
            try RTPPacketView(parsing: UnsafeMutableRawBufferPointer(rebasing: raw[0..<Self.media.count]))
                .wrappedAsRetransmission(ssrc: 1, sequenceNumber: 1, payloadType: 97, capacity: raw.count)
        }
        #expect(out == nil)
    }

    @Test(arguments: [
        ("an RTX packet", rtx, media as [UInt8]?),
        // Padded: P set, 4 bytes of padding (the last one counts them); they stay at the end.
        ("a padded RTX packet", [0xB0] + rtx.dropFirst() + [0, 0, 0, 4], [0xB0] + media.dropFirst() + [0, 0, 0, 4]),
        // Padding only (a probe): no OSN, nothing to repair.
        ("padding only", [0xB0, 0x61, 0x09, 0x00, 0x0A, 0x0B, 0x0C, 0x0D, 0x22, 0x22, 0x22, 0x22,
                          0xBE, 0xDE, 0x00, 0x01, 0x10, 0x30, 0x00, 0x00] + [UInt8](repeating: 0, count: 223) + [224], nil),
        // An OSN and nothing after it.
        ("an OSN alone", Array(rtx.prefix(22)), nil),
    ] as [(String, [UInt8], [UInt8]?)])
    func unwraps(name: String, input: [UInt8], expected: [UInt8]?) throws {
        var buffer = input
        let out: [UInt8]? = try buffer.withUnsafeMutableBytes { raw in
            try RTPPacketView(parsing: raw).unwrappedRetransmission(ssrc: 0x1111_1111, payloadType: 96).map { Array($0.bytes) }
        }
        #expect(out == expected, "\(name)")
    }
}
