import Testing
@testable import RTP

/// Named test vectors from RFC 3711 Appendix B and RFC 7714 §16–17.
@Suite("SRTP RFC test vectors")
struct SRTPTestVectorTests {
    typealias T = SRTPTestSupport

    // MARK: RFC 3711 Appendix B.2: AES-CM keystream

    static let b2SessionKey = T.bytes("2B7E151628AED2A6ABF7158809CF4F3C")

    @Test("RFC 3711 B.2: AES-CM keystream, counter blocks F0F1…FD0000 to …0002 and …FEFF to …FF01", arguments: [
        ("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000",
         "E03EAD0935C95E80E166B16DD92B4EB4 D23513162B02D0F72A43A2FE4A5F97AB 41E95B3BB0A2E8DD477901E4FCA894C0"),
        ("F0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF",
         "EC8CDF7398607CB0F2D21675EA9EA1E4 362B7C3C6773516318A077D7FC5073AE 6A2CC3787889374FBEB4C81B17BA6C44"),
    ])
    func rfc3711B2Keystream(counter: String, keystream: String) throws {
        let cipher = try Self.b2SessionKey.withUnsafeBufferPointer { try AESCounterMode(key: $0.baseAddress!) }
        defer { cipher.free() }
        var data = [UInt8](repeating: 0, count: 48)
        let iv = T.bytes(counter)
        let ok = data.withUnsafeMutableBufferPointer { d in
            iv.withUnsafeBufferPointer { cipher.apply(iv: $0.baseAddress!, data: d.baseAddress!, count: 48) }
        }
        #expect(ok)
        #expect(T.hex(data) == T.hex(T.bytes(keystream)))
    }

    @Test("RFC 3711 B.2: IV of SSRC 0, index 0 is the shifted session salt")
    func rfc3711B2InitialCounter() throws {
        let transform = try SRTPTransform(
            profile: .aes128CmHmacSha1_80, key: Self.b2SessionKey,
            salt: T.bytes("F0F1F2F3F4F5F6F7F8F9FAFBFCFD"), authKey: [UInt8](repeating: 0, count: 20))
        transform.setCounterModeIV(ssrc: 0, index: 0)
        #expect(T.hex(Array(UnsafeBufferPointer(start: transform.iv, count: 16))) == "f0f1f2f3f4f5f6f7f8f9fafbfcfd0000")
    }

    // MARK: RFC 3711 Appendix B.3: key derivation

    @Test("RFC 3711 B.3: key derivation", arguments: [
        (SRTPKeyDerivation.Label.rtpEncryption, "C61E7A93744F39EE10734AFE3FF7A087"),
        (.rtpSalt, "30CBBC08863D8C85D49DB34A9AE1"),
        (.rtpAuthentication, "CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4"),
    ])
    func rfc3711B3KeyDerivation(label: SRTPKeyDerivation.Label, expected: String) throws {
        let kdf = try SRTPKeyDerivation(
            masterKey: T.bytes("E1F97A0D3E018BE0D64FA32C06DE4139"), masterSalt: T.bytes("0EC675AD498AFEEBB6960B3AABE6"))
        defer { kdf.free() }
        let expectedBytes = T.bytes(expected)
        #expect(T.hex(try kdf.derive(label, count: expectedBytes.count)) == T.hex(expectedBytes))
    }

    // MARK: RFC 7714 §16: AEAD_AES_128_GCM SRTP

    static let gcmKeys = SRTPSessionKeys(
        key: T.bytes("000102030405060708090a0b0c0d0e0f"), salt: T.bytes("517569642070726f2071756f"))
    static let rfc7714RTP = T.bytes("""
        8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f 6d6e6973
        20646976 69736120 696e2070 61727465 73207472 6573
        """)
    static let rfc7714SRTP = T.bytes("""
        8040f17b 8041f8d3 5501a0b2 f24de3a3 fb34de6c acba861c 9d7e4bca be633bd5 0d294e6f
        42a5f47a 51c7d19b 36de3adf 8833899d 7f27beb1 6a9152cf 765ee439 0cce
        """)

    @Test("RFC 7714 §16.1: IV for SSRC 5501a0b2, ROC 0, SEQ f17b")
    func rfc7714Section16IV() throws {
        let context = try SRTPContext(profile: .aeadAes128Gcm, sessionKeys: Self.gcmKeys)
        context.rtp.setGCMIV(ssrc: 0x5501_a0b2, low48: 0xf17b)
        #expect(T.hex(Array(UnsafeBufferPointer(start: context.rtp.iv, count: 12))) == "51753c6580c2726f20718414")
    }

    @Test("RFC 7714 §16.1.1: AEAD_AES_128_GCM SRTP encryption")
    func rfc7714Section16Encrypt() throws {
        let context = try SRTPContext(profile: .aeadAes128Gcm, sessionKeys: Self.gcmKeys)
        #expect(T.hex(try T.protectRTP(context, Self.rfc7714RTP)) == T.hex(Self.rfc7714SRTP))
    }

    @Test("RFC 7714 §16.1.2: AEAD_AES_128_GCM SRTP decryption")
    func rfc7714Section16Decrypt() throws {
        let context = try SRTPContext(profile: .aeadAes128Gcm, sessionKeys: Self.gcmKeys)
        #expect(T.hex(try T.unprotectRTP(context, Self.rfc7714SRTP)) == T.hex(Self.rfc7714RTP))
    }

    // MARK: RFC 7714 §17: AEAD_AES_128_GCM SRTCP (the packet the subsections actually use, index 0x5d4)

    static let rfc7714RTCP = T.bytes("""
        81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61
        deadbeef deadbeef deadbeef deadbeef deadbeef
        """)
    static let rfc7714SRTCP = T.bytes("""
        81c8000d 4d617273 63e94885 dcdab67c a727d766 2f6b7e99 7ff5c0f7 6c06f32d c676a5f1
        730d6fda 4ce09b46 86303ded 0bb9275b c84aa458 96cf4d2f c5abf872 45d9eade 800005d4
        """)

    @Test("RFC 7714 §17.1: AEAD_AES_128_GCM SRTCP encryption")
    func rfc7714Section17Encrypt() throws {
        let context = try SRTPContext(profile: .aeadAes128Gcm, sessionKeys: Self.gcmKeys)
        _ = context.rtcpStreams.add(0x4d61_7273, SRTCPStreamState(sentIndex: 0x5d3))
        #expect(T.hex(try T.protectRTCP(context, Self.rfc7714RTCP)) == T.hex(Self.rfc7714SRTCP))
    }

    @Test("RFC 7714 §17.2: AEAD_AES_128_GCM SRTCP decryption")
    func rfc7714Section17Decrypt() throws {
        let context = try SRTPContext(profile: .aeadAes128Gcm, sessionKeys: Self.gcmKeys)
        #expect(T.hex(try T.unprotectRTCP(context, Self.rfc7714SRTCP)) == T.hex(Self.rfc7714RTCP))
    }

    @Test("RFC 7714 §17.3: AEAD_AES_128_GCM SRTCP tagging only (E flag clear)")
    func rfc7714Section17TagOnly() throws {
        let context = try SRTPContext(profile: .aeadAes128Gcm, sessionKeys: Self.gcmKeys)
        let tagged = Self.rfc7714RTCP + T.bytes("841dd968 3dd78ec9 2ae58790 125f62b3 000005d4")
        #expect(T.hex(try T.unprotectRTCP(context, tagged)) == T.hex(Self.rfc7714RTCP))
    }
}
