import Testing
@testable import RTP

@Suite struct RTPPacketViewRemapTests {
    static func packet(_ extensionBlock: [UInt8], profile: UInt16) -> [UInt8] {
        [0x90, 0x60, 0x00, 0x01,  // V=2 X=1, PT 96, seq 1
         0, 0, 0, 0,  // timestamp
         0, 0, 0, 1,  // SSRC
         UInt8(profile >> 8), UInt8(profile & 0xFF), 0, UInt8(extensionBlock.count / 4)] + extensionBlock + [0xAA, 0xBB]
    }

    @Test(arguments: [
        ("one-byte: 1→3, 2→4", UInt16(0xBEDE),
         [0x10, 0x61,  // id 1 len 1: "a"
          0x21, 0x62, 0x63,  // id 2 len 2: "bc"
          0x00, 0x00, 0x00] as [UInt8],  // padding
         [0x30, 0x61, 0x41, 0x62, 0x63, 0x00, 0x00, 0x00] as [UInt8]),
        ("one-byte: id 2 not negotiated becomes padding", UInt16(0xBEDE),
         [0x10, 0x61, 0x51, 0x62, 0x63, 0x00, 0x00, 0x00],  // id 1 "a", id 5 "bc"
         [0x30, 0x61, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]),
        ("two-byte: 1→3, 5 dropped", UInt16(0x1000),
         [0x01, 0x01, 0x61,  // id 1 len 1
          0x05, 0x02, 0x62, 0x63,  // id 5 len 2
          0x00],
         [0x03, 0x01, 0x61, 0x00, 0x00, 0x00, 0x00, 0x00]),
    ])
    func remap(name: String, profile: UInt16, block: [UInt8], expected: [UInt8]) throws {
        var bytes = Self.packet(block, profile: profile)
        var map = [UInt8](repeating: 0, count: 256)
        map[1] = 3
        map[2] = 4
        try bytes.withUnsafeMutableBytes { raw in
            let view = try RTPPacketView(parsing: raw)
            map.withUnsafeBufferPointer { view.remapHeaderExtensionIDs($0) }
            // The remapped packet still parses, payload untouched.
            let again = try RTPPacketView(parsing: raw)
            #expect(Array(again.payload) == [0xAA, 0xBB], "\(name)")
        }
        #expect(Array(bytes[16..<(16 + block.count)]) == expected, "\(name)")
    }
}
