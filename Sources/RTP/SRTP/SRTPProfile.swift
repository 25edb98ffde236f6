// SRTP protection profiles negotiated by DTLS-SRTP.

/// An SRTP protection profile, identified by its DTLS-SRTP id (RFC 5764 §4.1.2, RFC 7714 §14.2).
public enum SRTPProfile: UInt16, Sendable, CaseIterable {
    /// AES-128 counter mode with HMAC-SHA1 truncated to 80 bits (RFC 3711).
    case aes128CmHmacSha1_80 = 0x0001
    /// AES-128 GCM with a 16-byte tag (RFC 7714).
    case aeadAes128Gcm = 0x0007

    /// Master and session key length in bytes.
    public var keyLength: Int { 16 }

    /// Master and session salt length in bytes (RFC 3711 §8.2: 112 bits; RFC 7714 §12: 96 bits).
    public var saltLength: Int {
        switch self {
        case .aes128CmHmacSha1_80: 14
        case .aeadAes128Gcm: 12
        }
    }

    /// Bytes `protectRTP` appends to an RTP packet.
    public var rtpAuthTagLength: Int {
        switch self {
        case .aes128CmHmacSha1_80: 10
        case .aeadAes128Gcm: 16
        }
    }

    /// Bytes `protectRTCP` appends to an RTCP packet: the tag plus the 4-byte E-flag and SRTCP index.
    public var rtcpOverhead: Int { rtpAuthTagLength + 4 }

    /// The profile named as in OpenSSL's `SSL_get_selected_srtp_profile` (RFC 5764 §4.1.2 names).
    public init?(openSSLName: String) {
        switch openSSLName {
        case "SRTP_AES128_CM_SHA1_80": self = .aes128CmHmacSha1_80
        case "SRTP_AEAD_AES_128_GCM": self = .aeadAes128Gcm
        default: return nil
        }
    }

    /// The RFC 5764 name, as OpenSSL spells it.
    public var openSSLName: String {
        switch self {
        case .aes128CmHmacSha1_80: "SRTP_AES128_CM_SHA1_80"
        case .aeadAes128Gcm: "SRTP_AEAD_AES_128_GCM"
        }
    }

    /// Length of the HMAC-SHA1 session authentication key (RFC 3711 §8.2: n_a = 160 bits), 0 for AEAD.
    var authKeyLength: Int {
        switch self {
        case .aes128CmHmacSha1_80: 20
        case .aeadAes128Gcm: 0
        }
    }
}
