/// H.264 over RTP (RFC 6184), packetization modes 0 and 1, into Annex-B access units (every NAL
/// unit after a 4-byte start code). The payload's first byte is a NAL unit header
/// |F|NRI| Type |; by type (§5.4):
///
///   1-23  a single NAL unit, as it is
///   24    STAP-A: [size (16), NAL unit] repeated (§5.7.1)
///   28    FU-A: FU indicator |F|NRI|28|, FU header |S|E|R| Type|, a fragment (§5.8); the NAL
///         header is rebuilt from the indicator's F and NRI and the FU header's type
///
/// STAP-B, MTAP and FU-B (interleaved mode) make the frame invalid. An access unit with an IDR
/// slice (type 5) is a key frame once a sequence (7) and picture (8) parameter set are known;
/// the last ones seen are the configuration the container header needs. An access unit of
/// parameter sets only (no slice) is kept and put in front of the next one.
struct H264Depacketizer: Depacketizer {
    var clockRate: Int { 90000 }
    var packetIsFrame: Bool { false }

    static let startCode: [UInt8] = [0, 0, 0, 1]
    private(set) var sps: [UInt8]?
    private(set) var pps: [UInt8]?
    /// Non-VCL NAL units of an access unit that had no slice.
    private var carried: [UInt8] = []

    enum NALType {
        static let idr: UInt8 = 5
        static let sei: UInt8 = 6
        static let sps: UInt8 = 7
        static let pps: UInt8 = 8
        static let accessUnitDelimiter: UInt8 = 9
        static let stapA: UInt8 = 24
        static let fuA: UInt8 = 28
    }

    /// A packet starts an access unit when its first NAL unit is one that precedes the slices
    /// (SEI, SPS, PPS, delimiter: §7.4.1.2.3) or a slice with first_mb_in_slice = 0 — ue(v) 0 is
    /// the single bit 1, the top bit of the byte after the NAL header.
    func startsFrame(_ payload: [UInt8]) -> Bool {
        guard let b0 = payload.first else { return false }
        let type: UInt8, sliceAt: Int
        switch b0 & 0x1F {
        case NALType.stapA:
            guard payload.count >= 4 else { return false }
            type = payload[3] & 0x1F
            sliceAt = 4
        case NALType.fuA:
            guard payload.count >= 2, payload[1] & 0x80 != 0 else { return false }  // S
            type = payload[1] & 0x1F
            sliceAt = 2
        case let t:
            type = t
            sliceAt = 1
        }
        switch type {
        case NALType.sei, NALType.sps, NALType.pps, NALType.accessUnitDelimiter: return true
        case 1, NALType.idr: return payload.count > sliceAt && payload[sliceAt] & 0x80 != 0
        default: return false
        }
    }

    mutating func depacketize(_ payloads: [[UInt8]]) -> Depacketized {
        var au = carried
        var types: [UInt8] = []
        var inFragment = false
        func nal(_ bytes: ArraySlice<UInt8>) {
            au.append(contentsOf: Self.startCode)
            au.append(contentsOf: bytes)
            types.append(bytes.first! & 0x1F)
        }
        for p in payloads {
            guard let b0 = p.first else { continue }  // padding only
            let type = b0 & 0x1F
            if type != NALType.fuA, inFragment { return .invalid }  // a fragmented unit cut short
            switch type {
            case 1...23:
                nal(p[...])
            case NALType.stapA:
                var at = 1
                while at < p.count {
                    guard at + 2 <= p.count else { return .invalid }
                    let size = Int(p[at]) << 8 | Int(p[at + 1])
                    guard size > 0, at + 2 + size <= p.count else { return .invalid }
                    nal(p[at + 2..<at + 2 + size])
                    at += 2 + size
                }
            case NALType.fuA:
                guard p.count > 2 else { return .invalid }
                let start = p[1] & 0x80 != 0, end = p[1] & 0x40 != 0
                if start {
                    guard !inFragment else { return .invalid }
                    nal([b0 & 0xE0 | p[1] & 0x1F] + p[2...])
                    inFragment = true
                } else {
                    guard inFragment else { return .invalid }  // its start is missing
                    au.append(contentsOf: p[2...])
                }
                if end { inFragment = false }
            default:
                return .invalid  // STAP-B, MTAP16/24, FU-B, reserved
            }
        }
        guard !inFragment else { return .invalid }
        collectParameterSets(au)
        guard types.contains(where: { (1...5).contains($0) }) else {
            carried = au  // parameter sets or SEI without a picture: keep them for the next one
            return .none
        }
        carried = []
        var frame = DepacketizedFrame(data: au, isKeyFrame: false)
        if types.contains(NALType.idr), let sps, let pps {
            frame.isKeyFrame = true
            frame.configuration = Self.startCode + sps + Self.startCode + pps
            if let size = H264SequenceParameterSet(sps) {
                frame.width = size.width
                frame.height = size.height
            }
        }
        return .frame(frame)
    }

    /// Remembers the last SPS and PPS of an Annex-B access unit.
    private mutating func collectParameterSets(_ au: [UInt8]) {
        for unit in Self.nalUnits(au) {
            switch unit.first.map({ $0 & 0x1F }) {
            case NALType.sps: sps = Array(unit)
            case NALType.pps: pps = Array(unit)
            default: break
            }
        }
    }

    /// The NAL units of an Annex-B stream written with 4-byte start codes (ours).
    static func nalUnits(_ au: [UInt8]) -> [ArraySlice<UInt8>] {
        var units: [ArraySlice<UInt8>] = []
        var starts: [Int] = []
        var i = 0
        while i + 4 <= au.count {
            if au[i] == 0, au[i + 1] == 0, au[i + 2] == 0, au[i + 3] == 1 {
                starts.append(i + 4)
                i += 4
            } else {
                i += 1
            }
        }
        for (n, s) in starts.enumerated() {
            let e = n + 1 < starts.count ? starts[n + 1] - 4 : au.count
            if e > s { units.append(au[s..<e]) }
        }
        return units
    }
}
