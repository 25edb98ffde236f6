/// Reads a bitstream most significant bit first (VP9 uncompressed headers, H.264 RBSP). Reads
/// past the end return nil.
struct BitReader {
    private let bytes: [UInt8]
    private var bit = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var bitsLeft: Int { bytes.count * 8 - bit }

    /// `n` bits (at most 32) as an unsigned number.
    mutating func bits(_ n: Int) -> UInt32? {
        guard n <= 32, bitsLeft >= n else { return nil }
        var v: UInt32 = 0
        for _ in 0..<n {
            let b = bytes[bit >> 3] >> (7 - UInt8(bit & 7)) & 1
            v = v << 1 | UInt32(b)
            bit += 1
        }
        return v
    }

    mutating func flag() -> Bool? { bits(1).map { $0 == 1 } }

    /// ue(v), H.264 §9.1: leading zeros, a 1, then as many bits.
    mutating func ue() -> UInt32? {
        var zeros = 0
        while true {
            guard let b = bits(1) else { return nil }
            if b == 1 { break }
            zeros += 1
            guard zeros < 32 else { return nil }
        }
        guard let rest = bits(zeros) else { return nil }
        return (UInt32(1) << zeros) - 1 + rest
    }

    /// se(v), H.264 §9.1.1: ue mapped to 0, 1, −1, 2, −2, …
    mutating func se() -> Int32? {
        guard let k = ue() else { return nil }
        return k & 1 == 1 ? Int32((k + 1) / 2) : -Int32(k / 2)
    }
}
