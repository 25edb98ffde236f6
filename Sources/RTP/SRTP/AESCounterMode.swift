import COpenSSL

/// AES-128 in counter mode (RFC 3711 §4.1.1) on one preallocated `EVP_CIPHER_CTX`.
/// Setting a new IV on a keyed context allocates nothing in OpenSSL 3. A value holding only the
/// context pointer (no reference count on the per-packet path); its owner calls `free()` once.
struct AESCounterMode {
    private let context: OpaquePointer

    /// Keys the cipher with the 16 bytes at `key`.
    init(key: UnsafePointer<UInt8>) throws(SRTPError) {
        guard let context = EVP_CIPHER_CTX_new() else { throw .cryptoFailure }
        guard EVP_EncryptInit_ex(context, EVP_aes_128_ctr(), nil, key, nil) == 1 else {
            EVP_CIPHER_CTX_free(context)
            throw .cryptoFailure
        }
        self.context = context
    }

    /// Releases the OpenSSL context; the value must not be used after.
    func free() { EVP_CIPHER_CTX_free(context) }

    /// XORs the keystream that starts at the 16-byte counter block `iv` into `count` bytes at `data`, in place.
    @inline(__always)
    func apply(iv: UnsafePointer<UInt8>, data: UnsafeMutablePointer<UInt8>, count: Int) -> Bool {
        guard EVP_EncryptInit_ex(context, nil, nil, nil, iv) == 1 else { return false }
        if count == 0 { return true }
        var written: Int32 = 0
        return EVP_EncryptUpdate(context, data, &written, data, Int32(count)) == 1
    }
}
