// RFC 4585 §6.2.1: generic NACK (RTPFB, FMT 1).
//
//     0                   1                   2                   3
//     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |V=2|P| FMT=1   |  PT=RTPFB=205 |             length            |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                  SSRC of packet sender                        |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                  SSRC of media source                         |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |            PID                |             BLP               |   FCI, repeated
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// PID is a lost packet's sequence number; bit i of BLP (least significant first) reports
// the loss of PID + i + 1.

import Bytes

/// One PID+BLP pair of a generic NACK.
public struct NackPair: Hashable, Sendable {
    /// The packet ID: a lost sequence number.
    public var packetID: UInt16
    /// The bitmask of following lost packets: bit i set means PID + i + 1 is lost.
    public var lostPackets: UInt16

    /// A pair with these fields.
    public init(packetID: UInt16, lostPackets: UInt16 = 0) {
        self.packetID = packetID
        self.lostPackets = lostPackets
    }

    /// Calls `body` with each sequence number this pair reports lost, in order, without
    /// allocating.
    @inlinable
    public func forEachLost(_ body: (UInt16) -> Void) {
        body(packetID)
        var mask = lostPackets
        var bit: UInt16 = 1
        while mask != 0 {
            if mask & 1 != 0 { body(packetID &+ bit) }
            mask >>= 1
            bit &+= 1
        }
    }

    /// The sequence numbers this pair reports lost.
    public var lostSequenceNumbers: [UInt16] {
        var result: [UInt16] = []
        forEachLost { result.append($0) }
        return result
    }
}

/// A generic NACK (RFC 4585 §6.2.1): the receiver asks for retransmission of lost packets.
public struct TransportLayerNack: Hashable, Sendable {
    /// The SSRC of the packet sender.
    public var senderSSRC: UInt32
    /// The SSRC of the media source whose packets were lost.
    public var mediaSSRC: UInt32
    /// The PID+BLP pairs.
    public var pairs: [NackPair]

    /// A NACK with these pairs.
    public init(senderSSRC: UInt32, mediaSSRC: UInt32, pairs: [NackPair]) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        self.pairs = pairs
    }

    /// A NACK for these lost sequence numbers, which should be in ascending (wrap-aware)
    /// order: each number within 16 after the current pair's PID joins its BLP, any other
    /// starts a new pair.
    public init(senderSSRC: UInt32, mediaSSRC: UInt32, lostSequenceNumbers: [UInt16]) {
        self.init(senderSSRC: senderSSRC, mediaSSRC: mediaSSRC, pairs: Self.pairs(for: lostSequenceNumbers))
    }

    /// Packs lost sequence numbers into PID+BLP pairs (see `init(senderSSRC:mediaSSRC:lostSequenceNumbers:)`).
    public static func pairs(for lostSequenceNumbers: [UInt16]) -> [NackPair] {
        var result: [NackPair] = []
        for seq in lostSequenceNumbers {
            if var last = result.last {
                let offset = seq &- last.packetID
                if offset == 0 { continue }
                if offset <= 16 {
                    last.lostPackets |= 1 << (offset - 1)
                    result[result.count - 1] = last
                    continue
                }
            }
            result.append(NackPair(packetID: seq))
        }
        return result
    }

    /// Every sequence number reported lost, in pair order.
    public var lostSequenceNumbers: [UInt16] {
        var result: [UInt16] = []
        for pair in pairs { pair.forEachLost { result.append($0) } }
        return result
    }

    /// Parses a whole generic NACK packet, header included. A trailing partial pair is an error.
    public init(parsing bytes: UnsafeRawBufferPointer) throws(RTCPParseError) {
        guard case .transportLayerNack(let sender, let media, let pairs) = try RTCPView(viewing: bytes) else {
            throw .wrongPacketType
        }
        self.init(senderSSRC: sender, mediaSSRC: media, pairs: Array(pairs))
    }

    /// The exact number of bytes `serialize(into:)` writes.
    public var serializedSize: Int { 12 + 4 * pairs.count }

    /// Writes the packet at the start of `buffer`; returns the bytes written.
    @discardableResult
    public func serialize(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        Self.serialize(senderSSRC: senderSSRC, mediaSSRC: mediaSSRC, pairs: pairs, into: buffer)
    }

    /// Writes a NACK straight into `buffer` without building a `TransportLayerNack`: pass
    /// `CollectionOfOne(pair)` or a slice of a preallocated array and nothing allocates.
    /// Returns the bytes written, 12 + 4 × pairs.
    @discardableResult
    public static func serialize<Pairs: Collection<NackPair>>(
        senderSSRC: UInt32, mediaSSRC: UInt32, pairs: Pairs, into buffer: UnsafeMutableRawBufferPointer
    ) -> Int {
        let size = 12 + 4 * pairs.count
        precondition(buffer.count >= size, "buffer smaller than serializedSize")
        RTCPHeader.forPacket(count: RTCPFeedbackFormat.genericNack, packetType: RTCPPacketType.transportFeedback, size: size)
            .serialize(into: buffer)
        var writer = ByteWriter(buffer, offset: RTCPHeader.size)
        writer.write(senderSSRC)
        writer.write(mediaSSRC)
        for pair in pairs {
            writer.write(pair.packetID)
            writer.write(pair.lostPackets)
        }
        return writer.offset
    }
}
