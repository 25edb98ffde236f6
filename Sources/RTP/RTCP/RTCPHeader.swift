// RFC 3550 §6.4.1: the common header shared by every RTCP packet.
//
//     0                   1                   2                   3
//     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |V=2|P|    RC   |   PT=SR=200   |             length            |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The 5-bit count field is RC (report count), SC (source count), a subtype (APP) or FMT
// (feedback message type, RFC 4585 §6.1). Length is in 32-bit words minus one, header included.

import Bytes

/// The 4-byte common RTCP header.
public struct RTCPHeader: Hashable, Sendable {
    /// The P bit: the packet ends with padding whose last byte is its length.
    public var padding: Bool
    /// RC, SC, APP subtype or FMT, 0...31.
    public var count: UInt8
    /// The packet type (200 SR, 201 RR, 202 SDES, 203 BYE, 204 APP, 205 RTPFB, 206 PSFB).
    public var packetType: UInt8
    /// The packet length in 32-bit words minus one.
    public var length: UInt16

    /// The header length in bytes.
    public static let size = 4

    /// A header with these fields.
    public init(padding: Bool = false, count: UInt8, packetType: UInt8, length: UInt16) {
        self.padding = padding
        self.count = count
        self.packetType = packetType
        self.length = length
    }

    /// Reads the header at the start of `bytes` without checking the length against the buffer.
    public init(parsing bytes: UnsafeRawBufferPointer) throws(RTCPParseError) {
        guard bytes.count >= Self.size else { throw .headerTooShort }
        guard bytes[0] >> 6 == 2 else { throw .invalidVersion }
        padding = bytes[0] & 0x20 != 0
        count = bytes[0] & 0x1F
        packetType = bytes[1]
        length = bytes.getUInt16(at: 2)
    }

    /// The whole packet's size in bytes, from the length field.
    public var packetSize: Int { (Int(length) + 1) * 4 }

    /// Writes the header at `offset` of `buffer`.
    public func serialize(into buffer: UnsafeMutableRawBufferPointer, at offset: Int = 0) {
        precondition(offset + Self.size <= buffer.count, "buffer smaller than serializedSize")
        buffer[offset] = 2 << 6 | (padding ? 0x20 : 0) | (count & 0x1F)
        buffer[offset + 1] = packetType
        buffer.setUInt16(length, at: offset + 2)
    }
}

/// RTCP packet type numbers (RFC 3550 §12.1, RFC 4585 §6.1).
public enum RTCPPacketType {
    /// Sender report.
    public static let senderReport: UInt8 = 200
    /// Receiver report.
    public static let receiverReport: UInt8 = 201
    /// Source description.
    public static let sourceDescription: UInt8 = 202
    /// Goodbye.
    public static let goodbye: UInt8 = 203
    /// Application-defined.
    public static let applicationDefined: UInt8 = 204
    /// Transport-layer feedback (RTPFB).
    public static let transportFeedback: UInt8 = 205
    /// Payload-specific feedback (PSFB).
    public static let payloadSpecificFeedback: UInt8 = 206
}

/// Feedback message types (the FMT in the count field).
public enum RTCPFeedbackFormat {
    /// RTPFB FMT 1: generic NACK (RFC 4585 §6.2.1).
    public static let genericNack: UInt8 = 1
    /// RTPFB FMT 15: transport-wide congestion control (draft-holmer §3.1).
    public static let transportWideCongestionControl: UInt8 = 15
    /// PSFB FMT 1: picture loss indication (RFC 4585 §6.3.1).
    public static let pictureLossIndication: UInt8 = 1
    /// PSFB FMT 4: full intra request (RFC 5104 §4.3.1).
    public static let fullIntraRequest: UInt8 = 4
    /// PSFB FMT 15: application-layer feedback, which carries REMB.
    public static let applicationLayerFeedback: UInt8 = 15
}

extension RTCPHeader {
    /// Parses the header of the packet at the start of `bytes`, checks it is of `packetType`
    /// (and `format`, when given), and returns it with a reader over the body: after the
    /// header, up to the start of any padding.
    @usableFromInline
    static func parseBody(
        _ bytes: UnsafeRawBufferPointer, packetType: UInt8, format: UInt8? = nil
    ) throws(RTCPParseError) -> (RTCPHeader, ByteReader) {
        let header = try RTCPHeader(parsing: bytes)
        guard header.packetType == packetType else { throw .wrongPacketType }
        if let format, header.count != format { throw .wrongPacketType }
        let size = header.packetSize
        guard size <= bytes.count else { throw .lengthBeyondBuffer }
        var end = size
        if header.padding {
            let padding = Int(bytes[size - 1])
            guard padding > 0, padding <= size - Self.size else { throw .invalidPadding }
            end -= padding
        }
        return (header, ByteReader(bytes, offset: Self.size, end: end))
    }

    /// The header for a packet of `size` bytes (a multiple of 4).
    static func forPacket(count: UInt8, packetType: UInt8, size: Int) -> RTCPHeader {
        precondition(size % 4 == 0 && size >= 4 && size / 4 - 1 <= Int(UInt16.max), "RTCP size must be whole words")
        return RTCPHeader(count: count, packetType: packetType, length: UInt16(size / 4 - 1))
    }
}
