/// The `a=setup` attribute (RFC 4145 § 4, used for DTLS by RFC 5763 § 5).
///
/// RFC 8842 § 5.2: "the offerer MUST insert an SDP 'setup' attribute with an 'actpass'
/// attribute value", and the answerer picks `active` or `passive`.
public enum SetupRole: String, CaseIterable, Sendable {
    case active, passive, actpass, holdconn

    /// The role an answerer takes in reply to an offer with this role
    /// (an SFU answering `actpass` picks `passive`, so the browser starts the handshake).
    public var answer: SetupRole {
        switch self {
        case .active: .passive
        case .passive: .active
        case .actpass: .passive
        case .holdconn: .holdconn
        }
    }
}
