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

extension DTLSError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .certificate(let why): "certificate: \(why)"
        case .context(let why): "DTLS context: \(why)"
        case .handshake(let why): "handshake: \(why)"
        case .fingerprintMismatch: "the peer's certificate does not match its fingerprint"
        case .unsupportedFingerprintAlgorithm(let a): "fingerprint algorithm \(a) is not supported"
        case .noSRTPProfile: "no SRTP profile was negotiated"
        case .keyExport: "the SRTP keys could not be exported"
        }
    }
}
