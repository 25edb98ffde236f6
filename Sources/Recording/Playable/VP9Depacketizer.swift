/// VP9 over RTP (RFC 9628). Each packet starts with the payload descriptor:
///
///           0 1 2 3 4 5 6 7
///          +-+-+-+-+-+-+-+-+
///          |I|P|L|F|B|E|V|Z| (REQUIRED)
///          +-+-+-+-+-+-+-+-+
///     I:   |M| PICTURE ID  | (REQUIRED if I; M=1: a second byte)
///          +-+-+-+-+-+-+-+-+
///     L:   | TID |U| SID |D| (Conditionally RECOMMENDED)
///          +-+-+-+-+-+-+-+-+
///          |   TL0PICIDX   | (L and F=0: non-flexible mode)
///          +-+-+-+-+-+-+-+-+                             -\
///    P,F:  | P_DIFF      |N| (F=1 and P=1)               - up to 3 times
///          +-+-+-+-+-+-+-+-+                             -/
///     V:   | SS            | (scalability structure, §4.2.1)
///          +-+-+-+-+-+-+-+-+
///
/// B marks the first packet of a layer frame and E the last; a picture (one RTP timestamp) is
/// one layer frame per spatial layer. One layer frame is stored as it is; several become a VP9
/// superframe (VP9 bitstream spec Annex B) so that the decoder takes the picture as one packet.
/// Key frame: the first layer frame's uncompressed header says KEY_FRAME (spec §6.2); the size
/// comes from the SS (its last, largest layer) or that key frame's header.
struct VP9Depacketizer: Depacketizer {
    var clockRate: Int { 90000 }
    var packetIsFrame: Bool { false }

    struct Descriptor: Equatable {
        var length: Int
        var beginsLayerFrame: Bool
        var endsLayerFrame: Bool
        var spatialLayer: Int
        /// The largest layer's size from the scalability structure, when it has one.
        var width: Int?
        var height: Int?
    }

    static func descriptor(_ p: [UInt8]) -> Descriptor? {
        guard let b0 = p.first else { return nil }
        let i = b0 & 0x80 != 0, pBit = b0 & 0x40 != 0, l = b0 & 0x20 != 0, f = b0 & 0x10 != 0
        let v = b0 & 0x02 != 0
        var d = Descriptor(length: 1, beginsLayerFrame: b0 & 0x08 != 0, endsLayerFrame: b0 & 0x04 != 0, spatialLayer: 0)
        func byte() -> UInt8? {
            guard d.length < p.count else { return nil }
            defer { d.length += 1 }
            return p[d.length]
        }
        if i {
            guard let pid = byte() else { return nil }
            if pid & 0x80 != 0 { guard byte() != nil else { return nil } }
        }
        if l {
            guard let layer = byte() else { return nil }
            d.spatialLayer = Int(layer >> 1 & 0x07)
            if !f { guard byte() != nil else { return nil } }  // TL0PICIDX
        }
        if f && pBit {
            for _ in 0..<3 {
                guard let diff = byte() else { return nil }
                if diff & 0x01 == 0 { break }  // N: another P_DIFF follows
            }
        }
        if v {
            //      +-+-+-+-+-+-+-+-+
            // V:   | N_S |Y|G|-|-|-|
            //      +-+-+-+-+-+-+-+-+
            // Y:   WIDTH (16), HEIGHT (16), N_S + 1 times
            // G:   N_G, then N_G × (|TID|U| R |-|-|, R × P_DIFF)
            guard let ss = byte() else { return nil }
            let layers = Int(ss >> 5) + 1
            if ss & 0x10 != 0 {
                for _ in 0..<layers {
                    guard let w0 = byte(), let w1 = byte(), let h0 = byte(), let h1 = byte() else { return nil }
                    d.width = Int(w0) << 8 | Int(w1)
                    d.height = Int(h0) << 8 | Int(h1)
                }
            }
            if ss & 0x08 != 0 {
                guard let groups = byte() else { return nil }
                for _ in 0..<groups {
                    guard let g = byte() else { return nil }
                    for _ in 0..<Int(g >> 2 & 0x03) { guard byte() != nil else { return nil } }
                }
            }
        }
        return d
    }

    func startsFrame(_ payload: [UInt8]) -> Bool {
        guard let d = Self.descriptor(payload) else { return false }
        return d.beginsLayerFrame && d.spatialLayer == 0
    }

    func depacketize(_ payloads: [[UInt8]]) -> Depacketized {
        var layers: [[UInt8]] = []
        var open = false
        var width: Int?, height: Int?
        for p in payloads {
            guard let d = Self.descriptor(p) else { return .invalid }
            if d.beginsLayerFrame {
                guard !open else { return .invalid }  // the previous layer frame never ended
                layers.append([])
                open = true
            }
            guard open else { return .invalid }
            layers[layers.count - 1].append(contentsOf: p[d.length...])
            if d.endsLayerFrame { open = false }
            if let w = d.width, let h = d.height { width = w; height = h }
        }
        // E is "RECOMMENDED"; trust the marker-ended frame when the last packet lacks it.
        guard let first = layers.first, layers.count <= 8, layers.allSatisfy({ !$0.isEmpty }) else { return .invalid }
        let header = Self.uncompressedHeader(first)
        var frame = DepacketizedFrame(data: layers.count == 1 ? first : Self.superframe(layers),
                                      isKeyFrame: header?.isKeyFrame ?? false)
        if frame.isKeyFrame {
            frame.width = width ?? header?.width
            frame.height = height ?? header?.height
        }
        return .frame(frame)
    }

    /// What a key frame's uncompressed header (VP9 spec §6.2) tells.
    struct UncompressedHeader: Equatable {
        var isKeyFrame: Bool
        var width: Int?
        var height: Int?
    }

    static func uncompressedHeader(_ frame: [UInt8]) -> UncompressedHeader? {
        var r = BitReader(frame)
        guard r.bits(2) == 2,  // frame_marker
              let low = r.bits(1), let high = r.bits(1) else { return nil }
        let profile = high << 1 | low
        if profile == 3 { guard r.bits(1) == 0 else { return nil } }  // reserved_zero
        guard let showExisting = r.flag() else { return nil }
        if showExisting { return UncompressedHeader(isKeyFrame: false) }
        guard let frameType = r.bits(1), r.bits(2) != nil else { return nil }  // show_frame, error_resilient_mode
        guard frameType == 0 else { return UncompressedHeader(isKeyFrame: false) }  // 0 = KEY_FRAME
        guard r.bits(24) == 0x49_8342 else { return nil }  // frame_sync_code
        // color_config()
        if profile >= 2 { guard r.bits(1) != nil else { return nil } }  // ten_or_twelve_bit
        guard let colorSpace = r.bits(3) else { return nil }
        if colorSpace != 7 {  // not CS_RGB
            guard r.bits(1) != nil else { return nil }  // color_range
            if profile == 1 || profile == 3 { guard r.bits(3) != nil else { return nil } }  // subsampling x, y, reserved
        } else if profile == 1 || profile == 3 {
            guard r.bits(1) != nil else { return nil }  // reserved_zero
        }
        // frame_size()
        guard let w = r.bits(16), let h = r.bits(16) else { return nil }
        return UncompressedHeader(isKeyFrame: true, width: Int(w) + 1, height: Int(h) + 1)
    }

    /// Annex B: the frames back to back, then the index — a marker byte 0b110 | (bytes per size
    /// − 1) << 3 | (frames − 1), each size little-endian, the marker byte again.
    static func superframe(_ frames: [[UInt8]]) -> [UInt8] {
        precondition(!frames.isEmpty && frames.count <= 8, "a superframe holds 1 to 8 frames")
        let largest = frames.map(\.count).max()!
        let sizeBytes = largest < 1 << 8 ? 1 : largest < 1 << 16 ? 2 : largest < 1 << 24 ? 3 : 4
        let marker = UInt8(0xC0) | UInt8(sizeBytes - 1) << 3 | UInt8(frames.count - 1)
        var out = frames.flatMap { $0 }
        out.append(marker)
        for f in frames {
            for i in 0..<sizeBytes { out.append(UInt8(truncatingIfNeeded: f.count >> (8 * i))) }
        }
        out.append(marker)
        return out
    }
}
