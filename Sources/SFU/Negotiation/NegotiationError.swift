/// Why an offer cannot be answered. Reported to the API caller as a 400 with this message.
public enum NegotiationError: Error, Equatable, Sendable {
    case invalidSDP(String)
    case noMedia
    case missingICECredentials
    case missingFingerprint
    case unsupportedFingerprintAlgorithm(String)
    case bundleRequired
    case invalidSetup(String)
    case noUsableCodec(offered: [String])

    public var message: String {
        switch self {
        case .invalidSDP(let why): "the offer is not valid SDP: \(why)"
        case .noMedia: "the offer has no audio or video section"
        case .missingICECredentials: "the offer has no a=ice-ufrag / a=ice-pwd"
        case .missingFingerprint: "the offer has no a=fingerprint"
        case .unsupportedFingerprintAlgorithm(let a): "fingerprint algorithm \(a) is not supported (use sha-256)"
        case .bundleRequired: "the offer must bundle all its media sections (a=group:BUNDLE)"
        case .invalidSetup(let s): "a=setup:\(s) is not valid in an offer"
        case .noUsableCodec(let offered):
            "no usable codec in the offer (offered: \(offered.joined(separator: ", ")); the bridge forwards opus, VP8, VP9, H264, AV1)"
        }
    }
}
