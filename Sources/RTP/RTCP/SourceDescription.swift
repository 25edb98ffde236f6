// RFC 3550 §6.5: SDES, the source description packet.
//
//     0                   1                   2                   3
//     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |V=2|P|    SC   |  PT=SDES=202  |             length            |
//    +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//    |                          SSRC/CSRC_1                          |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                           SDES items                          |
//    |                              ...                              |
//    +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//
// Each item is type (8 bits), length (8 bits) and that many bytes of UTF-8 text:
//
//    |    CNAME=1    |     length    | user and domain name        ...
//
// RFC 3550 §6.5: "The list of items in each chunk MUST be terminated by one or more null
// octets, the first of which is interpreted as an item type of zero to denote the end of the
// list. No length octet follows the null item type octet, but additional null octets MUST be
// included if needed to pad until the next 32-bit boundary."

import Bytes

/// An SDES item type (RFC 3550 §6.5; 0 ends a chunk's list).
public struct SourceDescriptionItemType: RawRepresentable, Hashable, Sendable {
    /// The wire value.
    public var rawValue: UInt8
    /// A type with this wire value.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Canonical end-point identifier.
    public static let cname = Self(rawValue: 1)
    /// User name.
    public static let name = Self(rawValue: 2)
    /// Electronic mail address.
    public static let email = Self(rawValue: 3)
    /// Phone number.
    public static let phone = Self(rawValue: 4)
    /// Geographic user location.
    public static let location = Self(rawValue: 5)
    /// Application or tool name.
    public static let tool = Self(rawValue: 6)
    /// Notice/status.
    public static let note = Self(rawValue: 7)
    /// Private extensions (prefix length and prefix are part of `text`).
    public static let priv = Self(rawValue: 8)
}

/// One SDES item.
public struct SourceDescriptionItem: Hashable, Sendable {
    /// The item type, never 0.
    public var type: SourceDescriptionItemType
    /// The item text, at most 255 bytes.
    public var text: [UInt8]

    /// An item with this type and text.
    public init(type: SourceDescriptionItemType, text: [UInt8]) {
        self.type = type
        self.text = text
    }

    /// An item with this type and UTF-8 text.
    public init(type: SourceDescriptionItemType, text: String) {
        self.init(type: type, text: Array(text.utf8))
    }
}

/// One SDES chunk: a source and its items.
public struct SourceDescriptionChunk: Hashable, Sendable {
    /// The SSRC or CSRC described.
    public var source: UInt32
    /// The items, in wire order.
    public var items: [SourceDescriptionItem]

    /// A chunk with this source and items.
    public init(source: UInt32, items: [SourceDescriptionItem]) {
        self.source = source
        self.items = items
    }

    /// The chunk size: source, items, the null terminator, padding to a word.
    var serializedSize: Int {
        roundUpToWord(4 + items.reduce(0) { $0 + 2 + $1.text.count } + 1)
    }
}

/// A source description packet (RFC 3550 §6.5).
public struct SourceDescription: Hashable, Sendable {
    /// The chunks, at most 31.
    public var chunks: [SourceDescriptionChunk]

    /// A packet with these chunks.
    public init(chunks: [SourceDescriptionChunk]) {
        self.chunks = chunks
    }

    /// A packet with one chunk holding a CNAME item, the common case.
    public init(source: UInt32, cname: String) {
        self.init(chunks: [SourceDescriptionChunk(source: source, items: [.init(type: .cname, text: cname)])])
    }

    /// The CNAME of `source`, if present and valid UTF-8.
    public func cname(of source: UInt32) -> String? {
        for chunk in chunks where chunk.source == source {
            for item in chunk.items where item.type == .cname {
                return String(validating: item.text, as: UTF8.self)
            }
        }
        return nil
    }

    /// Parses a whole SDES packet, header included.
    public init(parsing bytes: UnsafeRawBufferPointer) throws(RTCPParseError) {
        var (header, reader) = try RTCPHeader.parseBody(bytes, packetType: RTCPPacketType.sourceDescription)
        chunks = []
        for _ in 0..<header.count {
            let chunkStart = reader.offset
            guard let source = reader.readUInt32() else { throw .packetTooShort }
            var items: [SourceDescriptionItem] = []
            while true {
                guard let type = reader.readUInt8() else { throw .invalidSourceDescription }
                if type == 0 { break }
                guard let length = reader.readUInt8(), let text = reader.readBytes(Int(length)) else {
                    throw .invalidSourceDescription
                }
                items.append(SourceDescriptionItem(type: .init(rawValue: type), text: text))
            }
            // Skip the rest of the null padding up to the chunk's next word boundary.
            let padded = chunkStart + roundUpToWord(reader.offset - chunkStart)
            guard reader.skip(padded - reader.offset) else { throw .invalidSourceDescription }
            chunks.append(SourceDescriptionChunk(source: source, items: items))
        }
    }

    /// The exact number of bytes `serialize(into:)` writes.
    public var serializedSize: Int {
        RTCPHeader.size + chunks.reduce(0) { $0 + $1.serializedSize }
    }

    /// Writes the packet at the start of `buffer`; returns the bytes written.
    @discardableResult
    public func serialize(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        precondition(chunks.count <= 31, "at most 31 chunks")
        let size = serializedSize
        precondition(buffer.count >= size, "buffer smaller than serializedSize")
        RTCPHeader.forPacket(count: UInt8(chunks.count), packetType: RTCPPacketType.sourceDescription, size: size)
            .serialize(into: buffer)
        var writer = ByteWriter(buffer, offset: RTCPHeader.size)
        for chunk in chunks {
            let start = writer.offset
            writer.write(chunk.source)
            for item in chunk.items {
                precondition(item.type.rawValue != 0 && item.text.count <= 255, "invalid SDES item")
                writer.write(item.type.rawValue)
                writer.write(UInt8(item.text.count))
                writer.write(item.text)
            }
            writer.write(UInt8(0))
            writer.padToWord(from: start)
        }
        return writer.offset
    }
}
