import RTP
import Testing

/// An Opus packet's duration from its TOC byte (RFC 6716 §3.1).
struct OpusPacketTests {
    static let durations: [(toc: [UInt8], samples: Int?)] = [
        ([0xFC], 960),        // config 31 CELT FB 20 ms, c=0
        ([0x78], 960),        // config 15 Hybrid FB 20 ms
        ([0x08], 960),        // config 1 SILK NB 20 ms
        ([0x18], 2880),       // config 3 SILK NB 60 ms
        ([0xE0], 120),        // config 28 CELT 2.5 ms
        ([0xFD], 1920),       // c=1: two 20 ms frames
        ([0xFE], 1920),       // c=2: two frames, different sizes
        ([0xFB, 0x03], 2880), // config 31 (20 ms), c=3, count 3 → 60 ms
        ([0xFB, 0x07], nil),  // c=3, 7 × 20 ms = 140 ms > 120 ms
        ([0xFB, 0x00], nil),  // c=3, no frame
        ([0xFB], nil),        // c=3 without its count byte
    ]

    @Test(arguments: durations.indices)
    func samples(_ i: Int) {
        #expect(OpusPacket.samples(Self.durations[i].toc) == Self.durations[i].samples)
    }
}
