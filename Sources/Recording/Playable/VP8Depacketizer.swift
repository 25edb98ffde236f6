/// VP8 over RTP (RFC 7741). Each packet starts with the payload descriptor:
///
///      0 1 2 3 4 5 6 7
///     +-+-+-+-+-+-+-+-+
///     |X|R|N|S|R| PID | (REQUIRED)
///     +-+-+-+-+-+-+-+-+
/// X:  |I|L|T|K| RSV   | (OPTIONAL)
///     +-+-+-+-+-+-+-+-+
/// I:  |M| PictureID   | (OPTIONAL; M=1: a second byte)
///     +-+-+-+-+-+-+-+-+
/// L:  |   TL0PICIDX   | (OPTIONAL)
///     +-+-+-+-+-+-+-+-+
/// T/K:|TID|Y| KEYIDX  | (OPTIONAL)
///     +-+-+-+-+-+-+-+-+
///
/// The frame is the concatenation of what follows the descriptors. §4.3: the first packet of a
/// frame has S=1 and PID=0, and there the VP8 payload header begins; its bit P is 0 on a key
/// frame (RFC 6386 §9.1), whose header goes on with the start code 9d 01 2a and the 14-bit
/// width and height (little-endian, the top 2 bits being the scale).
struct VP8Depacketizer: Depacketizer {
    var clockRate: Int { 90000 }
    var packetIsFrame: Bool { false }

    /// The picture ID (7 or 15 bits), when the descriptor has one (X and I set).
    func frameNumber(_ p: [UInt8]) -> (value: Int, modulus: Int)? {
        guard p.count >= 3, p[0] & 0x80 != 0, p[1] & 0x80 != 0 else { return nil }
        if p[2] & 0x80 == 0 { return (Int(p[2]), 1 << 7) }
        guard p.count >= 4 else { return nil }
        return (Int(p[2] & 0x7F) << 8 | Int(p[3]), 1 << 15)
    }

    /// Length of the payload descriptor, or nil when it runs past the payload.
    static func descriptorLength(_ p: [UInt8]) -> Int? {
        guard let b0 = p.first else { return nil }
        var n = 1
        if b0 & 0x80 != 0 {  // X
            guard p.count > n else { return nil }
            let x = p[n]
            n += 1
            if x & 0x80 != 0 {  // I
                guard p.count > n else { return nil }
                n += p[n] & 0x80 != 0 ? 2 : 1
            }
            if x & 0x40 != 0 { n += 1 }  // L
            if x & 0x30 != 0 { n += 1 }  // T or K
        }
        return n <= p.count ? n : nil
    }

    func startsFrame(_ payload: [UInt8]) -> Bool {
        guard let b0 = payload.first else { return false }
        return b0 & 0x10 != 0 && b0 & 0x07 == 0
    }

    func depacketize(_ payloads: [[UInt8]]) -> Depacketized {
        guard let first = payloads.first, startsFrame(first) else { return .invalid }
        var data: [UInt8] = []
        data.reserveCapacity(payloads.reduce(0) { $0 + $1.count })
        for p in payloads {
            guard let n = Self.descriptorLength(p) else { return .invalid }
            data.append(contentsOf: p[n...])
        }
        guard data.count >= 3 else { return .invalid }  // the 3-byte frame tag
        var frame = DepacketizedFrame(data: data, isKeyFrame: data[0] & 0x01 == 0)
        if frame.isKeyFrame {
            // Frame tag (3), start code (3), width (2), height (2).
            guard data.count >= 10, data[3] == 0x9D, data[4] == 0x01, data[5] == 0x2A else { return .invalid }
            frame.width = Int(data[6]) | Int(data[7] & 0x3F) << 8
            frame.height = Int(data[8]) | Int(data[9] & 0x3F) << 8
        }
        return .frame(frame)
    }
}
