/// AV1 over RTP (the AOM "RTP Payload Format for AV1", v1.0.0, §4.4) into a temporal unit in the
/// low-overhead bitstream format (AV1 spec §5.2: every OBU with obu_has_size_field = 1), which is
/// what Matroska stores. Each packet starts with the aggregation header:
///
///      0 1 2 3 4 5 6 7
///     +-+-+-+-+-+-+-+-+
///     |Z|Y| W |N|-|-|-|
///     +-+-+-+-+-+-+-+-+
///
/// Z: the first OBU element continues the previous packet's last one; Y: the last element goes
/// on in the next packet; W: the number of elements (1-3), each but the last preceded by its
/// LEB128 length — or 0, every element length-prefixed; N: the first packet of a coded video
/// sequence. Temporal delimiters, tile lists and padding are left out (§5: "MUST be removed").
/// A temporal unit is a key frame when its first frame header says KEY_FRAME (§5.9.2) and a
/// sequence header is known: that sequence header is the configuration (av1C's configOBUs) and
/// gives the size (max_frame_width/height, §5.5.1).
struct AV1Depacketizer: Depacketizer {
    var clockRate: Int { 90000 }
    var packetIsFrame: Bool { false }

    enum OBUType {
        static let sequenceHeader: UInt8 = 1
        static let temporalDelimiter: UInt8 = 2
        static let frameHeader: UInt8 = 3
        static let frame: UInt8 = 6
        static let tileList: UInt8 = 8
        static let padding: UInt8 = 15
    }

    /// The last sequence header seen, in low-overhead form.
    private(set) var sequenceHeader: [UInt8]?
    private var sequence: AV1SequenceHeader?

    /// Reads a LEB128 (AV1 spec §4.10.5) at `at`; nil past the end or beyond 8 bytes.
    static func leb128(_ p: [UInt8], at: inout Int) -> Int? {
        var value = 0
        for i in 0..<8 {
            guard at < p.count else { return nil }
            let b = p[at]
            at += 1
            value |= Int(b & 0x7F) << (7 * i)
            if b & 0x80 == 0 { return value }
        }
        return nil
    }

    static func leb128(_ value: Int) -> [UInt8] {
        var v = value, out: [UInt8] = []
        repeat {
            let b = UInt8(v & 0x7F)
            v >>= 7
            out.append(v > 0 ? b | 0x80 : b)
        } while v > 0
        return out
    }

    /// The OBU elements of one packet, and its Z and Y bits; nil when malformed.
    static func elements(_ p: [UInt8]) -> (z: Bool, y: Bool, elements: [ArraySlice<UInt8>])? {
        guard let header = p.first else { return nil }
        let w = Int(header >> 4 & 0x03)
        var at = 1
        var elements: [ArraySlice<UInt8>] = []
        while at < p.count {
            let last = w != 0 && elements.count == w - 1
            let length: Int
            if last {
                length = p.count - at
            } else {
                guard let n = leb128(p, at: &at), at + n <= p.count else { return nil }
                length = n
            }
            elements.append(p[at..<at + length])
            at += length
            if last { break }
        }
        guard w == 0 || elements.count == w else { return nil }
        return (header & 0x80 != 0, header & 0x40 != 0, elements)
    }

    /// A temporal unit starts with a packet that continues nothing and opens a coded video
    /// sequence (N) or begins with a temporal delimiter or sequence header. (A frame's first
    /// packet cannot be told from a later one otherwise; such a frame after a loss is dropped.)
    func startsFrame(_ payload: [UInt8]) -> Bool {
        guard let header = payload.first, header & 0x80 == 0 else { return false }
        if header & 0x08 != 0 { return true }
        guard let e = Self.elements(payload)?.elements.first, let obu = e.first else { return false }
        let type = obu >> 3 & 0x0F
        return type == OBUType.temporalDelimiter || type == OBUType.sequenceHeader
    }

    mutating func depacketize(_ payloads: [[UInt8]]) -> Depacketized {
        var obus: [[UInt8]] = []
        var fragment: [UInt8]?
        for p in payloads {
            guard let (z, y, elements) = Self.elements(p) else { return .invalid }
            for (i, e) in elements.enumerated() {
                var obu: [UInt8]
                if i == 0 && z {
                    guard let f = fragment else { return .invalid }  // its beginning is missing
                    obu = f + e
                } else {
                    guard fragment == nil else { return .invalid }  // the previous one never ended
                    obu = Array(e)
                }
                fragment = nil
                if i == elements.count - 1 && y { fragment = obu } else { obus.append(obu) }
            }
            if elements.isEmpty, z || y { return .invalid }
        }
        guard fragment == nil else { return .invalid }

        var unit: [UInt8] = []
        var firstFrameHeader: ArraySlice<UInt8>?
        for obu in obus {
            guard let header = obu.first, header & 0x80 == 0 else { return .invalid }  // forbidden bit
            let type = header >> 3 & 0x0F
            let headerLength = header & 0x04 != 0 ? 2 : 1
            guard obu.count >= headerLength else { return .invalid }
            var at = headerLength
            var payloadEnd = obu.count
            if header & 0x02 != 0 {  // obu_has_size_field: the size is already there
                guard let size = Self.leb128(obu, at: &at), at + size <= obu.count else { return .invalid }
                payloadEnd = at + size
            }
            if type == OBUType.temporalDelimiter || type == OBUType.tileList || type == OBUType.padding { continue }
            let payload = obu[at..<payloadEnd]
            var written = [header | 0x02] + obu[1..<headerLength] + Self.leb128(payload.count)
            written += payload
            if type == OBUType.sequenceHeader {
                sequenceHeader = written
                sequence = AV1SequenceHeader(Array(payload))
            }
            if (type == OBUType.frameHeader || type == OBUType.frame), firstFrameHeader == nil {
                firstFrameHeader = payload
            }
            unit += written
        }
        guard !unit.isEmpty else { return .none }
        var frame = DepacketizedFrame(data: unit, isKeyFrame: false)
        if let sequence, let sequenceHeader, let h = firstFrameHeader, isKeyFrame(h, sequence) {
            frame.isKeyFrame = true
            frame.configuration = sequenceHeader
            frame.width = sequence.width
            frame.height = sequence.height
        }
        return .frame(frame)
    }

    /// uncompressed_header() §5.9.2: without reduced_still_picture_header it begins
    /// show_existing_frame f(1), then frame_type f(2), KEY_FRAME = 0.
    private func isKeyFrame(_ frameHeader: ArraySlice<UInt8>, _ sequence: AV1SequenceHeader) -> Bool {
        if sequence.reducedStillPictureHeader { return true }
        var r = BitReader(Array(frameHeader.prefix(1)))
        guard let showExisting = r.flag(), !showExisting, let frameType = r.bits(2) else { return false }
        return frameType == 0
    }
}

/// What the playable file needs of an AV1 sequence header OBU (AV1 spec §5.5).
struct AV1SequenceHeader: Equatable {
    var reducedStillPictureHeader: Bool
    var width: Int
    var height: Int

    /// `payload` is the OBU's payload (after its header and size).
    init?(_ payload: [UInt8]) {
        var r = BitReader(payload)
        guard r.bits(3) != nil, r.flag() != nil,  // seq_profile, still_picture
              let reduced = r.flag() else { return nil }
        reducedStillPictureHeader = reduced
        if reduced {
            guard r.bits(5) != nil else { return nil }  // seq_level_idx[0]
        } else {
            guard let timingInfo = r.flag() else { return nil }
            var decoderModelInfo = false
            var bufferDelayLength = 0
            if timingInfo {
                // timing_info(): num_units_in_display_tick, time_scale, equal_picture_interval
                guard r.bits(32) != nil, r.bits(32) != nil, let equal = r.flag() else { return nil }
                if equal { guard Self.uvlc(&r) != nil else { return nil } }
                guard let dmi = r.flag() else { return nil }
                decoderModelInfo = dmi
                if dmi {
                    // decoder_model_info(): buffer_delay_length_minus_1, num_units_in_decoding_tick,
                    // buffer_removal_time_length_minus_1, frame_presentation_time_length_minus_1
                    guard let n = r.bits(5), r.bits(32) != nil, r.bits(5) != nil, r.bits(5) != nil else { return nil }
                    bufferDelayLength = Int(n) + 1
                }
            }
            guard let initialDisplayDelay = r.flag(), let points = r.bits(5) else { return nil }
            for _ in 0...points {
                guard r.bits(12) != nil, let level = r.bits(5) else { return nil }  // operating_point_idc, seq_level_idx
                if level > 7 { guard r.flag() != nil else { return nil } }  // seq_tier
                if decoderModelInfo {
                    guard let present = r.flag() else { return nil }
                    if present {
                        // operating_parameters_info(): decoder and encoder buffer delays, low_delay_mode_flag
                        guard r.bits(bufferDelayLength) != nil, r.bits(bufferDelayLength) != nil, r.flag() != nil else { return nil }
                    }
                }
                if initialDisplayDelay {
                    guard let present = r.flag() else { return nil }
                    if present { guard r.bits(4) != nil else { return nil } }
                }
            }
        }
        guard let widthBits = r.bits(4), let heightBits = r.bits(4),
              let w = r.bits(Int(widthBits) + 1), let h = r.bits(Int(heightBits) + 1) else { return nil }
        width = Int(w) + 1
        height = Int(h) + 1
    }

    /// uvlc(), §4.10.3.
    private static func uvlc(_ r: inout BitReader) -> UInt32? {
        var zeros = 0
        while true {
            guard let b = r.flag() else { return nil }
            if b { break }
            zeros += 1
        }
        if zeros >= 32 { return UInt32.max }
        guard let v = r.bits(zeros) else { return nil }
        return v + (UInt32(1) << zeros) - 1
    }
}
