// draft-alvestrand-rmcat-remb-03 §2.2: REMB, receiver estimated maximum bitrate, an
// application-layer feedback message (PSFB, FMT 15, RFC 4585 §6.4).
//
//     0                   1                   2                   3
//     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |V=2|P| FMT=15  |   PT=206      |             length            |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                  SSRC of packet sender                        |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                  SSRC of media source (unused) = 0            |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |  Unique identifier 'R' 'E' 'M' 'B'                            |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |  Num SSRC     | BR Exp    |  BR Mantissa                      |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |   SSRC feedback                                               |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |  ...                                                          |
//
// The bitrate is mantissa (18 bits) × 2^exp (6 bits) in bits per second. Exponent and
// mantissa are stored as received so that byte round trips hold even for non-canonical
// encodings; `init(senderSSRC:bitrate:ssrcs:)` picks the smallest exponent.

import Bytes

/// A receiver estimated maximum bitrate message.
public struct ReceiverEstimatedMaximumBitrate: Hashable, Sendable {
    /// The SSRC of the packet sender.
    public var senderSSRC: UInt32
    /// The SSRC of media source field, 0 by the draft.
    public var mediaSSRC: UInt32
    /// BR Exp, 0...63.
    public var bitrateExponent: UInt8
    /// BR Mantissa, 0...262143.
    public var bitrateMantissa: UInt32
    /// The SSRCs the estimate applies to, at most 255.
    public var ssrcs: [UInt32]

    /// The "REMB" unique identifier.
    public static let identifier: UInt32 = 0x5245_4D42
    @usableFromInline static let mantissaMax: UInt32 = (1 << 18) - 1

    /// A REMB with an explicit exponent and mantissa.
    public init(senderSSRC: UInt32, mediaSSRC: UInt32 = 0, bitrateExponent: UInt8, bitrateMantissa: UInt32, ssrcs: [UInt32]) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        self.bitrateExponent = bitrateExponent
        self.bitrateMantissa = bitrateMantissa
        self.ssrcs = ssrcs
    }

    /// A REMB for `bitrate` bits per second, encoded with the smallest exponent that fits the
    /// mantissa (rounding down, as the draft's estimate is a maximum).
    public init(senderSSRC: UInt32, mediaSSRC: UInt32 = 0, bitrate: UInt64, ssrcs: [UInt32]) {
        var exponent: UInt8 = 0
        while bitrate >> exponent > UInt64(Self.mantissaMax) { exponent += 1 }
        self.init(
            senderSSRC: senderSSRC, mediaSSRC: mediaSSRC, bitrateExponent: exponent,
            bitrateMantissa: UInt32(bitrate >> exponent), ssrcs: ssrcs)
    }

    /// The bitrate in bits per second, saturating at `UInt64.max`.
    public var bitrate: UInt64 { Self.bitrate(exponent: bitrateExponent, mantissa: bitrateMantissa) }

    /// mantissa × 2^exponent bits per second, saturating at `UInt64.max`.
    @inlinable
    public static func bitrate(exponent bitrateExponent: UInt8, mantissa bitrateMantissa: UInt32) -> UInt64 {
        let mantissa = UInt64(bitrateMantissa)
        guard mantissa != 0 else { return 0 }
        let shift = UInt64(bitrateExponent)
        if shift >= 64 || mantissa.leadingZeroBitCount < Int(shift) { return .max }
        return mantissa << shift
    }

    /// Parses a whole REMB packet, header included.
    public init(parsing bytes: UnsafeRawBufferPointer) throws(RTCPParseError) {
        let view = try REMBView(viewing: bytes)
        self.init(senderSSRC: view.senderSSRC, mediaSSRC: view.mediaSSRC, bitrateExponent: view.bitrateExponent,
                  bitrateMantissa: view.bitrateMantissa, ssrcs: Array(view.ssrcs))
    }

    /// The exact number of bytes `serialize(into:)` writes.
    public var serializedSize: Int { 20 + 4 * ssrcs.count }

    /// Writes the packet at the start of `buffer`; returns the bytes written.
    @discardableResult
    public func serialize(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        precondition(ssrcs.count <= 255, "at most 255 SSRCs")
        precondition(bitrateExponent < 64 && bitrateMantissa <= Self.mantissaMax, "bitrate field out of range")
        let size = serializedSize
        precondition(buffer.count >= size, "buffer smaller than serializedSize")
        RTCPHeader.forPacket(
            count: RTCPFeedbackFormat.applicationLayerFeedback, packetType: RTCPPacketType.payloadSpecificFeedback,
            size: size
        ).serialize(into: buffer)
        var writer = ByteWriter(buffer, offset: RTCPHeader.size)
        writer.write(senderSSRC)
        writer.write(mediaSSRC)
        writer.write(Self.identifier)
        writer.write(UInt8(ssrcs.count))
        writer.writeUInt24(UInt32(bitrateExponent) << 18 | bitrateMantissa)
        for ssrc in ssrcs { writer.write(ssrc) }
        return writer.offset
    }
}
