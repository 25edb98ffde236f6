/// Where the fields of a VP8 payload descriptor (RFC 7741 §4.2) are, found in place: the picture
/// ID (7 or 15 bits), TL0PICIDX and the temporal layer index. Offsets into the payload; nil
/// where the descriptor does not carry the field.
///
///      0 1 2 3 4 5 6 7
///     |X|R|N|S|R| PID | (REQUIRED)
/// X:  |I|L|T|K| RSV   | (OPTIONAL)
/// I:  |M| PictureID   | (OPTIONAL, M=1: 15-bit, one more byte)
/// L:  |   TL0PICIDX   | (OPTIONAL)
/// T/K:|TID|Y| KEYIDX  | (OPTIONAL)
public struct VP8Descriptor: Equatable, Sendable {
    public var pictureIDOffset: Int?
    public var pictureIDIsLong = false
    public var tl0Offset: Int?
    /// The temporal layer (T=1), nil without one.
    public var temporalLayer: UInt8?
    /// Y: the frame depends on the base temporal layer (TL0) only, so a receiver may start
    /// taking its layer from it.
    public var layerSync = false
    /// S=1 and PID=0: the first packet of a frame.
    public var startsFrame = false
    /// Where the VP8 payload (after the descriptor) starts.
    public var headerLength = 1

    @inlinable
    public init?(_ p: UnsafeRawBufferPointer) {
        guard p.count >= 1 else { return nil }
        let b0 = p[0]
        startsFrame = b0 & 0x10 != 0 && b0 & 0x07 == 0
        var offset = 1
        if b0 & 0x80 != 0 {
            guard p.count > offset else { return nil }
            let x = p[offset]
            offset += 1
            if x & 0x80 != 0 {
                guard p.count > offset else { return nil }
                pictureIDOffset = offset
                pictureIDIsLong = p[offset] & 0x80 != 0
                offset += pictureIDIsLong ? 2 : 1
            }
            if x & 0x40 != 0 {
                tl0Offset = offset
                offset += 1
            }
            if x & 0x30 != 0 {
                guard p.count > offset else { return nil }
                if x & 0x20 != 0 {
                    temporalLayer = p[offset] >> 6
                    layerSync = p[offset] & 0x20 != 0
                }
                offset += 1
            }
        }
        guard p.count >= offset else { return nil }
        headerLength = offset
    }

    /// The picture ID (15 bits wide when long, else 7).
    @inlinable
    public func pictureID(in p: UnsafeRawBufferPointer) -> UInt16? {
        guard let o = pictureIDOffset else { return nil }
        return pictureIDIsLong ? UInt16(p[o] & 0x7F) << 8 | UInt16(p[o + 1]) : UInt16(p[o] & 0x7F)
    }

    @inlinable
    public func setPictureID(_ id: UInt16, in p: UnsafeMutableRawBufferPointer) {
        guard let o = pictureIDOffset else { return }
        if pictureIDIsLong {
            p[o] = 0x80 | UInt8(truncatingIfNeeded: id >> 8) & 0x7F
            p[o + 1] = UInt8(truncatingIfNeeded: id)
        } else {
            p[o] = UInt8(truncatingIfNeeded: id) & 0x7F
        }
    }

    @inlinable
    public func tl0PicIdx(in p: UnsafeRawBufferPointer) -> UInt8? { tl0Offset.map { p[$0] } }

    @inlinable
    public func setTL0PicIdx(_ value: UInt8, in p: UnsafeMutableRawBufferPointer) {
        if let o = tl0Offset { p[o] = value }
    }

    /// The frame size a key frame's first packet states (RFC 6386 §9.1: the 3-byte start code
    /// 9d 01 2a, then 14-bit width and height), nil on other packets.
    @inlinable
    public func keyFrameSize(in p: UnsafeRawBufferPointer) -> (width: Int, height: Int)? {
        let h = headerLength
        guard startsFrame, p.count >= h + 10, p[h] & 0x01 == 0,
              p[h + 3] == 0x9d, p[h + 4] == 0x01, p[h + 5] == 0x2a else { return nil }
        let width = Int(p[h + 6]) | Int(p[h + 7] & 0x3F) << 8
        let height = Int(p[h + 8]) | Int(p[h + 9] & 0x3F) << 8
        return (width, height)
    }
}

/// Keeps one subscriber's VP8 picture IDs and TL0PICIDX continuous while the stream it is sent
/// switches between encodings (simulcast), each with numbering of its own: at each switch the
/// new encoding's numbers are offset to follow the last ones sent, so the decoder sees no jump.
public struct VP8Continuity: Sendable {
    private var pictureOffset: UInt16 = 0
    private var tl0Offset: UInt8 = 0
    private var lastPicture: UInt16?
    private var lastTL0: UInt8?

    public init() {}

    /// A frame is left out (a temporal layer not sent): the picture IDs after it close up.
    public mutating func skipFrame() { pictureOffset &-= 1 }

    /// Whether it rewrote anything yet (a retransmission must then be rewritten the same way).
    public var isActive: Bool { lastPicture != nil || lastTL0 != nil }

    /// Rewrites `payload`'s picture ID and TL0PICIDX in place for this subscriber. `switched`:
    /// the first packet from a new encoding (a key frame), whose numbers follow the last sent.
    public mutating func rewrite(_ payload: UnsafeMutableRawBufferPointer, switched: Bool) {
        guard let d = VP8Descriptor(UnsafeRawBufferPointer(payload)) else { return }
        rewrite(payload, descriptor: d, switched: switched)
    }

    /// As above, with the descriptor already found.
    public mutating func rewrite(_ payload: UnsafeMutableRawBufferPointer, descriptor d: VP8Descriptor, switched: Bool) {
        let bytes = UnsafeRawBufferPointer(payload)
        if let id = d.pictureID(in: bytes) {
            let mask: UInt16 = d.pictureIDIsLong ? 0x7FFF : 0x7F
            if switched, let last = lastPicture { pictureOffset = (last &+ 1) &- id }
            let out = (id &+ pictureOffset) & mask
            d.setPictureID(out, in: payload)
            if lastPicture == nil || Self.isNewer(out, than: lastPicture!, mask: mask) { lastPicture = out }
        }
        if let tl0 = d.tl0PicIdx(in: bytes) {
            if switched, let last = lastTL0 { tl0Offset = (last &+ 1) &- tl0 }
            let out = tl0 &+ tl0Offset
            d.setTL0PicIdx(out, in: payload)
            if lastTL0 == nil || Int8(bitPattern: out &- lastTL0!) > 0 { lastTL0 = out }
        }
    }

    static func isNewer(_ a: UInt16, than b: UInt16, mask: UInt16) -> Bool {
        let d = (a &- b) & mask
        return d != 0 && d <= mask / 2
    }
}
