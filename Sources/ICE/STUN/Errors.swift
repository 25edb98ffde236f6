// Every error type of the ICE module's data plane.

/// Why a datagram could not be parsed as a STUN message (RFC 8489 §5, §14).
///
/// Payload-free so that typed throws never box; callers count drops by case.
public enum STUNParseError: Error, Hashable, Sendable {
    /// Fewer than the 20 bytes of the fixed header.
    case truncatedHeader
    /// The two most significant bits of the message type are not zero (RFC 8489 §5).
    case notSTUN
    /// The magic cookie is not 0x2112A442 (a classic RFC 3489 message, or not STUN at all).
    case badMagicCookie
    /// The header's message length is not a multiple of 4.
    case lengthNotMultipleOfFour
    /// The header's message length disagrees with the datagram length minus 20.
    case lengthMismatch
    /// An attribute header or value (with its padding) runs past the end of the message.
    case attributePastEnd
    /// A known attribute whose value has the wrong size or an invalid field
    /// (unknown address family, ERROR-CODE class out of 3...6, USERNAME not UTF-8, …).
    case invalidAttributeValue
}
