import Testing
@testable import Recording

extension PlayableTests {
    /// RFC 7587: a packet is a frame; its duration from the TOC byte (`OpusPacket`).
    struct OpusDepacketizerTests {
        @Test func depacketize() {
            var d = OpusDepacketizer()
            #expect(d.depacketize([[0xFC, 0x01, 0x02]])
                    == .frame(.init(data: [0xFC, 0x01, 0x02], isKeyFrame: true, durationMilliseconds: 20)))
            #expect(d.depacketize([[]]) == .none)  // padding only
            #expect(d.depacketize([[0xFB]]) == .invalid)
            #expect(d.packetIsFrame)
        }
    }
}
