import COpenSSL

/// The bridge's DTLS identity: an ECDSA P-256 key and a self-signed certificate made at start-up
/// (aiortc only offers ECDSA cipher suites, so RSA is not an option). Its SHA-256 fingerprint goes
/// into every answer (`a=fingerprint:sha-256 …`, RFC 8122).
public final class DTLSCertificate: @unchecked Sendable {  // immutable after init
    let key: OpaquePointer   // EVP_PKEY *
    let x509: OpaquePointer  // X509 *
    /// Upper-case hex pairs separated by colons, as SDP writes them.
    public let sha256Fingerprint: String

    public init(commonName: String = "bridged", validityDays: Int = 30) throws(DTLSError) {
        guard let key = cssl_EVP_EC_gen_p256() else { throw .certificate("EC key generation failed") }
        guard let x509 = X509_new() else { EVP_PKEY_free(key); throw .certificate("X509_new failed") }
        self.key = key
        self.x509 = x509
        var serial: UInt32 = 0
        _ = withUnsafeMutableBytes(of: &serial) { RAND_bytes($0.baseAddress!.assumingMemoryBound(to: UInt8.self), 4) }
        X509_set_version(x509, 2)
        ASN1_INTEGER_set(X509_get_serialNumber(x509), Int(serial & 0x7fff_ffff))
        X509_gmtime_adj(X509_getm_notBefore(x509), -86_400)
        X509_gmtime_adj(X509_getm_notAfter(x509), validityDays * 86_400)
        X509_set_pubkey(x509, key)
        let name = X509_get_subject_name(x509)
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, commonName, -1, -1, 0)
        X509_set_issuer_name(x509, name)
        guard X509_sign(x509, key, EVP_sha256()) > 0 else { throw .certificate("X509_sign failed") }
        guard let digest = Self.digest(x509) else { throw .certificate("X509_digest failed") }
        self.sha256Fingerprint = Self.format(digest)
    }

    deinit {
        X509_free(x509)
        EVP_PKEY_free(key)
    }

    /// SHA-256 over the DER certificate.
    static func digest(_ x509: OpaquePointer) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard X509_digest(x509, EVP_sha256(), &out, &length) == 1 else { return nil }
        return Array(out.prefix(Int(length)))
    }

    /// "AB:CD:…" as in `a=fingerprint`.
    public static func format(_ digest: [UInt8]) -> String {
        let hex: [Character] = Array("0123456789ABCDEF")
        var s = ""
        s.reserveCapacity(digest.count * 3)
        for (i, b) in digest.enumerated() {
            if i > 0 { s.append(":") }
            s.append(hex[Int(b >> 4)])
            s.append(hex[Int(b & 0x0f)])
        }
        return s
    }

    /// Parses "AB:CD:…" (any case) into bytes; nil if malformed.
    public static func parse(_ fingerprint: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        for part in fingerprint.split(separator: ":") {
            guard part.count == 2, let b = UInt8(part, radix: 16) else { return nil }
            bytes.append(b)
        }
        return bytes.isEmpty ? nil : bytes
    }
}
