// RFC 8489 §5: the STUN message header.
//
//     0                   1                   2                   3
//     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |0 0|     STUN Message Type     |         Message Length        |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                         Magic Cookie                          |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                                                               |
//    |                     Transaction ID (96 bits)                  |
//    |                                                               |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Message type bits:  M11..M7 C1 M6..M4 C0 M3..M0

import Bytes

/// Fixed numbers of the STUN wire format.
enum STUNWire {
    /// RFC 8489 §5: "The Magic Cookie field MUST contain the fixed value 0x2112A442".
    static let magicCookie: UInt32 = 0x2112_A442
    static let headerSize = 20
    static let lengthOffset = 2
    static let cookieOffset = 4
    static let transactionIDOffset = 8
    static let attributeHeaderSize = 4
    /// RFC 8489 §14.7: FINGERPRINT is the CRC-32 XOR-ed with 0x5354554e.
    static let fingerprintXOR: UInt32 = 0x5354_554E
    static let integritySize = 20

    /// Rounds an attribute value length up to the next multiple of 4 (RFC 8489 §14).
    @inline(__always)
    static func padded(_ length: Int) -> Int { (length + 3) & ~3 }
}

/// A STUN method (the 12 M bits of the message type). Only Binding is used by ICE;
/// others are carried as raw numbers.
public struct STUNMethod: RawRepresentable, Hashable, Sendable {
    /// The 12-bit method number.
    public var rawValue: UInt16

    /// Creates a method from its number; bits above the 12th are dropped.
    public init(rawValue: UInt16) { self.rawValue = rawValue & 0x0FFF }

    /// RFC 8489 §18.2: Binding, 0x001.
    public static let binding = STUNMethod(rawValue: 0x001)
}

/// The class of a STUN message (the C1 C0 bits of the message type).
public enum STUNClass: UInt8, Hashable, Sendable {
    /// 0b00
    case request = 0b00
    /// 0b01
    case indication = 0b01
    /// 0b10
    case successResponse = 0b10
    /// 0b11
    case errorResponse = 0b11
}

/// The 96-bit transaction ID, as three big-endian words: hashable and allocation-free.
public struct STUNTransactionID: Hashable, Sendable {
    /// Bytes 0–3, 4–7 and 8–11 of the ID, each read big-endian.
    public var words: (UInt32, UInt32, UInt32)

    /// Creates an ID from its three words.
    public init(_ w0: UInt32, _ w1: UInt32, _ w2: UInt32) { self.words = (w0, w1, w2) }

    /// Creates an ID from exactly 12 bytes (traps on another count: a programming error).
    public init(bytes: [UInt8]) {
        precondition(bytes.count == 12, "a STUN transaction ID is 12 bytes")
        self = bytes.withUnsafeBytes { STUNTransactionID(reading: $0, at: 0) }
    }

    init(reading bytes: UnsafeRawBufferPointer, at offset: Int) {
        self.words = (bytes.getUInt32(at: offset), bytes.getUInt32(at: offset + 4), bytes.getUInt32(at: offset + 8))
    }

    /// A fresh random ID (RFC 8489 §6: "uniformly and randomly chosen from the interval 0 .. 2**96-1").
    public static func random() -> STUNTransactionID {
        var rng = SystemRandomNumberGenerator()
        return STUNTransactionID(rng.next(), rng.next(), rng.next())
    }

    /// The 12 bytes, in wire order.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(12)
        out.writeInteger(words.0)
        out.writeInteger(words.1)
        out.writeInteger(words.2)
        return out
    }

    public static func == (lhs: STUNTransactionID, rhs: STUNTransactionID) -> Bool {
        lhs.words == rhs.words
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
    }
}

extension STUNMethod {
    /// Combines method and class into the 14-bit message type (RFC 8489 §5, figure 3).
    static func messageType(method: STUNMethod, class cls: STUNClass) -> UInt16 {
        let m = method.rawValue
        let c = UInt16(cls.rawValue)
        return (m & 0x000F) | ((m & 0x0070) << 1) | ((m & 0x0F80) << 2) | ((c & 0b01) << 4) | ((c & 0b10) << 7)
    }

    /// Splits a 14-bit message type into method and class.
    static func split(messageType t: UInt16) -> (STUNMethod, STUNClass) {
        let m = (t & 0x000F) | ((t >> 1) & 0x0070) | ((t >> 2) & 0x0F80)
        let c = UInt8(truncatingIfNeeded: ((t >> 4) & 0b01) | ((t >> 7) & 0b10))
        return (STUNMethod(rawValue: m), STUNClass(rawValue: c)!)
    }
}
