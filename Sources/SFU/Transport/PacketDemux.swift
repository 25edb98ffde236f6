/// RFC 7983 §7: what a datagram on the shared port is, from its first byte.
///
///                  +----------------+
///                  |        [0..3] -+--> STUN
///                  |      [16..19] -+--> ZRTP
///                  |      [20..63] -+--> DTLS
///                  |      [64..79] -+--> TURN Channel
///                  |    [128..191] -+--> RTP/RTCP
///                  +----------------+
public enum PacketKind: Sendable, Equatable {
    case stun, dtls, srtp, unknown

    @inlinable
    public init(firstByte b: UInt8) {
        switch b {
        case 0...3: self = .stun
        case 20...63: self = .dtls
        case 128...191: self = .srtp
        default: self = .unknown
        }
    }
}
