import COpenSSL

/// AES-128-GCM with a 12-byte IV and a 16-byte tag (RFC 7714 §5) on two preallocated
/// `EVP_CIPHER_CTX`s, one sealing and one opening. Re-IVing a keyed context allocates nothing. A
/// value holding only pointers (no reference count on the per-packet path); its owner calls
/// `free()` once.
struct AESGCM {
    static let tagLength = 16
    private let sealer: OpaquePointer
    private let opener: OpaquePointer
    /// Scratch for `EVP_CipherFinal_ex`, which writes nothing for GCM but wants a pointer.
    private let scratch: UnsafeMutablePointer<UInt8>

    init(key: UnsafePointer<UInt8>) throws(SRTPError) {
        guard let sealer = EVP_CIPHER_CTX_new() else { throw .cryptoFailure }
        guard let opener = EVP_CIPHER_CTX_new() else {
            EVP_CIPHER_CTX_free(sealer)
            throw .cryptoFailure
        }
        self.sealer = sealer
        self.opener = opener
        scratch = .allocate(capacity: 32)
        for (context, encrypt) in [(sealer, Int32(1)), (opener, Int32(0))] {
            guard EVP_CipherInit_ex(context, EVP_aes_128_gcm(), nil, nil, nil, encrypt) == 1,
                  cssl_EVP_CIPHER_CTX_set_gcm_ivlen(context, 12) == 1,
                  EVP_CipherInit_ex(context, nil, nil, key, nil, encrypt) == 1
            else {
                free()
                throw .cryptoFailure
            }
        }
    }

    /// Releases the OpenSSL contexts; the value must not be used after.
    func free() {
        EVP_CIPHER_CTX_free(sealer)
        EVP_CIPHER_CTX_free(opener)
        scratch.deallocate()
    }

    /// Encrypts `count` bytes at `data` in place, authenticating `aadCount` bytes at `aad`
    /// and then `aad2Count` bytes at `aad2` as associated data,
    /// and writes the 16-byte tag to `tag`.
    @inline(__always)
    func seal(
        iv: UnsafePointer<UInt8>, aad: UnsafePointer<UInt8>, aadCount: Int,
        aad2: UnsafePointer<UInt8>? = nil, aad2Count: Int = 0,
        data: UnsafeMutablePointer<UInt8>, count: Int, tag: UnsafeMutablePointer<UInt8>
    ) -> Bool {
        var written: Int32 = 0
        guard EVP_CipherInit_ex(sealer, nil, nil, nil, iv, 1) == 1 else { return false }
        if aadCount > 0, EVP_CipherUpdate(sealer, nil, &written, aad, Int32(aadCount)) != 1 { return false }
        if aad2Count > 0, EVP_CipherUpdate(sealer, nil, &written, aad2, Int32(aad2Count)) != 1 { return false }
        if count > 0, EVP_CipherUpdate(sealer, data, &written, data, Int32(count)) != 1 { return false }
        guard EVP_CipherFinal_ex(sealer, scratch, &written) == 1 else { return false }
        return cssl_EVP_CIPHER_CTX_get_gcm_tag(sealer, Int32(Self.tagLength), tag) == 1
    }

    /// Decrypts `count` bytes at `data` in place and checks `tag`. On `false` the bytes at `data`
    /// are garbage: the caller drops the packet.
    @inline(__always)
    func open(
        iv: UnsafePointer<UInt8>, aad: UnsafePointer<UInt8>, aadCount: Int,
        aad2: UnsafePointer<UInt8>? = nil, aad2Count: Int = 0,
        data: UnsafeMutablePointer<UInt8>, count: Int, tag: UnsafeMutablePointer<UInt8>
    ) -> Bool {
        var written: Int32 = 0
        guard EVP_CipherInit_ex(opener, nil, nil, nil, iv, 0) == 1 else { return false }
        if aadCount > 0, EVP_CipherUpdate(opener, nil, &written, aad, Int32(aadCount)) != 1 { return false }
        if aad2Count > 0, EVP_CipherUpdate(opener, nil, &written, aad2, Int32(aad2Count)) != 1 { return false }
        if count > 0, EVP_CipherUpdate(opener, data, &written, data, Int32(count)) != 1 { return false }
        guard cssl_EVP_CIPHER_CTX_set_gcm_tag(opener, Int32(Self.tagLength), tag) == 1 else { return false }
        return EVP_CipherFinal_ex(opener, scratch, &written) == 1
    }
}
