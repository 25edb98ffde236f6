import COpenSSL

/// HMAC-SHA1 (RFC 2104) with a fixed key, for SRTP authentication (RFC 3711 §4.2.1).
///
/// The inner and outer SHA-1 states after the ipad and opad blocks are computed once; each
/// message starts from a copy of them. OpenSSL 3's `EVP_DigestInit` and `EVP_MAC_init`
/// allocate a provider context on every call, so this uses the low-level SHA-1 functions on
/// caller-owned state (`cssl_sha1_state`, see COpenSSL/shim.h): no allocation per message. A
/// value holding only pointers (no reference count on the per-packet path); its owner calls
/// `free()` once.
struct HMACSHA1 {
    static let digestLength = 20
    private let innerStart: UnsafeMutablePointer<cssl_sha1_state>
    private let outerStart: UnsafeMutablePointer<cssl_sha1_state>
    private let working: UnsafeMutablePointer<cssl_sha1_state>
    private let digest: UnsafeMutablePointer<UInt8>

    /// Keys the MAC with `count` bytes at `key` (at most 64, which SRTP's 20-byte key always is).
    init(key: UnsafePointer<UInt8>, count: Int) throws(SRTPError) {
        guard count <= 64 else { throw .keyDerivationFailed }
        innerStart = .allocate(capacity: 1)
        outerStart = .allocate(capacity: 1)
        working = .allocate(capacity: 1)
        digest = .allocate(capacity: Self.digestLength)
        var pad = [UInt8](repeating: 0, count: 64)
        for i in 0..<count { pad[i] = key[i] }
        let ipad = pad.map { $0 ^ 0x36 }
        let opad = pad.map { $0 ^ 0x5c }
        _ = cssl_SHA1_Init(innerStart)
        _ = cssl_SHA1_Update(innerStart, ipad, 64)
        _ = cssl_SHA1_Init(outerStart)
        _ = cssl_SHA1_Update(outerStart, opad, 64)
    }

    /// Releases the states; the value must not be used after.
    func free() {
        innerStart.deallocate()
        outerStart.deallocate()
        working.deallocate()
        digest.deallocate()
    }

    /// Starts a message.
    @inline(__always)
    func begin() { working.pointee = innerStart.pointee }

    /// Adds `count` bytes at `bytes` to the message.
    @inline(__always)
    func update(_ bytes: UnsafeRawPointer, count: Int) { _ = cssl_SHA1_Update(working, bytes, count) }

    /// Finishes the message and returns the 20-byte MAC, valid until the next `finish`.
    @inline(__always)
    func finish() -> UnsafePointer<UInt8> {
        _ = cssl_SHA1_Final(digest, working)
        working.pointee = outerStart.pointee
        _ = cssl_SHA1_Update(working, digest, Self.digestLength)
        _ = cssl_SHA1_Final(digest, working)
        return UnsafePointer(digest)
    }
}
