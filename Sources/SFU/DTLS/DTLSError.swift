/// Errors of the DTLS layer. Handshake failures close the transport; they never reach the data plane.
public enum DTLSError: Error, Equatable, Sendable {
    case certificate(String)
    case context(String)
    case handshake(String)
    case fingerprintMismatch
    case unsupportedFingerprintAlgorithm(String)
    case noSRTPProfile
    case keyExport
}
