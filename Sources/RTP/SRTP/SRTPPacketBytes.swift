// Byte-level helpers for the SRTP hot path: big-endian access and RTP header length.

enum SRTPPacketBytes {
    @inline(__always)
    static func read16(_ p: UnsafePointer<UInt8>) -> UInt16 {
        UInt16(p[0]) << 8 | UInt16(p[1])
    }

    @inline(__always)
    static func read32(_ p: UnsafePointer<UInt8>) -> UInt32 {
        UInt32(p[0]) << 24 | UInt32(p[1]) << 16 | UInt32(p[2]) << 8 | UInt32(p[3])
    }

    @inline(__always)
    static func write32(_ value: UInt32, to p: UnsafeMutablePointer<UInt8>) {
        p[0] = UInt8(truncatingIfNeeded: value >> 24)
        p[1] = UInt8(truncatingIfNeeded: value >> 16)
        p[2] = UInt8(truncatingIfNeeded: value >> 8)
        p[3] = UInt8(truncatingIfNeeded: value)
    }

    /// Length of the RTP header including CSRCs and the header extension (RFC 3550 §5.1, §5.3.1),
    /// or `nil` when it does not fit in `count` bytes.
    @inline(__always)
    static func rtpHeaderLength(_ p: UnsafePointer<UInt8>, count: Int) -> Int? {
        guard count >= 12 else { return nil }
        var length = 12 + Int(p[0] & 0x0f) * 4
        if p[0] & 0x10 != 0 {
            guard count >= length + 4 else { return nil }
            length += 4 + (Int(p[length + 2]) << 8 | Int(p[length + 3])) * 4
        }
        return length <= count ? length : nil
    }

    /// Compares `count` bytes in time independent of where they differ.
    @inline(__always)
    static func constantTimeEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, count: Int) -> Bool {
        var difference: UInt8 = 0
        for i in 0..<count { difference |= a[i] ^ b[i] }
        return difference == 0
    }
}
