// draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1: transport-wide congestion control
// feedback (RTPFB, FMT 15), "transport-cc".
//
//     0                   1                   2                   3
//     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |V=2|P|  FMT=15 |    PT=205     |           length              |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                     SSRC of packet sender                     |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                      SSRC of media source                     |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |      base sequence number     |      packet status count      |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                 reference time                | fb pkt. count |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |          packet chunk         |         packet chunk          |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    .                                                               .
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |         packet chunk          |  recv delta   |  recv delta   |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    .                                                               .
//    |           recv delta          |  recv delta   | zero padding  |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Packet chunks (16 bits):
//   run length chunk:    |T=0|S (2)|       run length (13)       |
//   status vector chunk: |T=1|S=0|   14 one-bit symbols          |   0 not received, 1 small delta
//                        |T=1|S=1|   7 two-bit symbols           |   00 not received, 01 small,
//                                                                    10 large or negative, 11 reserved
// Receive deltas are in 250 µs ticks: one unsigned byte for "small", a signed 16-bit value for
// "large or negative". The reference time is a signed 24-bit count of 64 ms.
//
// Chunks are written with libwebrtc's encoder (rtcp_packet/transport_feedback.cc, LastChunk)
// so that feedback from Chrome re-serializes byte for byte, and padding is written the way
// libwebrtc and pion write it: zeros, the count in the last byte, and the P bit set.

import Bytes

/// The status of one packet in transport-cc feedback.
public enum PacketStatusSymbol: UInt8, Hashable, Sendable {
    /// The packet was not received.
    case notReceived = 0
    /// Received, with a one-byte delta of 0...255 ticks (0...63.75 ms).
    case receivedSmallDelta = 1
    /// Received, with a two-byte signed delta.
    case receivedLargeOrNegativeDelta = 2
}

/// One packet's entry in transport-cc feedback.
public struct PacketStatus: Hashable, Sendable {
    /// The transport-wide sequence number (base sequence number + index).
    public var sequenceNumber: UInt16
    /// Whether and how the packet was received.
    public var symbol: PacketStatusSymbol
    /// Arrival time minus the previous packet's (or the reference time), in 250 µs ticks; 0
    /// when not received.
    public var delta: Int16

    /// An entry with these fields.
    public init(sequenceNumber: UInt16, symbol: PacketStatusSymbol, delta: Int16 = 0) {
        self.sequenceNumber = sequenceNumber
        self.symbol = symbol
        self.delta = delta
    }

    /// A received packet; the symbol is chosen from the delta (small when 0...255 ticks).
    public init(sequenceNumber: UInt16, receivedWithDelta delta: Int16) {
        self.init(
            sequenceNumber: sequenceNumber, symbol: (0...255).contains(delta) ? .receivedSmallDelta : .receivedLargeOrNegativeDelta,
            delta: delta)
    }

    /// The delta in microseconds.
    public var deltaMicroseconds: Int { Int(delta) * TransportWideCongestionControl.deltaTickMicroseconds }
}

/// Transport-wide congestion control feedback.
public struct TransportWideCongestionControl: Hashable, Sendable {
    /// The SSRC of the packet sender.
    public var senderSSRC: UInt32
    /// The SSRC of the media source.
    public var mediaSSRC: UInt32
    /// The transport-wide sequence number of the first packet reported.
    public var baseSequenceNumber: UInt16
    /// A signed 24-bit reference time in multiples of 64 ms.
    public var referenceTime: Int32
    /// A counter incremented for each feedback packet sent (modulo 256).
    public var feedbackPacketCount: UInt8
    /// One entry per packet from `baseSequenceNumber` on, at most 65535. The serializer writes
    /// the entries in order and ignores their `sequenceNumber`s.
    public var packets: [PacketStatus]

    /// Receive delta units: 250 µs.
    public static let deltaTickMicroseconds = 250
    /// Reference time units: 64 ms.
    public static let referenceTimeMilliseconds = 64
    static let fixedSize = 20

    /// Feedback with these fields.
    public init(
        senderSSRC: UInt32, mediaSSRC: UInt32, baseSequenceNumber: UInt16, referenceTime: Int32,
        feedbackPacketCount: UInt8, packets: [PacketStatus]
    ) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        self.baseSequenceNumber = baseSequenceNumber
        self.referenceTime = referenceTime
        self.feedbackPacketCount = feedbackPacketCount
        self.packets = packets
    }

    /// Parses a whole transport-cc packet, header included.
    public init(parsing bytes: UnsafeRawBufferPointer) throws(RTCPParseError) {
        var (_, reader) = try RTCPHeader.parseBody(
            bytes, packetType: RTCPPacketType.transportFeedback,
            format: RTCPFeedbackFormat.transportWideCongestionControl)
        guard let sender = reader.readUInt32(), let media = reader.readUInt32(), let base = reader.readUInt16(),
            let count = reader.readUInt16(), let reference = reader.readUInt24(), let fbCount = reader.readUInt8()
        else { throw .packetTooShort }
        senderSSRC = sender
        mediaSSRC = media
        baseSequenceNumber = base
        referenceTime = Int32(bitPattern: reference << 8) >> 8
        feedbackPacketCount = fbCount

        let total = Int(count)
        var statuses: [PacketStatus] = []
        statuses.reserveCapacity(min(total, 4096))
        try Self.readStatusSymbols(&reader, count: total) { (raw: UInt16) throws(RTCPParseError) in
            guard let symbol = PacketStatusSymbol(rawValue: UInt8(raw)) else { throw .invalidPacketStatus }
            statuses.append(PacketStatus(sequenceNumber: base &+ UInt16(truncatingIfNeeded: statuses.count), symbol: symbol))
        }
        for index in statuses.indices {
            switch statuses[index].symbol {
            case .notReceived:
                continue
            case .receivedSmallDelta:
                guard let delta = reader.readUInt8() else { throw .packetTooShort }
                statuses[index].delta = Int16(delta)
            case .receivedLargeOrNegativeDelta:
                guard let delta = reader.readUInt16() else { throw .packetTooShort }
                statuses[index].delta = Int16(bitPattern: delta)
            }
        }
        packets = statuses
    }

    /// Reads packet status chunks (run length, one-bit and two-bit vectors, §3.1.3-§3.1.4) until
    /// `count` statuses, calling `body` with each symbol in order; a chunk's symbols past
    /// `count` are ignored. Allocation-free.
    static func readStatusSymbols(_ reader: inout ByteReader, count total: Int,
                                  _ body: (UInt16) throws(RTCPParseError) -> Void) throws(RTCPParseError) {
        var index = 0
        while index < total {
            guard let chunk = reader.readUInt16() else { throw .packetTooShort }
            if chunk & 0x8000 == 0 {
                let symbol = (chunk >> 13) & 0x3
                let run = min(Int(chunk & 0x1FFF), total - index)
                for _ in 0..<run { try body(symbol) }
                index += run
            } else if chunk & 0x4000 == 0 {
                for i in 0..<14 where index < total {
                    try body((chunk >> (13 - UInt16(i))) & 0x1)
                    index += 1
                }
            } else {
                for i in 0..<7 where index < total {
                    try body((chunk >> (12 - 2 * UInt16(i))) & 0x3)
                    index += 1
                }
            }
        }
    }

    /// Calls `body` with each encoded packet chunk, in order, without allocating.
    func forEachChunk(_ body: (UInt16) -> Void) {
        var chunk = LastChunk()
        for packet in packets {
            let symbol = packet.symbol.rawValue
            if !chunk.canAdd(symbol) { body(chunk.emit()) }
            chunk.add(symbol)
        }
        if chunk.size > 0 { body(chunk.encodeLast()) }
    }

    private var chunkCount: Int {
        var count = 0
        forEachChunk { _ in count += 1 }
        return count
    }

    private var deltaBytes: Int {
        packets.reduce(0) { $0 + Int($1.symbol.rawValue) }
    }

    /// The body length before padding.
    private var unpaddedSize: Int { Self.fixedSize + 2 * chunkCount + deltaBytes }

    /// The exact number of bytes `serialize(into:)` writes.
    public var serializedSize: Int { roundUpToWord(unpaddedSize) }

    /// Writes the packet at the start of `buffer`; returns the bytes written.
    @discardableResult
    public func serialize(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        precondition(packets.count <= Int(UInt16.max), "at most 65535 packet statuses")
        let unpadded = unpaddedSize
        let size = roundUpToWord(unpadded)
        precondition(buffer.count >= size, "buffer smaller than serializedSize")
        var writer = Self.writeFrame(
            senderSSRC: senderSSRC, mediaSSRC: mediaSSRC, baseSequenceNumber: baseSequenceNumber,
            statusCount: packets.count, referenceTime: referenceTime, feedbackPacketCount: feedbackPacketCount,
            unpadded: unpadded, into: buffer)
        forEachChunk { writer.write($0) }
        for packet in packets {
            switch packet.symbol {
            case .notReceived:
                continue
            case .receivedSmallDelta:
                precondition((0...255).contains(packet.delta), "small delta out of 0...255")
                writer.write(UInt8(packet.delta))
            case .receivedLargeOrNegativeDelta:
                writer.write(UInt16(bitPattern: packet.delta))
            }
        }
        return size
    }

    /// Writes everything but the chunks and deltas of a packet whose body ends at `unpadded`:
    /// the header (P set when padding is needed), the fixed fields, and the padding after
    /// `unpadded` (zeros, the count in the last byte). Returns a writer at the first chunk.
    static func writeFrame(
        senderSSRC: UInt32, mediaSSRC: UInt32, baseSequenceNumber: UInt16, statusCount: Int, referenceTime: Int32,
        feedbackPacketCount: UInt8, unpadded: Int, into buffer: UnsafeMutableRawBufferPointer
    ) -> ByteWriter {
        let size = roundUpToWord(unpadded)
        var header = RTCPHeader.forPacket(
            count: RTCPFeedbackFormat.transportWideCongestionControl, packetType: RTCPPacketType.transportFeedback,
            size: size)
        header.padding = size != unpadded
        header.serialize(into: buffer)
        if size != unpadded {
            var padding = ByteWriter(buffer, offset: unpadded)
            padding.writeZeros(size - unpadded - 1)
            padding.write(UInt8(size - unpadded))
        }
        var writer = ByteWriter(buffer, offset: RTCPHeader.size)
        writer.write(senderSSRC)
        writer.write(mediaSSRC)
        writer.write(baseSequenceNumber)
        writer.write(UInt16(statusCount))
        writer.writeUInt24(UInt32(bitPattern: referenceTime) & 0xFF_FFFF)
        writer.write(feedbackPacketCount)
        return writer
    }
}

/// libwebrtc's chunk encoder state: up to 14 pending symbols packed 2 bits each.
struct LastChunk {
    static let maxRunLength = 0x1FFF
    static let oneBitCapacity = 14
    static let twoBitCapacity = 7
    static let large: UInt8 = 2

    var size = 0
    var allSame = true
    var hasLarge = false
    var symbols: UInt32 = 0

    func symbol(_ index: Int) -> UInt8 { UInt8(truncatingIfNeeded: symbols >> (2 * UInt32(index))) & 0x3 }

    func canAdd(_ symbol: UInt8) -> Bool {
        if size < Self.twoBitCapacity { return true }
        if size < Self.oneBitCapacity && !hasLarge && symbol != Self.large { return true }
        if size < Self.maxRunLength && allSame && self.symbol(0) == symbol { return true }
        return false
    }

    mutating func add(_ symbol: UInt8) {
        if size < Self.oneBitCapacity { symbols |= UInt32(symbol) << (2 * UInt32(size)) }
        allSame = allSame && (size == 0 || symbol == self.symbol(0))
        hasLarge = hasLarge || symbol == Self.large
        size += 1
    }

    mutating func emit() -> UInt16 {
        if allSame {
            defer { self = LastChunk() }
            return encodeRunLength()
        }
        if size == Self.oneBitCapacity {
            defer { self = LastChunk() }
            return encodeOneBit()
        }
        let chunk = encodeTwoBit(Self.twoBitCapacity)
        // Keep the symbols after the first seven for the next chunk.
        let remaining = size - Self.twoBitCapacity
        let rest = symbols >> (2 * UInt32(Self.twoBitCapacity))
        self = LastChunk()
        for index in 0..<remaining { add(UInt8(truncatingIfNeeded: rest >> (2 * UInt32(index))) & 0x3) }
        return chunk
    }

    func encodeLast() -> UInt16 {
        if allSame { return encodeRunLength() }
        if size <= Self.twoBitCapacity { return encodeTwoBit(size) }
        return encodeOneBit()
    }

    func encodeRunLength() -> UInt16 { UInt16(symbol(0)) << 13 | UInt16(size) }

    func encodeOneBit() -> UInt16 {
        var chunk: UInt16 = 0x8000
        for index in 0..<size { chunk |= UInt16(symbol(index)) << (13 - UInt16(index)) }
        return chunk
    }

    func encodeTwoBit(_ count: Int) -> UInt16 {
        var chunk: UInt16 = 0xC000
        for index in 0..<count { chunk |= UInt16(symbol(index)) << (12 - 2 * UInt16(index)) }
        return chunk
    }
}
