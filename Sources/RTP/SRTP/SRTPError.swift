/// Why an SRTP or SRTCP operation failed. Payload-free, so throwing it never allocates.
public enum SRTPError: Error, Sendable, Equatable {
    /// Shorter than a header plus the SRTP/SRTCP trailer, or a header whose CSRC/extension runs past the end.
    case packetTooShort
    /// The authentication tag did not verify.
    case authenticationFailed
    /// The packet index was already seen or is older than the replay window (RFC 3711 §3.3.2).
    case replayed
    /// `capacity` leaves no room for the tag (and SRTCP index).
    case bufferTooSmall
    /// Wrong master key or salt length, or the key derivation cipher failed.
    case keyDerivationFailed
    /// OpenSSL refused an operation.
    case cryptoFailure
}
