import Testing
@testable import Recording

extension PlayableTests {
    /// RFC 9628 payload descriptors, the VP9 uncompressed header, superframes.
    struct VP9DepacketizerTests {
        /// A profile-0 key frame header (VP9 spec §6.2), 320×240.
        static let keyFrame: [UInt8] = [
            0x82,              // frame_marker 10, profile 0 0, show_existing 0, KEY_FRAME 0, show 1, error_res 0
            0x49, 0x83, 0x42,  // frame_sync_code
            0x40, 0x13, 0xF0,  // color_space 010, color_range 0 | width−1 = 319 (16 bits)
            0x0E, 0xF0,        // height−1 = 239 (16 bits), then padding
            0xAA,
        ]
        /// An inter frame's first byte: frame_type 1 (NON_KEY), show_frame 1.
        static let interFrame: [UInt8] = [0x86, 0x11, 0x22]

        static let cases: [(name: String, payloads: [[UInt8]], expected: Depacketized)] = [
            ("key frame, 1-byte descriptor (what FFmpeg's packetizer writes)",
             [[0x08] + keyFrame.prefix(5), [0x04] + keyFrame.dropFirst(5)],  // B | E
             .frame(.init(data: keyFrame, isKeyFrame: true, width: 320, height: 240))),
            ("inter frame, flexible mode with two P_DIFFs",
             [[0xFC, 0x04, 0x00, 0x03, 0x04] + interFrame],  // I P L F B E | PID 4 | layer | P_DIFF 1 N=1, 2 N=0
             .frame(.init(data: interFrame, isKeyFrame: false))),
            ("inter frame, non-flexible mode: 15-bit picture ID, layer, TL0PICIDX",
             [[0xAC, 0x80, 0x05, 0x20, 0x07] + interFrame],  // I L B E | M PID | TID=1 | TL0PICIDX
             .frame(.init(data: interFrame, isKeyFrame: false))),
            ("two spatial layers: a superframe, size from the scalability structure",
             [[0xBE, 0x03, 0x00,                       // I L F B E V | PID 3 | SID 0
               0x30, 0x01, 0x40, 0x00, 0xB4, 0x02, 0x80, 0x01, 0x68]  // SS: N_S=1 Y | 320×180, 640×360
              + keyFrame,
              [0xBC, 0x03, 0x03] + interFrame],       // I L F B E | PID 3 | SID 1 D
             .frame(.init(data: keyFrame + interFrame + [0xC1, 10, 3, 0xC1], isKeyFrame: true, width: 640, height: 360))),
            ("SS with a picture group", [[0x0E, 0x08, 0x02, 0x04, 0x01, 0x00] + keyFrame],  // B E V | N_G=2: R=1 P_DIFF, R=0
             .frame(.init(data: keyFrame, isKeyFrame: true, width: 320, height: 240))),
            ("first packet without B", [[0x04] + interFrame], .invalid),
            ("a layer frame begun twice", [[0x08] + interFrame, [0x08] + interFrame], .invalid),
            ("an empty layer frame", [[0x0C]], .invalid),
            ("scalability structure cut short", [[0x0E, 0x30, 0x01, 0x40]], .invalid),
        ]

        @Test(arguments: cases.indices)
        func depacketize(_ i: Int) {
            let c = Self.cases[i]
            var d = VP9Depacketizer()
            #expect(d.depacketize(c.payloads) == c.expected, "\(c.name)")
        }

        @Test func startsFrame() {
            let d = VP9Depacketizer()
            #expect(d.startsFrame([0x08, 0x82]))
            #expect(!d.startsFrame([0x04, 0x82]))              // not B
            #expect(d.startsFrame([0xBE, 0x03, 0x00, 0x00]))   // B, SID 0
            #expect(!d.startsFrame([0xBC, 0x03, 0x03, 0x86]))  // B, SID 1: the picture began earlier
        }

        @Test func uncompressedHeader() {
            typealias H = VP9Depacketizer.UncompressedHeader
            #expect(VP9Depacketizer.uncompressedHeader(Self.keyFrame) == H(isKeyFrame: true, width: 320, height: 240))
            #expect(VP9Depacketizer.uncompressedHeader(Self.interFrame) == H(isKeyFrame: false))
            #expect(VP9Depacketizer.uncompressedHeader([0x88]) == H(isKeyFrame: false))  // show_existing_frame
            // Profile 1 (4:4:4, FFmpeg's default for RGB input): subsampling bits after color_range.
            // 0xA2: marker 10, profile_low 1, profile_high 0, show_existing 0, KEY, show 1, error_res 0;
            // then color_space 010, range 0, subsampling 0 0, reserved 0, width−1 = 319, height−1 = 239.
            #expect(VP9Depacketizer.uncompressedHeader([0xA2, 0x49, 0x83, 0x42, 0x40, 0x02, 0x7E, 0x01, 0xDE])
                    == H(isKeyFrame: true, width: 320, height: 240))
            #expect(VP9Depacketizer.uncompressedHeader([0x42]) == nil)  // frame_marker 01
        }

        @Test func superframeSizeBytes() {
            let big = [UInt8](repeating: 1, count: 300)
            let s = VP9Depacketizer.superframe([[7], big])
            // 2 bytes per size: marker 110 01 001 = 0xC9.
            #expect(Array(s.suffix(6)) == [0xC9, 1, 0, 0x2C, 0x01, 0xC9])
            #expect(s.count == 301 + 6)
        }
    }
}
