import Testing
@testable import Recording

extension PlayableTests {
    /// RFC 7741 payload descriptors and the VP8 key-frame header.
    struct VP8DepacketizerTests {
        /// A key frame's first 10 bytes (RFC 6386 §9.1): frame tag with P=0, start code, 14-bit
        /// width and height little-endian.
        static let keyFrameHeader: [UInt8] = [0x50, 0x02, 0x00,  // tag: P=0 (key), show_frame
                                              0x9D, 0x01, 0x2A,  // start code
                                              0x40, 0x01,        // width 320
                                              0xF0, 0x00]        // height 240

        static let cases: [(name: String, payloads: [[UInt8]], expected: Depacketized)] = [
            ("key frame, 1-byte descriptor",
             [[0x10] + keyFrameHeader + [0xAA, 0xBB]],  // X=0 S=1 PID=0
             .frame(.init(data: keyFrameHeader + [0xAA, 0xBB], isKeyFrame: true, width: 320, height: 240))),
            ("key frame, scaled size bits ignored",
             [[0x10, 0x50, 0x02, 0x00, 0x9D, 0x01, 0x2A, 0x80, 0x42, 0x68, 0xC1]],  // scale bits set
             .frame(.init(data: [0x50, 0x02, 0x00, 0x9D, 0x01, 0x2A, 0x80, 0x42, 0x68, 0xC1],
                          isKeyFrame: true, width: 0x280, height: 0x168))),
            ("inter frame in 3 packets, 15-bit picture ID",
             [[0x90, 0x80, 0x87, 0x25, 0x71, 0x09, 0x00],  // X S | I | M=1 PictureID 0x0725 | P=1
              [0x80, 0x80, 0x87, 0x25, 0x01, 0x02],        // X, S=0
              [0x80, 0x80, 0x87, 0x25, 0x03]],
             .frame(.init(data: [0x71, 0x09, 0x00, 0x01, 0x02, 0x03], isKeyFrame: false))),
            ("descriptor with I (7-bit), L, T/K",
             [[0x90, 0xF0, 0x05, 0x11, 0x40, 0x31, 0x00, 0x00]],  // X S | I L T K | PID 5 | TL0PICIDX | TID
             .frame(.init(data: [0x31, 0x00, 0x00], isKeyFrame: false))),
            ("first packet without S: the frame's start is missing",
             [[0x80, 0x80, 0x87, 0x25, 0x01, 0x02]], .invalid),
            ("S=1 but PID=1: a later partition",
             [[0x11, 0x71, 0x09, 0x00]], .invalid),
            ("descriptor cut short",
             [[0x90, 0x80, 0x87]], .invalid),
            ("key frame without the start code",
             [[0x10, 0x50, 0x02, 0x00, 0x9D, 0x01, 0x2B, 0x40, 0x01, 0xF0, 0x00]], .invalid),
        ]

        @Test(arguments: cases.indices)
        func depacketize(_ i: Int) {
            let c = Self.cases[i]
            var d = VP8Depacketizer()
            #expect(d.depacketize(c.payloads) == c.expected, "\(c.name)")
        }

        @Test func startsFrame() {
            let d = VP8Depacketizer()
            #expect(d.startsFrame([0x10, 0x50]))                      // S=1 PID=0
            #expect(d.startsFrame([0x90, 0x80, 0x87, 0x25, 0x71]))    // X S
            #expect(!d.startsFrame([0x80, 0x80, 0x87, 0x25, 0x01]))   // S=0
            #expect(!d.startsFrame([0x11, 0x00]))                     // PID=1
            #expect(!d.startsFrame([]))
        }
    }
}

extension PlayableTests.VP8DepacketizerTests {
    /// The picture ID where the descriptor has one: 15 bits (M set), 7 bits, or none.
    @Test func pictureIDs() {
        let d = VP8Depacketizer()
        #expect(d.frameNumber([0x90, 0x80, 0x81, 0x02, 0x00])! == (0x102, 1 << 15))
        #expect(d.frameNumber([0x90, 0x80, 0x05, 0x00])! == (5, 1 << 7))
        #expect(d.frameNumber([0x10, 0x00]) == nil)
        #expect(d.frameNumber([0x90, 0x40, 0x05]) == nil)  // L without I
    }
}
