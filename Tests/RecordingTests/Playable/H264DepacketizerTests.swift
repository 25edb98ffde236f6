import Testing
@testable import Recording

extension PlayableTests {
    /// RFC 6184 single NAL units, STAP-A and FU-A into Annex-B access units; SPS sizes.
    struct H264DepacketizerTests {
        static let sc: [UInt8] = [0, 0, 0, 1]
        /// x264's SPS and PPS for 320×240, constrained baseline (FFmpeg libx264, Debian 12).
        static let sps: [UInt8] = [0x67, 0x42, 0xC0, 0x0D, 0xD9, 0x01, 0x41, 0xFB, 0x01, 0x10, 0x00, 0x00, 0x03,
                                   0x00, 0x10, 0x00, 0x00, 0x03, 0x03, 0x20, 0xF1, 0x42, 0xA4, 0x80]
        static let pps: [UInt8] = [0x68, 0xCB, 0x83, 0xCB, 0x20]
        static let idr: [UInt8] = [0x65, 0x88, 0x84, 0x0A, 0xF2, 0x62, 0x80]  // IDR slice, first_mb 0
        static let slice: [UInt8] = [0x41, 0x9A, 0x38, 0x19]                 // non-IDR slice, first_mb 0

        static func stapA(_ units: [[UInt8]]) -> [UInt8] {
            [0x78] + units.flatMap { [UInt8($0.count >> 8), UInt8($0.count & 0xFF)] + $0 }  // F=0 NRI=3 type 24
        }

        static let keyFrame = DepacketizedFrame(
            data: sc + sps + sc + pps + sc + idr, isKeyFrame: true, width: 320, height: 240,
            configuration: sc + sps + sc + pps)

        static let cases: [(name: String, payloads: [[UInt8]], expected: Depacketized)] = [
            ("STAP-A with SPS and PPS, then the IDR in three FU-A fragments",
             [stapA([sps, pps]),
              [0x7C, 0x85, 0x88, 0x84],   // FU indicator NRI=3 type 28 | S=1 type 5 | fragment
              [0x7C, 0x05, 0x0A, 0xF2],   // middle
              [0x7C, 0x45, 0x62, 0x80]],  // E=1
             .frame(keyFrame)),
            ("SPS, PPS, IDR as single NAL units",
             [sps, pps, idr], .frame(keyFrame)),
            ("an FU-A with S and E in one packet",
             [stapA([sps, pps]), [0x7C, 0xC5] + idr.dropFirst()], .frame(keyFrame)),
            ("a non-IDR slice", [slice], .frame(.init(data: sc + slice, isKeyFrame: false))),
            ("an IDR without parameter sets is no usable key frame", [idr], .frame(.init(data: sc + idr, isKeyFrame: false))),
            ("FU-A middle without its start", [[0x7C, 0x05, 0x0A, 0xF2], [0x7C, 0x45, 0x62, 0x80]], .invalid),
            ("FU-A start without its end", [[0x7C, 0x85, 0x88, 0x84], [0x7C, 0x05, 0x0A, 0xF2]], .invalid),
            ("FU-A cut by a single NAL unit", [[0x7C, 0x85, 0x88, 0x84], slice], .invalid),
            ("FU-A started twice", [[0x7C, 0x85, 0x88], [0x7C, 0x85, 0x88]], .invalid),
            ("STAP-A size past the end", [[0x78, 0x00, 0x09, 0x67, 0x42]], .invalid),
            ("STAP-A with a zero size", [[0x78, 0x00, 0x00]], .invalid),
            ("FU-B (interleaved mode)", [[0x7D, 0x85, 0x00, 0x01, 0x88]], .invalid),
            ("STAP-B (interleaved mode)", [[0x79, 0x00, 0x01, 0x00, 0x02, 0x41, 0x9A]], .invalid),
            ("parameter sets alone: nothing to show yet", [stapA([sps, pps])], .none),
        ]

        @Test(arguments: cases.indices)
        func depacketize(_ i: Int) {
            let c = Self.cases[i]
            var d = H264Depacketizer()
            #expect(d.depacketize(c.payloads) == c.expected, "\(c.name)")
        }

        /// Parameter sets sent on their own timestamp go in front of the next access unit, and
        /// key frames later in the stream reuse them.
        @Test func parameterSetsCarriedOver() {
            var d = H264Depacketizer()
            #expect(d.depacketize([Self.sps, Self.pps]) == .none)
            #expect(d.depacketize([Self.idr]) == .frame(Self.keyFrame))
            #expect(d.depacketize([Self.slice]) == .frame(.init(data: Self.sc + Self.slice, isKeyFrame: false)))
            #expect(d.depacketize([Self.idr]) == .frame(.init(data: Self.sc + Self.idr, isKeyFrame: true, width: 320,
                                                              height: 240, configuration: Self.sc + Self.sps + Self.sc + Self.pps)))
        }

        @Test func startsFrame() {
            let d = H264Depacketizer()
            #expect(d.startsFrame(Self.stapA([Self.sps, Self.pps])))
            #expect(d.startsFrame(Self.idr))
            #expect(d.startsFrame(Self.slice))
            #expect(d.startsFrame([0x09, 0xF0]))               // access unit delimiter
            #expect(d.startsFrame([0x06, 0x05]))               // SEI
            #expect(d.startsFrame([0x7C, 0x85, 0x88]))         // FU-A start of an IDR, first_mb 0
            #expect(!d.startsFrame([0x7C, 0x05, 0x88]))        // FU-A middle
            #expect(!d.startsFrame([0x41, 0x4A, 0x38]))        // a slice with first_mb_in_slice ≠ 0
            #expect(!d.startsFrame([0x7C, 0x81, 0x4A]))        // FU-A start of such a slice
            #expect(!d.startsFrame([]))
        }

        /// Real SPSs from x264 (Debian 12 FFmpeg): cropping in width and height, the high profiles'
        /// chroma formats.
        static let parameterSets: [(hex: String, width: Int, height: Int)] = [
            ("6742c00dd90141fb011000000300100000030320f142a480", 320, 240),                 // baseline
            ("6764001facd9405005bb011000000300100000030320f1831960", 1280, 720),            // high
            ("674d4015eca0d8ff2780880000030008000003019078b16cb0", 426, 240),               // main, crop right 6
            ("67640028acd940780227e5c044000003000400000300c83c60c658", 1920, 1080),         // high, crop bottom 8
            ("67f4001e919b281405ff1380880000030008000003019078b16cb0", 640, 360),           // high 4:4:4
            ("677a000dbcd9416096c044000003000400000300c83c50a658", 352, 288),               // high 4:2:2
        ]

        @Test(arguments: parameterSets.indices)
        func sequenceParameterSetSize(_ i: Int) {
            let c = Self.parameterSets[i]
            let bytes = stride(from: 0, to: c.hex.count, by: 2).map {
                UInt8(c.hex.dropFirst($0).prefix(2), radix: 16)!
            }
            let size = H264SequenceParameterSet(bytes)
            #expect(size?.width == c.width)
            #expect(size?.height == c.height)
        }

        @Test func emulationPrevention() {
            #expect(H264SequenceParameterSet.rbsp([0x00, 0x00, 0x03, 0x01, 0x00, 0x00, 0x03, 0x00, 0x03])
                    == [0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x03])
            #expect(H264SequenceParameterSet([0x68, 0x00, 0x00, 0x00, 0x00]) == nil)  // not an SPS
        }
    }
}
