/// The direction attribute of a media section (RFC 8866 § 6.7, RFC 3264 § 6.1).
public enum MediaDirection: String, CaseIterable, Sendable {
    case sendrecv, sendonly, recvonly, inactive

    /// The direction an answerer that accepts everything uses in reply:
    /// `sendonly` ↔ `recvonly`; `sendrecv` and `inactive` stay as they are.
    public var reversed: MediaDirection {
        switch self {
        case .sendonly: .recvonly
        case .recvonly: .sendonly
        case .sendrecv, .inactive: self
        }
    }

    /// Whether media flows from the side that wrote this direction.
    public var sends: Bool { self == .sendrecv || self == .sendonly }

    /// Whether the side that wrote this direction accepts media.
    public var receives: Bool { self == .sendrecv || self == .recvonly }
}
