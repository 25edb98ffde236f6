// RFC 3550 §6.6: BYE, the goodbye packet.
//
//     0                   1                   2                   3
//     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |V=2|P|    SC   |   PT=BYE=203  |             length            |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                           SSRC/CSRC                           |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    :                              ...                              :
//    +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//    |     length    |               reason for leaving            ...
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The reason is optional and padded with null octets to a word boundary.

import Bytes

/// A goodbye packet (RFC 3550 §6.6).
public struct Goodbye: Hashable, Sendable {
    /// The sources leaving, at most 31.
    public var sources: [UInt32]
    /// The optional reason for leaving (UTF-8 text, at most 255 bytes).
    public var reason: [UInt8]?

    /// A goodbye with these sources and optional reason.
    public init(sources: [UInt32], reason: [UInt8]? = nil) {
        self.sources = sources
        self.reason = reason
    }

    /// A goodbye with a UTF-8 reason.
    public init(sources: [UInt32], reason: String) {
        self.init(sources: sources, reason: Array(reason.utf8))
    }

    /// Parses a whole BYE packet, header included.
    public init(parsing bytes: UnsafeRawBufferPointer) throws(RTCPParseError) {
        var (header, reader) = try RTCPHeader.parseBody(bytes, packetType: RTCPPacketType.goodbye)
        sources = []
        sources.reserveCapacity(Int(header.count))
        for _ in 0..<header.count {
            guard let source = reader.readUInt32() else { throw .packetTooShort }
            sources.append(source)
        }
        reason = nil
        if let length = reader.readUInt8() {
            guard let text = reader.readBytes(Int(length)) else { throw .invalidGoodbyeReason }
            reason = text
        }
    }

    /// The exact number of bytes `serialize(into:)` writes.
    public var serializedSize: Int {
        RTCPHeader.size + 4 * sources.count + (reason.map { roundUpToWord(1 + $0.count) } ?? 0)
    }

    /// Writes the packet at the start of `buffer`; returns the bytes written.
    @discardableResult
    public func serialize(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        precondition(sources.count <= 31, "at most 31 sources")
        let size = serializedSize
        precondition(buffer.count >= size, "buffer smaller than serializedSize")
        RTCPHeader.forPacket(count: UInt8(sources.count), packetType: RTCPPacketType.goodbye, size: size)
            .serialize(into: buffer)
        var writer = ByteWriter(buffer, offset: RTCPHeader.size)
        for source in sources { writer.write(source) }
        if let reason {
            precondition(reason.count <= 255, "BYE reason longer than 255 bytes")
            writer.write(UInt8(reason.count))
            writer.write(reason)
            writer.padToWord()
        }
        return writer.offset
    }
}
