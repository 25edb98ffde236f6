// RFC 8489 §14.5: MESSAGE-INTEGRITY, an HMAC-SHA1 (20 bytes).
//
// "The text used as input to HMAC is the STUN message, up to and including the attribute
//  preceding the MESSAGE-INTEGRITY attribute. The Length field of the STUN message header is
//  adjusted to point to the end of the MESSAGE-INTEGRITY attribute."
//
// For ICE the key is the short-term credential: the peer's password as UTF-8 bytes (§9.2.2).

internal import COpenSSL

enum MessageIntegrity {
    /// One-shot HMAC-SHA1 (OpenSSL's `HMAC`, not deprecated in 3.x).
    static func hmacSHA1(key: [UInt8], data: UnsafeRawBufferPointer) -> [UInt8] {
        var mac = [UInt8](repeating: 0, count: STUNWire.integritySize)
        mac.withUnsafeMutableBytes { macBuffer in
            hmacSHA1(key: key, data: data, into: macBuffer)
        }
        return mac
    }

    /// HMAC-SHA1 of `data` into the first 20 bytes of `out`.
    static func hmacSHA1(key: [UInt8], data: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) {
        precondition(out.count >= STUNWire.integritySize)
        // A zero-length key still needs a non-nil pointer for OpenSSL.
        var dummy: UInt8 = 0
        let dataPointer = data.baseAddress?.assumingMemoryBound(to: UInt8.self)
        var length: UInt32 = 0
        key.withUnsafeBytes { keyBuffer in
            withUnsafeMutablePointer(to: &dummy) { dummyPointer in
                let keyPointer = keyBuffer.baseAddress ?? UnsafeRawPointer(dummyPointer)
                let result = HMAC(EVP_sha1(), keyPointer, Int32(keyBuffer.count),
                                  dataPointer ?? UnsafePointer(dummyPointer), data.count,
                                  out.baseAddress!.assumingMemoryBound(to: UInt8.self), &length)
                precondition(result != nil && length == UInt32(STUNWire.integritySize), "HMAC-SHA1 failed")
            }
        }
    }

    /// Verifies the MESSAGE-INTEGRITY attribute whose TLV starts at `attributeOffset`.
    /// The prefix is copied to a temporary (stack for small sizes) to patch the length field.
    static func verify(_ bytes: UnsafeRawBufferPointer, attributeOffset: Int, key: [UInt8]) -> Bool {
        let macOffset = attributeOffset + STUNWire.attributeHeaderSize
        guard macOffset + STUNWire.integritySize <= bytes.count else { return false }
        let adjustedLength = UInt16(attributeOffset - STUNWire.headerSize + 4 + STUNWire.integritySize)
        return withUnsafeTemporaryAllocation(byteCount: attributeOffset + STUNWire.integritySize, alignment: 8) { scratch in
            let prefix = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<attributeOffset])
            prefix.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[0..<attributeOffset]))
            prefix[STUNWire.lengthOffset] = UInt8(truncatingIfNeeded: adjustedLength >> 8)
            prefix[STUNWire.lengthOffset + 1] = UInt8(truncatingIfNeeded: adjustedLength)
            let mac = UnsafeMutableRawBufferPointer(rebasing: scratch[attributeOffset...])
            hmacSHA1(key: key, data: UnsafeRawBufferPointer(prefix), into: mac)
            // Constant-time comparison.
            var difference: UInt8 = 0
            for i in 0..<STUNWire.integritySize {
                difference |= mac[i] ^ bytes[macOffset + i]
            }
            return difference == 0
        }
    }
}
