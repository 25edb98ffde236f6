// RFC 3711 §4.3: the SRTP key derivation function (AES-CM PRF, key derivation rate 0).

/// Session keys for one SRTP session, derived from a master key and salt (RFC 3711 §4.3.1),
/// or given directly (test vectors that start from session keys, as in RFC 7714 §16–17).
struct SRTPSessionKeys {
    var rtpKey: [UInt8]
    var rtpSalt: [UInt8]
    var rtpAuthKey: [UInt8]
    var rtcpKey: [UInt8]
    var rtcpSalt: [UInt8]
    var rtcpAuthKey: [UInt8]

    /// Derives all six session keys for `profile` (RFC 3711 §4.3.1, RFC 7714 §11).
    init(profile: SRTPProfile, masterKey: [UInt8], masterSalt: [UInt8]) throws(SRTPError) {
        guard masterKey.count == profile.keyLength, masterSalt.count == profile.saltLength else {
            throw .keyDerivationFailed
        }
        let kdf = try SRTPKeyDerivation(masterKey: masterKey, masterSalt: masterSalt)
        defer { kdf.free() }
        rtpKey = try kdf.derive(.rtpEncryption, count: profile.keyLength)
        rtpSalt = try kdf.derive(.rtpSalt, count: profile.saltLength)
        rtpAuthKey = try kdf.derive(.rtpAuthentication, count: profile.authKeyLength)
        rtcpKey = try kdf.derive(.rtcpEncryption, count: profile.keyLength)
        rtcpSalt = try kdf.derive(.rtcpSalt, count: profile.saltLength)
        rtcpAuthKey = try kdf.derive(.rtcpAuthentication, count: profile.authKeyLength)
    }

    /// The same session key, salt and authentication key for SRTP and SRTCP.
    init(key: [UInt8], salt: [UInt8], authKey: [UInt8] = []) {
        rtpKey = key
        rtpSalt = salt
        rtpAuthKey = authKey
        rtcpKey = key
        rtcpSalt = salt
        rtcpAuthKey = authKey
    }
}

/// The AES-CM pseudo-random function keyed with the master key (RFC 3711 §4.3.1 and §4.3.3).
struct SRTPKeyDerivation {
    /// The key derivation labels of RFC 3711 §4.3.1 and §4.3.2.
    enum Label: UInt8 {
        case rtpEncryption = 0x00
        case rtpAuthentication = 0x01
        case rtpSalt = 0x02
        case rtcpEncryption = 0x03
        case rtcpAuthentication = 0x04
        case rtcpSalt = 0x05
    }

    private let cipher: AESCounterMode
    /// The master salt, zero-padded on the right to 112 bits (RFC 7714 §11 for 96-bit salts).
    private let salt: [UInt8]

    init(masterKey: [UInt8], masterSalt: [UInt8]) throws(SRTPError) {
        guard masterKey.count == 16, masterSalt.count <= 14 else { throw .keyDerivationFailed }
        do {
            cipher = try masterKey.withUnsafeBufferPointer { buffer throws(SRTPError) in
                try AESCounterMode(key: buffer.baseAddress!)
            }
        } catch {
            throw .keyDerivationFailed
        }
        salt = masterSalt + [UInt8](repeating: 0, count: 14 - masterSalt.count)
    }

    /// Releases the cipher; the value must not be used after.
    func free() { cipher.free() }

    /// `count` bytes of PRF output for `label`: AES-CM keystream with IV = (master_salt XOR (label || r)) · 2^16,
    /// with r = 0 because the key derivation rate is 0 (RFC 3711 §4.3.1).
    func derive(_ label: Label, count: Int) throws(SRTPError) -> [UInt8] {
        var iv = salt + [0, 0]
        iv[7] ^= label.rawValue
        var output = [UInt8](repeating: 0, count: count)
        if count == 0 { return output }
        let ok = output.withUnsafeMutableBufferPointer { out in
            iv.withUnsafeBufferPointer { ivBuffer in
                cipher.apply(iv: ivBuffer.baseAddress!, data: out.baseAddress!, count: count)
            }
        }
        guard ok else { throw .keyDerivationFailed }
        return output
    }
}
