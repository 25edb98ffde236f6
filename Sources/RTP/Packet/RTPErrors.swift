// Every way an RTP datagram can fail to parse. Payload-free so that typed throws never box
// (G15); the data plane counts drops by case and moves on.

/// Why a datagram is not a well-formed RTP packet (RFC 3550 §5.1, RFC 8285 §4).
public enum RTPParseError: Error, Hashable, Sendable {
    /// Fewer than the 12 bytes of the fixed header.
    case headerTooShort
    /// The version field is not 2.
    case invalidVersion
    /// The CSRC count claims more identifiers than the datagram holds.
    case csrcListTooShort
    /// The X bit is set but the 4-byte extension header is missing.
    case extensionHeaderTooShort
    /// The extension length runs past the end of the datagram.
    case extensionTooLong
    /// The P bit is set but the padding count is 0 or larger than what follows the header.
    case invalidPadding
}
