import COpenSSL
import RTP

/// One OpenSSL `SSL_CTX` shared by every DTLS connection of the bridge: DTLS 1.2, our certificate,
/// the use_srtp extension (RFC 5764) with GCM preferred, and peer certificates required but
/// accepted by OpenSSL: they are checked against the SDP fingerprint once the handshake is done.
public final class DTLSContext: @unchecked Sendable {  // immutable after init; SSL_CTX is thread-safe for SSL_new
    let ctx: OpaquePointer
    public let certificate: DTLSCertificate

    /// In preference order; both are offered, GCM costs about half of AES-CM + HMAC-SHA1.
    public static let srtpProfiles = "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80"

    public init(certificate: DTLSCertificate, srtpProfiles: String = DTLSContext.srtpProfiles) throws(DTLSError) {
        guard let ctx = SSL_CTX_new(DTLS_method()) else { throw .context("SSL_CTX_new failed") }
        self.ctx = ctx
        self.certificate = certificate
        guard SSL_CTX_use_certificate(ctx, certificate.x509) == 1,
              SSL_CTX_use_PrivateKey(ctx, certificate.key) == 1 else {
            throw .context("cannot load the certificate")
        }
        _ = cssl_SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION)
        _ = cssl_SSL_CTX_set1_groups_list(ctx, "X25519:P-256:P-384")
        // Returns 0 on success (unlike most of OpenSSL).
        guard SSL_CTX_set_tlsext_use_srtp(ctx, srtpProfiles) == 0 else {
            throw .context("use_srtp profiles rejected: \(srtpProfiles)")
        }
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT) { _, _ in 1 }
        _ = cssl_SSL_CTX_set_mode(ctx, Int(SSL_MODE_AUTO_RETRY))
    }

    deinit { SSL_CTX_free(ctx) }
}
