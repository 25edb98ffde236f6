// Checks that work on the raw datagram without building a `STUNMessage`: the RFC 7983 demux
// test, integrity and fingerprint verification, and the USERNAME peek used to route the first
// request on a shared ICE-lite port (G11).

import Bytes

/// Namespace for raw-datagram STUN helpers.
public enum STUN {
    /// RFC 7983 §7: "If the value of the first byte is in the range 0 to 3, … forward the packet
    /// to STUN". Additionally requires 20 bytes and the magic cookie, so a stray DTLS/RTP byte
    /// pattern is not mistaken for STUN.
    @inlinable
    public static func isSTUN(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 20 && bytes[0] <= 3
            && UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: 4, as: UInt32.self)) == 0x2112_A442
    }

    /// Validates MESSAGE-INTEGRITY of a raw message against a key (short-term credential: the
    /// password bytes). False if the message is malformed or has no MESSAGE-INTEGRITY.
    public static func verifyIntegrity(_ bytes: UnsafeRawBufferPointer, key: [UInt8]) -> Bool {
        guard let offset = firstAttributeOffset(bytes, type: STUNAttributeType.messageIntegrity) else { return false }
        return MessageIntegrity.verify(bytes, attributeOffset: offset, key: key)
    }

    /// Validates FINGERPRINT. False if the message is malformed, has no FINGERPRINT, or
    /// FINGERPRINT is not the last attribute.
    public static func verifyFingerprint(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let offset = firstAttributeOffset(bytes, type: STUNAttributeType.fingerprint) else { return false }
        return Fingerprint.verify(bytes, attributeOffset: offset)
    }

    /// Whether the message carries a FINGERPRINT attribute (nil if malformed).
    public static func hasFingerprint(_ bytes: UnsafeRawBufferPointer) -> Bool? {
        guard (try? validateHeader(bytes)) != nil else { return nil }
        var found = false
        let ok = forEachAttribute(bytes) { type, _, _ in
            if type == STUNAttributeType.fingerprint { found = true; return false }
            return true
        }
        return ok ? found : nil
    }

    /// Reads USERNAME without building a full message (for routing the first request on a shared
    /// port); nil if absent, malformed or not UTF-8.
    public static func peekUsername(_ bytes: UnsafeRawBufferPointer) -> String? {
        guard let offset = firstAttributeOffset(bytes, type: STUNAttributeType.username) else { return nil }
        let length = Int(bytes.getUInt16(at: offset + 2))
        let start = offset + STUNWire.attributeHeaderSize
        return String(validating: UnsafeRawBufferPointer(rebasing: bytes[start..<start + length])
            .assumingMemoryBound(to: UInt8.self), as: UTF8.self)
    }
}

// MARK: - Walking the raw message

extension STUN {
    /// Checks the fixed header and that the length field matches the datagram (RFC 8489 §6.3).
    static func validateHeader(_ bytes: UnsafeRawBufferPointer) throws(STUNParseError) {
        guard bytes.count >= STUNWire.headerSize else { throw .truncatedHeader }
        guard bytes[0] & 0xC0 == 0 else { throw .notSTUN }
        guard bytes.getUInt32(at: STUNWire.cookieOffset) == STUNWire.magicCookie else { throw .badMagicCookie }
        let length = Int(bytes.getUInt16(at: STUNWire.lengthOffset))
        guard length % 4 == 0 else { throw .lengthNotMultipleOfFour }
        guard length == bytes.count - STUNWire.headerSize else { throw .lengthMismatch }
    }

    /// Reads the TLV header at `offset` and checks that value and padding fit in the message.
    static func attributeHeader(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(STUNParseError) -> (type: UInt16, length: Int) {
        guard offset + STUNWire.attributeHeaderSize <= bytes.count else { throw .attributePastEnd }
        let type = bytes.getUInt16(at: offset)
        let length = Int(bytes.getUInt16(at: offset + 2))
        guard offset + STUNWire.attributeHeaderSize + STUNWire.padded(length) <= bytes.count else {
            throw .attributePastEnd
        }
        return (type, length)
    }

    /// Calls `body(type, attributeOffset, valueLength)` for each attribute until it returns false.
    /// Returns false if an attribute is malformed. The header must already be valid.
    static func forEachAttribute(_ bytes: UnsafeRawBufferPointer,
                                 _ body: (UInt16, Int, Int) -> Bool) -> Bool {
        var offset = STUNWire.headerSize
        while offset < bytes.count {
            guard let (type, length) = try? attributeHeader(bytes, at: offset) else { return false }
            if !body(type, offset, length) { return true }
            offset += STUNWire.attributeHeaderSize + STUNWire.padded(length)
        }
        return true
    }

    /// Offset of the first attribute TLV of `type`, or nil (also when the message is malformed
    /// anywhere before it).
    static func firstAttributeOffset(_ bytes: UnsafeRawBufferPointer, type wanted: UInt16) -> Int? {
        guard (try? validateHeader(bytes)) != nil else { return nil }
        var found: Int?
        let ok = forEachAttribute(bytes) { type, offset, _ in
            if type == wanted { found = offset; return false }
            return true
        }
        return ok ? found : nil
    }
}
