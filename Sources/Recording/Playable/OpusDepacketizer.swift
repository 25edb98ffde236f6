import RTP

/// Opus over RTP (RFC 7587 §4.2): one packet carries one Opus packet, which is the frame.
struct OpusDepacketizer: Depacketizer {
    var clockRate: Int { 48000 }
    var packetIsFrame: Bool { true }

    func startsFrame(_ payload: [UInt8]) -> Bool { true }

    func depacketize(_ payloads: [[UInt8]]) -> Depacketized {
        guard payloads.count == 1, let p = payloads.first else { return .invalid }
        guard !p.isEmpty else { return .none }
        guard let samples = OpusPacket.samples(p) else { return .invalid }
        return .frame(DepacketizedFrame(data: p, isKeyFrame: true, durationMilliseconds: samples / 48))
    }
}
