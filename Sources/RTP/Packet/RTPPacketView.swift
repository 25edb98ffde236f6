// RFC 3550 §5.1 and RFC 8285: the forwarding-path view of a received RTP datagram (G6).
//
// The view computes the header length, the extension block and the padding once, with one
// pass of bounds checks, and keeps only those offsets. Accessors read the bytes on demand;
// setters patch them in place so a consumer can rewrite SSRC, sequence number and timestamp,
// send, and restore (G9). Nothing here allocates.

import Bytes

/// A view over a received datagram: offsets only, no copy. Setters patch bytes in place.
///
/// The view does not own `bytes`; the caller keeps the memory alive and unaliased for as long
/// as it uses the view.
public struct RTPPacketView {
    /// The whole datagram (after SRTP unprotect).
    public let bytes: UnsafeMutableRawBufferPointer
    @usableFromInline let layout: RTPPacketLayout

    /// Validates the header, CSRC list, extension block and padding of `bytes` (RFC 3550 §5.1).
    @inlinable
    public init(parsing bytes: UnsafeMutableRawBufferPointer) throws(RTPParseError) {
        self.layout = try RTPPacketLayout(UnsafeRawBufferPointer(bytes))
        self.bytes = bytes
    }

    @inlinable var raw: UnsafeRawBufferPointer { UnsafeRawBufferPointer(bytes) }

    /// The version field (always 2 after a successful parse).
    @inlinable public var version: UInt8 { bytes[0] >> RTPHeaderLayout.versionShift }

    /// The P bit: the payload is followed by `paddingLength` bytes of padding.
    @inlinable public var hasPadding: Bool { bytes[0] & RTPHeaderLayout.paddingMask != 0 }

    /// The X bit: a header extension follows the CSRC list.
    @inlinable public var hasExtension: Bool { bytes[0] & RTPHeaderLayout.extensionMask != 0 }

    /// The CC field: how many CSRC identifiers follow the fixed header.
    @inlinable public var csrcCount: Int { Int(bytes[0] & RTPHeaderLayout.csrcCountMask) }

    /// The CSRC identifier at `index`, which must be below `csrcCount`.
    @inlinable
    public func csrc(at index: Int) -> UInt32 {
        precondition(index >= 0 && index < csrcCount, "CSRC index out of range")
        return raw.getUInt32(at: RTPHeaderLayout.csrcOffset &+ 4 &* index)
    }

    /// The M bit.
    @inlinable
    public var marker: Bool {
        get { bytes[1] & RTPHeaderLayout.markerMask != 0 }
        nonmutating set {
            bytes[1] = (bytes[1] & RTPHeaderLayout.payloadTypeMask) | (newValue ? RTPHeaderLayout.markerMask : 0)
        }
    }

    /// The 7-bit payload type. Setting keeps the marker bit and ignores the value's top bit.
    @inlinable
    public var payloadType: UInt8 {
        get { bytes[1] & RTPHeaderLayout.payloadTypeMask }
        nonmutating set {
            bytes[1] = (bytes[1] & RTPHeaderLayout.markerMask) | (newValue & RTPHeaderLayout.payloadTypeMask)
        }
    }

    /// The 16-bit sequence number.
    @inlinable
    public var sequenceNumber: UInt16 {
        get { raw.getUInt16(at: RTPHeaderLayout.sequenceNumberOffset) }
        nonmutating set { bytes.setUInt16(newValue, at: RTPHeaderLayout.sequenceNumberOffset) }
    }

    /// The 32-bit media timestamp.
    @inlinable
    public var timestamp: UInt32 {
        get { raw.getUInt32(at: RTPHeaderLayout.timestampOffset) }
        nonmutating set { bytes.setUInt32(newValue, at: RTPHeaderLayout.timestampOffset) }
    }

    /// The synchronization source identifier.
    @inlinable
    public var ssrc: UInt32 {
        get { raw.getUInt32(at: RTPHeaderLayout.ssrcOffset) }
        nonmutating set { bytes.setUInt32(newValue, at: RTPHeaderLayout.ssrcOffset) }
    }

    /// Fixed header + CSRCs + extension block (header and elements).
    @inlinable public var headerLength: Int { layout.headerLength }

    /// Where the payload starts (equal to `headerLength`).
    @inlinable public var payloadOffset: Int { layout.headerLength }

    /// The payload length, excluding padding.
    @inlinable public var payloadLength: Int { bytes.count &- layout.headerLength &- layout.paddingLength }

    /// The number of padding bytes at the end, including the count byte itself; 0 without P.
    @inlinable public var paddingLength: Int { layout.paddingLength }

    /// The payload bytes, sharing the datagram's memory.
    @inlinable
    public var payload: UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(rebasing: bytes[payloadOffset..<(payloadOffset &+ payloadLength)])
    }

    /// The extension profile (0xBEDE one-byte, 0x100x two-byte) if any.
    @inlinable
    public var extensionProfile: UInt16? { layout.hasExtension ? layout.extensionProfile : nil }

    /// The RFC 8285 form of the extension block, nil without one or for another profile.
    @inlinable
    public var extensionForm: RTPHeaderExtensionForm? {
        layout.hasExtension ? RTPHeaderExtensionForm(profile: layout.extensionProfile) : nil
    }

    @inlinable
    func walkExtensions(_ body: (Int, UInt8, Int, Int) -> Bool) {
        guard layout.hasExtension else { return }
        RTPHeaderExtensionWalk.walk(
            raw, profile: layout.extensionProfile, start: layout.extensionStart, end: layout.headerLength, body)
    }

    /// Value bytes of the header extension element with this id (one-byte or two-byte form),
    /// nil if absent. The first element with the ID wins.
    @inlinable
    public func headerExtension(id: UInt8) -> UnsafeMutableRawBufferPointer? {
        var found: Range<Int>?
        walkExtensions { _, elementID, valueOffset, length in
            if elementID == id {
                found = valueOffset..<(valueOffset &+ length)
                return false
            }
            return true
        }
        guard let found else { return nil }
        return UnsafeMutableRawBufferPointer(rebasing: bytes[found])
    }

    /// Changes the id of an extension element in place (same form); returns false if absent or
    /// the new id does not fit the form.
    @inlinable
    public func setHeaderExtensionID(_ old: UInt8, to new: UInt8) -> Bool {
        guard let form = extensionForm, form.canEncode(id: new) else { return false }
        var idOffset = -1
        walkExtensions { offset, elementID, _, _ in
            if elementID == old {
                idOffset = offset
                return false
            }
            return true
        }
        guard idOffset >= 0 else { return false }
        switch form {
        case .oneByte: bytes[idOffset] = new << 4 | (bytes[idOffset] & 0x0F)
        case .twoByte: bytes[idOffset] = new
        }
        return true
    }

    /// Calls body for each element (id, value) in order.
    @inlinable
    public func forEachHeaderExtension(_ body: (UInt8, UnsafeMutableRawBufferPointer) -> Void) {
        let bytes = self.bytes
        walkExtensions { _, id, valueOffset, length in
            body(id, UnsafeMutableRawBufferPointer(rebasing: bytes[valueOffset..<(valueOffset &+ length)]))
            return true
        }
    }
}

/// RFC 5761 section 4: is this packet (first two bytes) RTCP rather than RTP? (second byte in
/// 192...223, i.e. payload type byte & 0x7f in 64...95)
///
/// RFC 5761 §4: "if the payload type value lies in the range 64 to 95 ... it is an RTCP
/// packet". Returns false for fewer than two bytes.
@inlinable
public func isRTCPPacket(_ bytes: UnsafeRawBufferPointer) -> Bool {
    guard bytes.count >= 2 else { return false }
    return (192...223).contains(bytes[1])
}
