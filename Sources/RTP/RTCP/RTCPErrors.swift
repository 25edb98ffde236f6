// Every way an RTCP packet can fail to parse. Payload-free so that typed throws never box
// (G15). Unknown packet types and feedback formats are not errors: they parse as `.unknown`.

/// Why bytes are not a well-formed RTCP packet (RFC 3550 §6, RFC 4585 §6, RFC 5104 §4.3).
public enum RTCPParseError: Error, Hashable, Sendable {
    /// Fewer than the 4 bytes of the common header.
    case headerTooShort
    /// The version field is not 2.
    case invalidVersion
    /// The length field points past the end of the bytes.
    case lengthBeyondBuffer
    /// The P bit is set but the padding count is 0 or larger than the packet body.
    case invalidPadding
    /// The packet type (or feedback format) is not the one this parser handles.
    case wrongPacketType
    /// The body is shorter than its fixed fields or than its count field promises.
    case packetTooShort
    /// An SDES chunk or item runs past the end of the packet, or a chunk is not terminated.
    case invalidSourceDescription
    /// A BYE reason runs past the end of the packet.
    case invalidGoodbyeReason
    /// An application-layer feedback packet lacks the "REMB" identifier.
    case missingREMBIdentifier
    /// A transport-cc status symbol is the reserved value 3, or chunks end before the count.
    case invalidPacketStatus
    /// A compound packet contains no packets.
    case emptyCompound
}
