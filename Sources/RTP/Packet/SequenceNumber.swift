// RTP sequence-number arithmetic (RFC 3550 §A.1, G8). Sequence numbers are 16-bit and wrap,
// so "newer" means "ahead by less than half the number space": 65535 → 0 is one step forward.

/// Wrap-aware comparison and distance for 16-bit RTP sequence numbers.
public enum SequenceNumber {
    /// Half of the 16-bit number space: a difference below this counts as "ahead".
    public static let halfRange: UInt16 = 0x8000

    /// Whether `a` comes after `b`, modulo 2^16. Exactly half the space apart is broken by
    /// the plain integer order so that the relation stays antisymmetric.
    @inlinable
    public static func isNewer(_ a: UInt16, than b: UInt16) -> Bool {
        let difference = a &- b
        if difference == halfRange { return a > b }
        return difference != 0 && difference < halfRange
    }

    /// The signed number of steps from `a` forward to `b`, in -32768...32767
    /// (`distance(from: 65535, to: 1) == 2`).
    @inlinable
    public static func distance(from a: UInt16, to b: UInt16) -> Int {
        Int(Int16(bitPattern: b &- a))
    }
}

/// Extends 16-bit sequence numbers to 64 bits by counting wraps (the "extended highest
/// sequence number" of RFC 3550 §6.4.1 and the SRTP index of RFC 3711 §3.3.1).
///
/// Each value is placed at the position nearest to the previous one, so reordering within
/// half the number space (32768 packets) is handled in both directions.
public struct SequenceUnwrapper: Hashable, Sendable {
    @usableFromInline var last: Int64?

    /// An unwrapper that has not seen a sequence number yet.
    public init() {}

    /// The last unwrapped value, if any.
    public var lastUnwrapped: Int64? { last }

    /// Returns the extended value of `seq` and remembers it as the reference for the next call.
    /// The first value is returned as is (0...65535); later values may go below zero if a
    /// packet arrives from before the first one across a wrap.
    @inlinable
    public mutating func unwrap(_ seq: UInt16) -> Int64 {
        guard let last else {
            self.last = Int64(seq)
            return Int64(seq)
        }
        let step = Int64(Int16(bitPattern: seq &- UInt16(truncatingIfNeeded: last)))
        let value = last &+ step
        self.last = value
        return value
    }
}
