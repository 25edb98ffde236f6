// RFC 5104 §4.3.1: FIR, full intra request (PSFB, FMT 4).
//
//     0                   1                   2                   3
//     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |V=2|P| FMT=4   |   PT=PSFB=206 |             length            |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                  SSRC of packet sender                        |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |             SSRC of media source (unused) = 0                 |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                              SSRC                             |   FCI entry,
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+   repeated
//    | Seq nr.       |    Reserved                                   |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// RFC 5104 §4.3.1.2: "The 'SSRC of media source' ... SHALL be set to 0"; the target is in
// each FCI entry.

import Bytes

/// One FIR FCI entry.
public struct FullIntraRequestEntry: Hashable, Sendable {
    /// The media sender asked for a decoder refresh point.
    public var ssrc: UInt32
    /// The command sequence number, incremented by one per new request (modulo 256).
    public var sequenceNumber: UInt8

    /// An entry with these fields.
    public init(ssrc: UInt32, sequenceNumber: UInt8) {
        self.ssrc = ssrc
        self.sequenceNumber = sequenceNumber
    }
}

/// A full intra request (RFC 5104 §4.3.1).
public struct FullIntraRequest: Hashable, Sendable {
    /// The SSRC of the packet sender.
    public var senderSSRC: UInt32
    /// The SSRC of media source field, normally 0.
    public var mediaSSRC: UInt32
    /// The FCI entries, one per target.
    public var entries: [FullIntraRequestEntry]

    /// A FIR with these fields.
    public init(senderSSRC: UInt32, mediaSSRC: UInt32 = 0, entries: [FullIntraRequestEntry]) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        self.entries = entries
    }

    /// Parses a whole FIR packet, header included. A trailing partial entry is an error.
    public init(parsing bytes: UnsafeRawBufferPointer) throws(RTCPParseError) {
        guard case .fullIntraRequest(let sender, let entries) = try RTCPView(viewing: bytes) else {
            throw .wrongPacketType
        }
        self.init(senderSSRC: sender, mediaSSRC: bytes.getUInt32(at: 8), entries: Array(entries))
    }

    /// The exact number of bytes `serialize(into:)` writes.
    public var serializedSize: Int { 12 + 8 * entries.count }

    /// Writes the packet at the start of `buffer`; returns the bytes written.
    @discardableResult
    public func serialize(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let size = serializedSize
        precondition(buffer.count >= size, "buffer smaller than serializedSize")
        RTCPHeader.forPacket(
            count: RTCPFeedbackFormat.fullIntraRequest, packetType: RTCPPacketType.payloadSpecificFeedback, size: size
        ).serialize(into: buffer)
        var writer = ByteWriter(buffer, offset: RTCPHeader.size)
        writer.write(senderSSRC)
        writer.write(mediaSSRC)
        for entry in entries {
            writer.write(entry.ssrc)
            writer.write(entry.sequenceNumber)
            writer.writeZeros(3)
        }
        return writer.offset
    }
}
