// The cipher and MAC for one of SRTP or SRTCP, with the IV constructions of RFC 3711 §4.1.1,
// RFC 7714 §8.1 and §9.1.

/// Session cipher, MAC, salt and scratch buffers for one packet type (RTP or RTCP) of one SRTP session.
/// Everything is allocated at init; per packet, nothing is, and nothing is reference counted: a
/// value of pointers, which its `SRTPContext` frees once (`free()`).
struct SRTPTransform {
    enum Cipher {
        /// `.aes128CmHmacSha1_80`: AES-CM and HMAC-SHA1.
        case counterMode(AESCounterMode, HMACSHA1)
        /// `.aeadAes128Gcm`.
        case gcm(AESGCM)
    }
    let cipher: Cipher
    /// AES-CM cipher (`.aes128CmHmacSha1_80`).
    var counterMode: AESCounterMode? { if case .counterMode(let c, _) = cipher { c } else { nil } }
    /// HMAC-SHA1 (`.aes128CmHmacSha1_80`).
    var hmac: HMACSHA1? { if case .counterMode(_, let h) = cipher { h } else { nil } }
    /// AES-GCM (`.aeadAes128Gcm`).
    var gcm: AESGCM? { if case .gcm(let g) = cipher { g } else { nil } }
    /// The session salt (14 or 12 bytes).
    private let salt: UnsafeMutablePointer<UInt8>
    private let saltLength: Int
    /// The IV of the packet being processed (16 bytes for AES-CM, 12 for GCM).
    let iv: UnsafeMutablePointer<UInt8>
    /// Scratch for the ROC that HMAC covers, and the like.
    let scratch: UnsafeMutablePointer<UInt8>

    init(profile: SRTPProfile, key: [UInt8], salt: [UInt8], authKey: [UInt8]) throws(SRTPError) {
        guard key.count == profile.keyLength, salt.count == profile.saltLength,
              authKey.count == profile.authKeyLength
        else { throw .keyDerivationFailed }
        saltLength = salt.count
        self.salt = .allocate(capacity: 16)
        self.salt.initialize(repeating: 0, count: 16)
        for i in 0..<salt.count { self.salt[i] = salt[i] }
        iv = .allocate(capacity: 16)
        iv.initialize(repeating: 0, count: 16)
        scratch = .allocate(capacity: 32)
        scratch.initialize(repeating: 0, count: 32)
        switch profile {
        case .aes128CmHmacSha1_80:
            let counterMode = try key.withUnsafeBufferPointer { k throws(SRTPError) in try AESCounterMode(key: k.baseAddress!) }
            let hmac: HMACSHA1
            do {
                hmac = try authKey.withUnsafeBufferPointer { k throws(SRTPError) in try HMACSHA1(key: k.baseAddress!, count: k.count) }
            } catch {
                counterMode.free()
                throw error
            }
            cipher = .counterMode(counterMode, hmac)
        case .aeadAes128Gcm:
            cipher = .gcm(try key.withUnsafeBufferPointer { k throws(SRTPError) in try AESGCM(key: k.baseAddress!) })
        }
    }

    /// Releases everything; the value must not be used after.
    func free() {
        switch cipher {
        case .counterMode(let c, let h):
            c.free()
            h.free()
        case .gcm(let g):
            g.free()
        }
        salt.deallocate()
        iv.deallocate()
        scratch.deallocate()
    }

    /// RFC 3711 §4.1.1: IV = (k_s · 2^16) XOR (SSRC · 2^64) XOR (i · 2^16), for SRTP (48-bit index)
    /// and SRTCP (31-bit index, §4.1 "SRTCP").
    @inline(__always)
    func setCounterModeIV(ssrc: UInt32, index: UInt64) {
        for i in 0..<14 { iv[i] = salt[i] }
        iv[14] = 0
        iv[15] = 0
        iv[4] ^= UInt8(truncatingIfNeeded: ssrc >> 24)
        iv[5] ^= UInt8(truncatingIfNeeded: ssrc >> 16)
        iv[6] ^= UInt8(truncatingIfNeeded: ssrc >> 8)
        iv[7] ^= UInt8(truncatingIfNeeded: ssrc)
        iv[8] ^= UInt8(truncatingIfNeeded: index >> 40)
        iv[9] ^= UInt8(truncatingIfNeeded: index >> 32)
        iv[10] ^= UInt8(truncatingIfNeeded: index >> 24)
        iv[11] ^= UInt8(truncatingIfNeeded: index >> 16)
        iv[12] ^= UInt8(truncatingIfNeeded: index >> 8)
        iv[13] ^= UInt8(truncatingIfNeeded: index)
    }

    /// RFC 7714 §8.1: IV = (00 00 || SSRC || ROC || SEQ) XOR salt; and §9.1 for SRTCP:
    /// (00 00 || SSRC || 00 00 || 0 || SRTCP index) XOR salt. Both are (SSRC · 2^48) XOR low48 XOR salt.
    @inline(__always)
    func setGCMIV(ssrc: UInt32, low48: UInt64) {
        iv[0] = salt[0]
        iv[1] = salt[1]
        iv[2] = salt[2] ^ UInt8(truncatingIfNeeded: ssrc >> 24)
        iv[3] = salt[3] ^ UInt8(truncatingIfNeeded: ssrc >> 16)
        iv[4] = salt[4] ^ UInt8(truncatingIfNeeded: ssrc >> 8)
        iv[5] = salt[5] ^ UInt8(truncatingIfNeeded: ssrc)
        iv[6] = salt[6] ^ UInt8(truncatingIfNeeded: low48 >> 40)
        iv[7] = salt[7] ^ UInt8(truncatingIfNeeded: low48 >> 32)
        iv[8] = salt[8] ^ UInt8(truncatingIfNeeded: low48 >> 24)
        iv[9] = salt[9] ^ UInt8(truncatingIfNeeded: low48 >> 16)
        iv[10] = salt[10] ^ UInt8(truncatingIfNeeded: low48 >> 8)
        iv[11] = salt[11] ^ UInt8(truncatingIfNeeded: low48)
    }
}
