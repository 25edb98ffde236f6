// RFC 8489 §14.8: ERROR-CODE.
//
//     0                   1                   2                   3
//     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |           Reserved, should be 0         |Class|     Number    |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |      Reason Phrase (variable)                                ..
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// "The Class represents the hundreds digit of the error code. The value MUST be between 3 and 6.
//  The Number represents the binary encoding of the error code modulo 100, and its value MUST be
//  between 0 and 99."

import Bytes

/// An ERROR-CODE value: a code in 300...699 and a UTF-8 reason phrase.
public struct STUNErrorCode: Hashable, Sendable {
    /// The numeric code, 300...699.
    public var code: UInt16
    /// The human-readable reason phrase.
    public var reason: String

    /// Creates an error code; `code` must be in 300...699.
    public init(code: UInt16, reason: String) {
        precondition((300...699).contains(code), "STUN error codes are 300...699")
        self.code = code
        self.reason = reason
    }

    /// 400 Bad Request.
    public static let badRequest = STUNErrorCode(code: 400, reason: "Bad Request")
    /// 401 Unauthenticated.
    public static let unauthenticated = STUNErrorCode(code: 401, reason: "Unauthenticated")
    /// 420 Unknown Attribute (sent with UNKNOWN-ATTRIBUTES).
    public static let unknownAttribute = STUNErrorCode(code: 420, reason: "Unknown Attribute")
    /// 487 Role Conflict (RFC 8445 §7.3.1.1).
    public static let roleConflict = STUNErrorCode(code: 487, reason: "Role Conflict")

    init(stunValue value: UnsafeRawBufferPointer) throws(STUNParseError) {
        guard value.count >= 4 else { throw .invalidAttributeValue }
        let cls = UInt16(value[2] & 0x07)
        let number = UInt16(value[3])
        guard (3...6).contains(cls), number <= 99 else { throw .invalidAttributeValue }
        guard let reason = String(validating: UnsafeRawBufferPointer(rebasing: value[4...]).assumingMemoryBound(to: UInt8.self),
                                  as: UTF8.self) else {
            throw .invalidAttributeValue
        }
        self.code = cls * 100 + number
        self.reason = reason
    }

    func appendSTUNValue(to out: inout [UInt8]) {
        out.writeInteger(UInt16(0))
        out.append(UInt8(code / 100))
        out.append(UInt8(code % 100))
        out.append(contentsOf: reason.utf8)
    }
}
