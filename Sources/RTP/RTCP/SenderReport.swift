// RFC 3550 §6.4.1: SR, the sender report.
//
//     0                   1                   2                   3
//     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |V=2|P|    RC   |   PT=SR=200   |             length            |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                         SSRC of sender                        |
//    +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//    |              NTP timestamp, most significant word             |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |             NTP timestamp, least significant word             |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                         RTP timestamp                         |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                     sender's packet count                     |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                      sender's octet count                     |
//    +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//    |                 report blocks (RC × 24 bytes)                 |
//    +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//    |                  profile-specific extensions                  |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

import Bytes

/// A sender report (RFC 3550 §6.4.1).
public struct SenderReport: Hashable, Sendable {
    /// The sender's SSRC.
    public var ssrc: UInt32
    /// The 64-bit NTP wallclock time at which the report was sent.
    public var ntpTimestamp: UInt64
    /// The RTP timestamp corresponding to `ntpTimestamp`.
    public var rtpTimestamp: UInt32
    /// Packets sent since the start of transmission.
    public var packetCount: UInt32
    /// Payload octets sent since the start of transmission.
    public var octetCount: UInt32
    /// Reception reports, at most 31.
    public var reportBlocks: [ReceptionReport]
    /// Profile-specific extension bytes after the report blocks, kept verbatim (whole words).
    public var profileExtensions: [UInt8]

    /// Header, sender SSRC and sender info.
    public static let fixedSize = 28

    /// The middle 32 bits of `ntpTimestamp`: what a receiver echoes as LSR in its reception
    /// report (RFC 3550 §6.4.1), and so the key for round-trip time measurement.
    public var compactNTPTimestamp: UInt32 { UInt32(truncatingIfNeeded: ntpTimestamp >> 16) }

    /// A sender report with these fields.
    public init(
        ssrc: UInt32, ntpTimestamp: UInt64, rtpTimestamp: UInt32, packetCount: UInt32, octetCount: UInt32,
        reportBlocks: [ReceptionReport] = [], profileExtensions: [UInt8] = []
    ) {
        self.ssrc = ssrc
        self.ntpTimestamp = ntpTimestamp
        self.rtpTimestamp = rtpTimestamp
        self.packetCount = packetCount
        self.octetCount = octetCount
        self.reportBlocks = reportBlocks
        self.profileExtensions = profileExtensions
    }

    /// Parses a whole SR packet, header included.
    public init(parsing bytes: UnsafeRawBufferPointer) throws(RTCPParseError) {
        let view = try SenderReportView(viewing: bytes)
        self.init(ssrc: view.ssrc, ntpTimestamp: view.ntpTimestamp, rtpTimestamp: view.rtpTimestamp,
                  packetCount: view.packetCount, octetCount: view.octetCount, reportBlocks: Array(view.reports),
                  profileExtensions: Array(view.profileExtensions))
    }

    /// The exact number of bytes `serialize(into:)` writes.
    public var serializedSize: Int {
        Self.fixedSize + ReceptionReport.size * reportBlocks.count + roundUpToWord(profileExtensions.count)
    }

    /// Writes the packet at the start of `buffer`; returns the bytes written.
    @discardableResult
    public func serialize(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        precondition(reportBlocks.count <= 31, "at most 31 report blocks")
        let size = serializedSize
        var writer = Self.writeFixedPart(
            into: buffer, ssrc: ssrc, ntpTimestamp: ntpTimestamp, rtpTimestamp: rtpTimestamp,
            packetCount: packetCount, octetCount: octetCount, reportCount: reportBlocks.count, size: size)
        for block in reportBlocks { block.write(to: &writer) }
        writer.write(profileExtensions)
        writer.padToWord()
        return writer.offset
    }

    /// Writes an SR with at most one report block straight into `buffer`, without building a
    /// `SenderReport` (nothing allocates). Returns the bytes written (28 or 52).
    @discardableResult
    public static func serialize(
        ssrc: UInt32, ntpTimestamp: UInt64, rtpTimestamp: UInt32, packetCount: UInt32, octetCount: UInt32,
        reportBlock: ReceptionReport?, into buffer: UnsafeMutableRawBufferPointer
    ) -> Int {
        let count = reportBlock == nil ? 0 : 1
        var writer = writeFixedPart(
            into: buffer, ssrc: ssrc, ntpTimestamp: ntpTimestamp, rtpTimestamp: rtpTimestamp,
            packetCount: packetCount, octetCount: octetCount, reportCount: count,
            size: fixedSize + ReceptionReport.size * count)
        reportBlock?.write(to: &writer)
        return writer.offset
    }

    private static func writeFixedPart(
        into buffer: UnsafeMutableRawBufferPointer, ssrc: UInt32, ntpTimestamp: UInt64, rtpTimestamp: UInt32,
        packetCount: UInt32, octetCount: UInt32, reportCount: Int, size: Int
    ) -> ByteWriter {
        precondition(buffer.count >= size, "buffer smaller than serializedSize")
        RTCPHeader.forPacket(count: UInt8(reportCount), packetType: RTCPPacketType.senderReport, size: size)
            .serialize(into: buffer)
        var writer = ByteWriter(buffer, offset: RTCPHeader.size)
        writer.write(ssrc)
        writer.write(ntpTimestamp)
        writer.write(rtpTimestamp)
        writer.write(packetCount)
        writer.write(octetCount)
        return writer
    }
}
