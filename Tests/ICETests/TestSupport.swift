@testable import ICE

/// Parses a byte array as a STUN message, as a `Result` so tables can compare errors.
func parseSTUN(_ bytes: [UInt8]) -> Result<STUNMessage, STUNParseError> {
    bytes.withUnsafeBytes { buffer in
        Result { () throws(STUNParseError) -> STUNMessage in try STUNMessage(parsing: buffer) }
    }
}

/// The fixed transaction ID of the hand-written vectors: 01 02 03 … 0c.
let vectorTransactionID = STUNTransactionID(0x0102_0304, 0x0506_0708, 0x090A_0B0C)

/// A Binding request header (type 0x0001, length = `attributes.count`, cookie, ID 01…0c)
/// followed by `attributes`.
func bindingRequest(attributes: [UInt8], type: UInt16 = 0x0001) -> [UInt8] {
    [UInt8(type >> 8), UInt8(type & 0xFF), UInt8(attributes.count >> 8), UInt8(attributes.count & 0xFF),
     0x21, 0x12, 0xA4, 0x42,
     0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C] + attributes
}

/// SplitMix64: a seeded generator so random-input tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
