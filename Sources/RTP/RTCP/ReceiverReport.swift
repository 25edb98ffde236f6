// RFC 3550 §6.4.2: RR, the receiver report.
//
//     0                   1                   2                   3
//     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |V=2|P|    RC   |   PT=RR=201   |             length            |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                     SSRC of packet sender                     |
//    +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//    |                 report blocks (RC × 24 bytes)                 |
//    +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//    |                  profile-specific extensions                  |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

import Bytes

/// A receiver report (RFC 3550 §6.4.2).
public struct ReceiverReport: Hashable, Sendable {
    /// The reporter's SSRC.
    public var ssrc: UInt32
    /// Reception reports, at most 31.
    public var reportBlocks: [ReceptionReport]
    /// Profile-specific extension bytes after the report blocks, kept verbatim (whole words).
    public var profileExtensions: [UInt8]

    /// Header and reporter SSRC.
    public static let fixedSize = 8

    /// A receiver report with these fields.
    public init(ssrc: UInt32, reportBlocks: [ReceptionReport] = [], profileExtensions: [UInt8] = []) {
        self.ssrc = ssrc
        self.reportBlocks = reportBlocks
        self.profileExtensions = profileExtensions
    }

    /// Parses a whole RR packet, header included.
    public init(parsing bytes: UnsafeRawBufferPointer) throws(RTCPParseError) {
        var (header, reader) = try RTCPHeader.parseBody(bytes, packetType: RTCPPacketType.receiverReport)
        guard let ssrc = reader.readUInt32() else { throw .packetTooShort }
        self.ssrc = ssrc
        reportBlocks = Array(try ReceptionReportBlocks(count: Int(header.count), from: &reader))
        profileExtensions = reader.readBytes(reader.remaining) ?? []
    }

    /// The exact number of bytes `serialize(into:)` writes.
    public var serializedSize: Int {
        Self.fixedSize + ReceptionReport.size * reportBlocks.count + roundUpToWord(profileExtensions.count)
    }

    /// Writes the packet at the start of `buffer`; returns the bytes written.
    @discardableResult
    public func serialize(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        precondition(reportBlocks.count <= 31, "at most 31 report blocks")
        var writer = Self.writeFixedPart(into: buffer, ssrc: ssrc, reportCount: reportBlocks.count, size: serializedSize)
        for block in reportBlocks { block.write(to: &writer) }
        writer.write(profileExtensions)
        writer.padToWord()
        return writer.offset
    }

    /// Writes an RR with at most one report block straight into `buffer`, without building a
    /// `ReceiverReport` (nothing allocates). Returns the bytes written (8 or 32).
    @discardableResult
    public static func serialize(
        ssrc: UInt32, reportBlock: ReceptionReport?, into buffer: UnsafeMutableRawBufferPointer
    ) -> Int {
        let count = reportBlock == nil ? 0 : 1
        var writer = writeFixedPart(
            into: buffer, ssrc: ssrc, reportCount: count, size: fixedSize + ReceptionReport.size * count)
        reportBlock?.write(to: &writer)
        return writer.offset
    }

    private static func writeFixedPart(
        into buffer: UnsafeMutableRawBufferPointer, ssrc: UInt32, reportCount: Int, size: Int
    ) -> ByteWriter {
        precondition(buffer.count >= size, "buffer smaller than serializedSize")
        RTCPHeader.forPacket(count: UInt8(reportCount), packetType: RTCPPacketType.receiverReport, size: size)
            .serialize(into: buffer)
        var writer = ByteWriter(buffer, offset: RTCPHeader.size)
        writer.write(ssrc)
        return writer
    }
}
