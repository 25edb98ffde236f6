import Testing
@testable import RTP

/// The bridge's transport-wide sequence number written into an outgoing copy: over the
/// publisher's element, appended to the block, or in a new block; the payload follows intact.
@Suite struct TransportSequenceStampTests {
    static let payload: [UInt8] = [0xAA, 0xBB, 0xCC]

    static func packet(block: [UInt8]?, profile: UInt16 = 0xBEDE, csrcs: Int = 0) -> [UInt8] {
        var first: UInt8 = 0x80 | UInt8(csrcs)
        if block != nil { first |= 0x10 }
        var bytes: [UInt8] = [first, 0x60, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 1]
        for i in 0..<csrcs { bytes += [0, 0, 0, UInt8(i + 2)] }
        if let block { bytes += [UInt8(profile >> 8), UInt8(profile & 0xFF), 0, UInt8(block.count / 4)] + block }
        return bytes + payload
    }

    @Test(arguments: [
        ("over the element already there", packet(block: [0x10, 0x61, 0x31, 0x00, 0x00, 0x00, 0x00, 0x00]),
         packet(block: [0x10, 0x61, 0x31, 0x12, 0x34, 0x00, 0x00, 0x00])),
        ("appended to a one-byte block", packet(block: [0x10, 0x61, 0x00, 0x00]),
         packet(block: [0x10, 0x61, 0x00, 0x00, 0x31, 0x12, 0x34, 0x00])),
        ("appended to a two-byte block", packet(block: [0x01, 0x01, 0x61, 0x00], profile: 0x1000),
         packet(block: [0x01, 0x01, 0x61, 0x00, 0x03, 0x02, 0x12, 0x34], profile: 0x1000)),
        ("a new block", packet(block: nil), packet(block: [0x31, 0x12, 0x34, 0x00])),
        ("a new block after the CSRCs", packet(block: nil, csrcs: 2), packet(block: [0x31, 0x12, 0x34, 0x00], csrcs: 2)),
        ("the publisher's element, dropped to padding, is left", packet(block: [0x00, 0x00, 0x00, 0x00]),
         packet(block: [0x00, 0x00, 0x00, 0x00, 0x31, 0x12, 0x34, 0x00])),
    ] as [(String, [UInt8], [UInt8])])
    func stamps(name: String, input: [UInt8], expected: [UInt8]) throws {
        var buffer = input + [UInt8](repeating: 0xEE, count: 16)
        let length = buffer.withUnsafeMutableBytes {
            TransportSequenceStamp.stamp($0.baseAddress!, length: input.count, capacity: $0.count, id: 3, sequence: 0x1234)
        }
        #expect(length == expected.count, "\(name)")
        #expect(Array(buffer.prefix(expected.count)) == expected, "\(name)")
        try buffer.withUnsafeMutableBytes { raw in
            let view = try RTPPacketView(parsing: UnsafeMutableRawBufferPointer(rebasing: raw[0..<(length ?? 0)]))
            #expect(Array(view.payload) == Self.payload, "\(name)")
            #expect(view.headerExtension(id: 3).map(Array.init) == [0x12, 0x34], "\(name)")
        }
    }

    @Test(arguments: [
        ("no room", packet(block: nil), 0, UInt8(3)),
        ("an ID the one-byte form cannot carry", packet(block: nil), 16, UInt8(15)),
        ("a block past the end", Array(packet(block: [0x10, 0x61, 0x00, 0x00]).prefix(17)), 16, UInt8(3)),
        ("not RFC 8285", packet(block: [0x10, 0x61, 0x00, 0x00], profile: 0x1234), 16, UInt8(3)),
        ("not version 2", [0x40] + Array(packet(block: nil).dropFirst()), 16, UInt8(3)),
        ("shorter than a header", [0x80, 0x60, 0x00], 16, UInt8(3)),
    ] as [(String, [UInt8], Int, UInt8)])
    func refuses(name: String, input: [UInt8], room: Int, id: UInt8) {
        var buffer = input + [UInt8](repeating: 0, count: room)
        let before = buffer
        let length = buffer.withUnsafeMutableBytes {
            TransportSequenceStamp.stamp($0.baseAddress!, length: input.count, capacity: $0.count, id: id, sequence: 7)
        }
        #expect(length == nil, "\(name)")
        #expect(buffer == before, "\(name): left as it was")
    }
}
