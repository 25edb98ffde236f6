// RFC 3550 §6.4.1: a reception report block, carried by sender and receiver reports.
//
//    +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//    |                 SSRC_1 (SSRC of first source)                 |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    | fraction lost |       cumulative number of packets lost       |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |           extended highest sequence number received           |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                      interarrival jitter                      |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                         last SR (LSR)                         |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                   delay since last SR (DLSR)                  |
//    +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+

import Bytes

/// One reception report block (RFC 3550 §6.4.1), 24 bytes on the wire.
public struct ReceptionReport: Hashable, Sendable {
    /// The source this block reports on.
    public var ssrc: UInt32
    /// Packets lost since the previous report, as a fixed-point fraction of 256.
    public var fractionLost: UInt8
    /// Cumulative packets lost, a signed 24-bit value (-8388608...8388607; late duplicates
    /// can make it negative).
    public var cumulativeLost: Int32
    /// The extended highest sequence number received (cycles << 16 | highest seq).
    public var extendedHighestSequenceNumber: UInt32
    /// Interarrival jitter in timestamp units.
    public var jitter: UInt32
    /// The middle 32 bits of the NTP timestamp of the last SR received (LSR).
    public var lastSenderReport: UInt32
    /// Delay since that SR, in units of 1/65536 s (DLSR).
    public var delaySinceLastSenderReport: UInt32

    /// The block size in bytes.
    public static let size = 24

    /// A block with these fields.
    public init(
        ssrc: UInt32, fractionLost: UInt8 = 0, cumulativeLost: Int32 = 0, extendedHighestSequenceNumber: UInt32 = 0,
        jitter: UInt32 = 0, lastSenderReport: UInt32 = 0, delaySinceLastSenderReport: UInt32 = 0
    ) {
        self.ssrc = ssrc
        self.fractionLost = fractionLost
        self.cumulativeLost = cumulativeLost
        self.extendedHighestSequenceNumber = extendedHighestSequenceNumber
        self.jitter = jitter
        self.lastSenderReport = lastSenderReport
        self.delaySinceLastSenderReport = delaySinceLastSenderReport
    }


    func write(to writer: inout ByteWriter) {
        writer.write(ssrc)
        writer.write(fractionLost)
        // Clamp to the 24-bit signed range rather than wrap (RFC 3550 §6.4.1 A.3).
        let clamped = min(max(cumulativeLost, -0x80_0000), 0x7F_FFFF)
        writer.writeUInt24(UInt32(bitPattern: clamped) & 0xFF_FFFF)
        writer.write(extendedHighestSequenceNumber)
        writer.write(jitter)
        writer.write(lastSenderReport)
        writer.write(delaySinceLastSenderReport)
    }

    /// Writes the 24-byte block at `offset` of `buffer`.
    public func serialize(into buffer: UnsafeMutableRawBufferPointer, at offset: Int = 0) {
        var writer = ByteWriter(buffer, offset: offset)
        write(to: &writer)
    }
}

/// The name pion and mediasoup use for a reception report block.
public typealias ReportBlock = ReceptionReport
