import Bytes

/// RTX (RFC 4588 §4): a retransmission is the original packet sent on an RTX stream (its own
/// SSRC, payload type and sequence numbers), its payload prefixed by the original sequence
/// number (OSN). Both directions work in place, allocation-free.
extension RTPPacketView {
    /// Turns this packet into its retransmission: the OSN inserted before the payload, the
    /// RTX stream's SSRC, sequence number and payload type. The storage at `bytes` must hold
    /// two more bytes than the packet (`capacity`); nil if it does not.
    @inlinable
    public func wrappedAsRetransmission(ssrc: UInt32, sequenceNumber: UInt16, payloadType: UInt8, capacity: Int) -> RTPPacketView? {
        guard let base = bytes.baseAddress, capacity >= bytes.count &+ 2 else { return nil }
        let offset = payloadOffset
        let original = self.sequenceNumber
        (base + offset + 2).copyMemory(from: base + offset, byteCount: bytes.count &- offset)
        let packet = UnsafeMutableRawBufferPointer(start: base, count: bytes.count &+ 2)
        packet.setUInt16(original, at: offset)
        guard let wrapped = try? RTPPacketView(parsing: packet) else { return nil }
        wrapped.ssrc = ssrc
        wrapped.sequenceNumber = sequenceNumber
        wrapped.payloadType = payloadType
        return wrapped
    }

    /// The packet this retransmission repairs, rebuilt over the same bytes: the OSN becomes
    /// the sequence number, `ssrc` and `payloadType` (the stream it repairs and the codec its
    /// RTX type stands for, `apt`) replace the RTX stream's. Nil for an RTX packet without a
    /// payload after its OSN (padding, as a sender probes its link with).
    @inlinable
    public func unwrappedRetransmission(ssrc: UInt32, payloadType: UInt8) -> RTPPacketView? {
        guard payloadLength > 2, let base = bytes.baseAddress else { return nil }
        let offset = payloadOffset
        let original = raw.getUInt16(at: offset)
        (base + offset).copyMemory(from: base + offset + 2, byteCount: bytes.count &- offset &- 2)
        guard let repaired = try? RTPPacketView(parsing: UnsafeMutableRawBufferPointer(start: base, count: bytes.count &- 2)) else { return nil }
        repaired.ssrc = ssrc
        repaired.sequenceNumber = original
        repaired.payloadType = payloadType
        return repaired
    }
}
