/// DTLS record framing (RFC 6347 §4.1), checked before a datagram reaches OpenSSL:
///
///     struct {
///         ContentType type;            // 20..25
///         ProtocolVersion version;     // 0xFEFF (1.0) or 0xFEFD (1.2)
///         uint16 epoch;
///         uint48 sequence_number;
///         uint16 length;
///         opaque fragment[length];
///     } DTLSPlaintext;
///
/// A datagram holds one or more whole records.
enum DTLSRecord {
    static let headerLength = 13

    static func isWellFormed(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        guard bytes.count >= headerLength else { return false }
        while offset < bytes.count {
            guard bytes.count - offset >= headerLength else { return false }
            let type = bytes[offset]
            let major = bytes[offset + 1], minor = bytes[offset + 2]
            guard (20...25).contains(type), major == 0xFE, minor == 0xFF || minor == 0xFD else { return false }
            let length = Int(bytes[offset + 11]) << 8 | Int(bytes[offset + 12])
            offset += headerLength + length
            guard offset <= bytes.count else { return false }
        }
        return true
    }
}
