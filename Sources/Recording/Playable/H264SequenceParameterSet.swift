/// The picture size of an H.264 sequence parameter set (ITU-T H.264 §7.3.2.1.1), for the
/// container header. Only what leads to the size is read; the NAL unit's emulation-prevention
/// bytes (00 00 03) are removed first (§7.4.1).
struct H264SequenceParameterSet: Equatable {
    var width: Int
    var height: Int

    /// Profiles whose SPS carries chroma_format_idc and the rest of the high-profile fields.
    static let highProfiles: Set<UInt32> = [100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]

    /// `nal` is the whole NAL unit, header byte included.
    init?(_ nal: [UInt8]) {
        guard nal.count > 4, nal[0] & 0x1F == 7 else { return nil }
        var r = BitReader(Self.rbsp(nal.dropFirst()))
        guard let profile = r.bits(8), r.bits(16) != nil,  // constraint flags, level_idc
              r.ue() != nil else { return nil }  // seq_parameter_set_id
        var chromaFormat: UInt32 = 1
        var separateColourPlanes = false
        if Self.highProfiles.contains(profile) {
            guard let cf = r.ue() else { return nil }
            chromaFormat = cf
            if cf == 3 { guard let s = r.flag() else { return nil }; separateColourPlanes = s }
            guard r.ue() != nil, r.ue() != nil, r.flag() != nil,  // bit depths, qpprime_y_zero_transform_bypass
                  let scaling = r.flag() else { return nil }
            if scaling {
                for i in 0..<(chromaFormat != 3 ? 8 : 12) {
                    guard let present = r.flag() else { return nil }
                    if present { guard Self.skipScalingList(&r, size: i < 6 ? 16 : 64) else { return nil } }
                }
            }
        }
        guard r.ue() != nil, let pocType = r.ue() else { return nil }  // log2_max_frame_num_minus4
        if pocType == 0 {
            guard r.ue() != nil else { return nil }
        } else if pocType == 1 {
            guard r.flag() != nil, r.se() != nil, r.se() != nil, let cycle = r.ue(), cycle < 256 else { return nil }
            for _ in 0..<cycle { guard r.se() != nil else { return nil } }
        }
        guard r.ue() != nil, r.flag() != nil,  // max_num_ref_frames, gaps_in_frame_num_allowed
              let widthMbs = r.ue(), let heightUnits = r.ue(), let frameMbsOnly = r.flag() else { return nil }
        if !frameMbsOnly { guard r.flag() != nil else { return nil } }  // mb_adaptive_frame_field
        guard r.flag() != nil, let cropping = r.flag() else { return nil }  // direct_8x8_inference
        var crop: (left: UInt32, right: UInt32, top: UInt32, bottom: UInt32) = (0, 0, 0, 0)
        if cropping {
            guard let l = r.ue(), let ri = r.ue(), let t = r.ue(), let b = r.ue() else { return nil }
            crop = (l, ri, t, b)
        }
        // §7.4.2.1.1: the crop unit is SubWidthC × SubHeightC (× 2 for field coding); 1 × 1
        // without chroma or with separate colour planes.
        let chroma = separateColourPlanes ? 0 : chromaFormat
        let subWidth = chroma == 1 || chroma == 2 ? 2 : 1
        let subHeight = chroma == 1 ? 2 : 1
        let fieldFactor = frameMbsOnly ? 1 : 2
        let cropX = chroma == 0 ? 1 : subWidth
        let cropY = (chroma == 0 ? 1 : subHeight) * fieldFactor
        width = (Int(widthMbs) + 1) * 16 - cropX * (Int(crop.left) + Int(crop.right))
        height = fieldFactor * (Int(heightUnits) + 1) * 16 - cropY * (Int(crop.top) + Int(crop.bottom))
        guard width > 0, height > 0 else { return nil }
    }

    /// scaling_list(), §7.3.2.1.1.1: delta_scale se(v) until next_scale is 0.
    private static func skipScalingList(_ r: inout BitReader, size: Int) -> Bool {
        var last = 8, next = 8
        for _ in 0..<size where next != 0 {
            guard let delta = r.se() else { return false }
            next = ((last + Int(delta)) % 256 + 256) % 256
            last = next == 0 ? last : next
        }
        return true
    }

    /// The RBSP: every 00 00 03 becomes 00 00.
    static func rbsp(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var zeros = 0
        for b in bytes {
            if zeros >= 2, b == 3 {
                zeros = 0
                continue
            }
            out.append(b)
            zeros = b == 0 ? zeros + 1 : 0
        }
        return out
    }
}
