// draft-holmer-rmcat-transport-wide-cc-extensions-01 §2: the transport-wide sequence number,
// a 16-bit header extension element every packet of a transport carries, numbered by the
// sender across all its streams. An SFU sends copies of packets that carry the publisher's
// number (or none): it writes its own in the copy it is about to send.

/// Writes a transport-wide sequence number into an outgoing RTP packet, in place.
public enum TransportSequenceStamp {
    /// Writes `sequence` as the element `id` of the RTP packet in `buffer[0..<length]`, which
    /// has room for `capacity` bytes: over the element's value where the packet has one, else
    /// as a new element at the end of its extension block (one more 32-bit word), else in a new
    /// one-byte-form block (8 bytes) after the CSRCs; the payload moves behind what was added.
    /// Returns the packet's new length, or nil when it cannot be written (not RTP version 2, a
    /// block that runs past the packet, an extension profile other than RFC 8285's, an `id` the
    /// block's form cannot carry, or no room).
    @inlinable
    public static func stamp(_ buffer: UnsafeMutableRawPointer, length: Int, capacity: Int, id: UInt8, sequence: UInt16) -> Int? {
        guard length >= 12 else { return nil }
        let first = buffer.load(as: UInt8.self)
        guard first >> 6 == 2 else { return nil }
        let csrcEnd = 12 &+ 4 &* Int(first & 0x0F)
        guard csrcEnd <= length else { return nil }
        let high = UInt8(truncatingIfNeeded: sequence >> 8), low = UInt8(truncatingIfNeeded: sequence)
        guard first & 0x10 != 0 else {
            // No extension block: a one-byte-form block with this one element (and a pad byte).
            guard (1...14).contains(id), length &+ 8 <= capacity else { return nil }
            (buffer + csrcEnd + 8).copyMemory(from: buffer + csrcEnd, byteCount: length &- csrcEnd)
            let block: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0xBE, 0xDE, 0, 1, id << 4 | 1, high, low, 0)
            withUnsafeBytes(of: block) { (buffer + csrcEnd).copyMemory(from: $0.baseAddress!, byteCount: 8) }
            buffer.storeBytes(of: first | 0x10, as: UInt8.self)
            return length &+ 8
        }
        guard csrcEnd &+ 4 <= length else { return nil }
        let bytes = UnsafeMutableRawBufferPointer(start: buffer, count: length)
        let profile = UInt16(bytes[csrcEnd]) << 8 | UInt16(bytes[csrcEnd &+ 1])
        let words = Int(bytes[csrcEnd &+ 2]) << 8 | Int(bytes[csrcEnd &+ 3])
        let start = csrcEnd &+ 4, end = start &+ 4 &* words
        guard end <= length, let form = RTPHeaderExtensionForm(profile: profile), form.canEncode(id: id) else { return nil }
        var value = -1
        RTPHeaderExtensionWalk.walk(UnsafeRawBufferPointer(bytes), profile: profile, start: start, end: end) { _, element, offset, count in
            guard element == id else { return true }
            if count == 2 { value = offset }
            return false
        }
        if value >= 0 {
            bytes[value] = high
            bytes[value &+ 1] = low
            return length
        }
        // A new element in one more word at the end of the block.
        guard words < 0xFFFF, length &+ 4 <= capacity else { return nil }
        (buffer + end + 4).copyMemory(from: buffer + end, byteCount: length &- end)
        let element: (UInt8, UInt8, UInt8, UInt8) = form == .oneByte ? (id << 4 | 1, high, low, 0) : (id, 2, high, low)
        withUnsafeBytes(of: element) { (buffer + end).copyMemory(from: $0.baseAddress!, byteCount: 4) }
        let grown = words &+ 1
        buffer.storeBytes(of: UInt8(truncatingIfNeeded: grown >> 8), toByteOffset: csrcEnd &+ 2, as: UInt8.self)
        buffer.storeBytes(of: UInt8(truncatingIfNeeded: grown), toByteOffset: csrcEnd &+ 3, as: UInt8.self)
        return length &+ 4
    }
}
