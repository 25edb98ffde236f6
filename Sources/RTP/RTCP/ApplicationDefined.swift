// RFC 3550 §6.7: APP, the application-defined packet.
//
//     0                   1                   2                   3
//     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |V=2|P| subtype |   PT=APP=204  |             length            |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                           SSRC/CSRC                           |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                          name (ASCII)                         |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                   application-dependent data                ...
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

import Bytes

/// An application-defined packet (RFC 3550 §6.7).
public struct ApplicationDefined: Hashable, Sendable {
    /// The 5-bit subtype.
    public var subtype: UInt8
    /// The sender's SSRC or CSRC.
    public var ssrc: UInt32
    /// The four ASCII characters of the name, as a big-endian word ("TEST" is 0x54455354).
    public var name: UInt32
    /// Application data; "MUST be a multiple of 32 bits long" (zero-padded when written).
    public var data: [UInt8]

    /// Header, SSRC and name.
    public static let fixedSize = 12

    /// An APP packet with these fields.
    public init(subtype: UInt8, ssrc: UInt32, name: UInt32, data: [UInt8] = []) {
        self.subtype = subtype
        self.ssrc = ssrc
        self.name = name
        self.data = data
    }

    /// An APP packet whose name is four ASCII characters.
    public init(subtype: UInt8, ssrc: UInt32, name: String, data: [UInt8] = []) {
        let utf8 = Array(name.utf8)
        precondition(utf8.count == 4, "APP name must be 4 bytes")
        self.init(
            subtype: subtype, ssrc: ssrc,
            name: UInt32(utf8[0]) << 24 | UInt32(utf8[1]) << 16 | UInt32(utf8[2]) << 8 | UInt32(utf8[3]), data: data)
    }

    /// The name as text.
    public var nameString: String {
        let bytes = [UInt8(name >> 24), UInt8(name >> 16 & 0xFF), UInt8(name >> 8 & 0xFF), UInt8(name & 0xFF)]
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Parses a whole APP packet, header included.
    public init(parsing bytes: UnsafeRawBufferPointer) throws(RTCPParseError) {
        var (header, reader) = try RTCPHeader.parseBody(bytes, packetType: RTCPPacketType.applicationDefined)
        guard let ssrc = reader.readUInt32(), let name = reader.readUInt32() else { throw .packetTooShort }
        subtype = header.count
        self.ssrc = ssrc
        self.name = name
        data = reader.readBytes(reader.remaining) ?? []
    }

    /// The exact number of bytes `serialize(into:)` writes.
    public var serializedSize: Int { Self.fixedSize + roundUpToWord(data.count) }

    /// Writes the packet at the start of `buffer`; returns the bytes written.
    @discardableResult
    public func serialize(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let size = serializedSize
        precondition(buffer.count >= size, "buffer smaller than serializedSize")
        RTCPHeader.forPacket(count: subtype & 0x1F, packetType: RTCPPacketType.applicationDefined, size: size)
            .serialize(into: buffer)
        var writer = ByteWriter(buffer, offset: RTCPHeader.size)
        writer.write(ssrc)
        writer.write(name)
        writer.write(data)
        writer.padToWord()
        return writer.offset
    }
}
