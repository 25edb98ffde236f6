/// The table of contents that starts every Opus packet (RFC 6716 §3.1): how long it plays.
public enum OpusPacket {
    /// Samples at 48 kHz in an Opus packet, from its TOC byte (RFC 6716 §3.1): the configuration
    /// (top 5 bits) gives the frame size, the code c (low 2 bits) the frame count — 1, 2, 2, or
    /// the count in the next byte's low 6 bits. nil for a packet RFC 6716 §3.4 calls malformed
    /// (no frame, or more than 120 ms).
    public static func samples(_ p: [UInt8]) -> Int? {
        guard let toc = p.first else { return nil }
        let config = Int(toc >> 3)
        let frameSize: Int  // in 48 kHz samples
        switch config {
        case 0...11: frameSize = [480, 960, 1920, 2880][config % 4]  // SILK 10/20/40/60 ms
        case 12...15: frameSize = [480, 960][config % 2]  // Hybrid 10/20 ms
        default: frameSize = [120, 240, 480, 960][config % 4]  // CELT 2.5/5/10/20 ms
        }
        let frames: Int
        switch toc & 0x03 {
        case 0: frames = 1
        case 1, 2: frames = 2
        default:
            guard p.count >= 2 else { return nil }
            frames = Int(p[1] & 0x3F)
        }
        let samples = frames * frameSize
        guard frames > 0, samples <= 5760 else { return nil }
        return samples
    }
}
