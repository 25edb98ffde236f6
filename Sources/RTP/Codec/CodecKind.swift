/// The codecs the bridge forwards, as far as forwarding and recording need to know them: where a
/// key frame starts.
public enum CodecKind: UInt8, Sendable {
    case opus, vp8, vp9, h264, av1, other

    public init(name: String) {
        switch name.lowercased() {
        case "opus": self = .opus
        case "vp8": self = .vp8
        case "vp9": self = .vp9
        case "h264": self = .h264
        case "av1", "av1x": self = .av1
        default: self = .other
        }
    }

    /// Does this RTP payload begin a key frame? (The first packet of one, which is where a
    /// viewer that waits for a key frame may start.) Codecs without the notion: always true.
    @inlinable
    public func startsKeyFrame(_ payload: UnsafeRawBufferPointer) -> Bool {
        switch self {
        case .vp8: KeyFrame.vp8(payload)
        case .vp9: KeyFrame.vp9(payload)
        case .h264: KeyFrame.h264(payload)
        case .av1: KeyFrame.av1(payload)
        case .opus, .other: true
        }
    }
}

/// Key-frame detection per payload format.
@usableFromInline
enum KeyFrame {
    /// RFC 7741 §4.2-4.3: payload descriptor, then the VP8 payload header whose first bit P is 0
    /// on a key frame. A key frame starts where S=1 and PID=0.
    ///
    ///      0 1 2 3 4 5 6 7
    ///     +-+-+-+-+-+-+-+-+
    ///     |X|R|N|S|R| PID | (REQUIRED)
    ///     +-+-+-+-+-+-+-+-+
    /// X:  |I|L|T|K| RSV   | (OPTIONAL)
    /// I:  |M| PictureID   | (OPTIONAL, M=1: 15-bit, one more byte)
    /// L:  |   TL0PICIDX   | (OPTIONAL)
    /// T/K:|TID|Y| KEYIDX  | (OPTIONAL)
    @inlinable
    static func vp8(_ p: UnsafeRawBufferPointer) -> Bool {
        guard p.count >= 1 else { return false }
        let b0 = p[0]
        guard b0 & 0x10 != 0, b0 & 0x07 == 0 else { return false }  // S=1, PID=0
        var offset = 1
        if b0 & 0x80 != 0 {  // X
            guard p.count > offset else { return false }
            let x = p[offset]
            offset += 1
            if x & 0x80 != 0 {  // I
                guard p.count > offset else { return false }
                offset += p[offset] & 0x80 != 0 ? 2 : 1
            }
            if x & 0x40 != 0 { offset += 1 }  // L
            if x & 0x30 != 0 { offset += 1 }  // T or K
        }
        guard p.count > offset else { return false }
        return p[offset] & 0x01 == 0  // P: 0 = key frame
    }

    /// VP9 payload descriptor (RFC 9628 §4.2): |I|P|L|F|B|E|V|Z|. A key frame starts where B=1
    /// (beginning of a frame) and P=0 (not inter-predicted).
    @inlinable
    static func vp9(_ p: UnsafeRawBufferPointer) -> Bool {
        guard p.count >= 1 else { return false }
        return p[0] & 0x40 == 0 && p[0] & 0x08 != 0
    }

    /// H.264 (RFC 6184): an IDR slice (5) or SPS (7), alone, in a STAP-A (24) or at the start
    /// of a FU-A (28).
    @inlinable
    static func h264(_ p: UnsafeRawBufferPointer) -> Bool {
        guard p.count >= 1 else { return false }
        let type = p[0] & 0x1F
        switch type {
        case 5, 7: return true
        case 24:
            var offset = 1
            while offset + 2 < p.count {
                let size = Int(p[offset]) << 8 | Int(p[offset + 1])
                let nal = p[offset + 2] & 0x1F
                if nal == 5 || nal == 7 { return true }
                offset += 2 + size
            }
            return false
        case 28:
            guard p.count >= 2 else { return false }
            return p[1] & 0x80 != 0 && (p[1] & 0x1F == 5 || p[1] & 0x1F == 7)
        default:
            return false
        }
    }

    /// AV1 RTP aggregation header |Z|Y|W W|N|-|-|-|: N=1 on the first packet of a coded video
    /// sequence, which starts with a key frame.
    @inlinable
    static func av1(_ p: UnsafeRawBufferPointer) -> Bool {
        guard p.count >= 1 else { return false }
        return p[0] & 0x08 != 0
    }
}
