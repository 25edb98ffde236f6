// RFC 3550 §6: one RTCP packet of any type, dispatched on packet type and feedback format.
// Types and formats this module does not know parse as `.unknown` with the body kept
// verbatim (pion's RawPacket), never as an error.

import Bytes

/// One parsed RTCP packet.
public enum RTCPPacket: Hashable, Sendable {
    /// SR, RFC 3550 §6.4.1.
    case senderReport(SenderReport)
    /// RR, RFC 3550 §6.4.2.
    case receiverReport(ReceiverReport)
    /// SDES, RFC 3550 §6.5.
    case sourceDescription(SourceDescription)
    /// BYE, RFC 3550 §6.6.
    case goodbye(Goodbye)
    /// APP, RFC 3550 §6.7.
    case applicationDefined(ApplicationDefined)
    /// Generic NACK, RFC 4585 §6.2.1.
    case transportLayerNack(TransportLayerNack)
    /// PLI, RFC 4585 §6.3.1.
    case pictureLossIndication(PictureLossIndication)
    /// FIR, RFC 5104 §4.3.1.
    case fullIntraRequest(FullIntraRequest)
    /// REMB, draft-alvestrand-rmcat-remb.
    case receiverEstimatedMaximumBitrate(ReceiverEstimatedMaximumBitrate)
    /// transport-cc feedback, draft-holmer-rmcat-transport-wide-cc-extensions-01.
    case transportWideCongestionControl(TransportWideCongestionControl)
    /// Any other packet: its header and the bytes after the header (padding included).
    case unknown(RTCPHeader, [UInt8])

    /// Parses the one packet at the start of `bytes` (its length field decides where it ends).
    public init(parsing bytes: UnsafeRawBufferPointer) throws(RTCPParseError) {
        let header = try RTCPHeader(parsing: bytes)
        guard header.packetSize <= bytes.count else { throw .lengthBeyondBuffer }
        switch (header.packetType, header.count) {
        case (RTCPPacketType.senderReport, _):
            self = .senderReport(try SenderReport(parsing: bytes))
        case (RTCPPacketType.receiverReport, _):
            self = .receiverReport(try ReceiverReport(parsing: bytes))
        case (RTCPPacketType.sourceDescription, _):
            self = .sourceDescription(try SourceDescription(parsing: bytes))
        case (RTCPPacketType.goodbye, _):
            self = .goodbye(try Goodbye(parsing: bytes))
        case (RTCPPacketType.applicationDefined, _):
            self = .applicationDefined(try ApplicationDefined(parsing: bytes))
        case (RTCPPacketType.transportFeedback, RTCPFeedbackFormat.genericNack):
            self = .transportLayerNack(try TransportLayerNack(parsing: bytes))
        case (RTCPPacketType.transportFeedback, RTCPFeedbackFormat.transportWideCongestionControl):
            self = .transportWideCongestionControl(try TransportWideCongestionControl(parsing: bytes))
        case (RTCPPacketType.payloadSpecificFeedback, RTCPFeedbackFormat.pictureLossIndication):
            self = .pictureLossIndication(try PictureLossIndication(parsing: bytes))
        case (RTCPPacketType.payloadSpecificFeedback, RTCPFeedbackFormat.fullIntraRequest):
            self = .fullIntraRequest(try FullIntraRequest(parsing: bytes))
        case (RTCPPacketType.payloadSpecificFeedback, RTCPFeedbackFormat.applicationLayerFeedback)
        where Self.isREMB(bytes, header: header):
            self = .receiverEstimatedMaximumBitrate(try ReceiverEstimatedMaximumBitrate(parsing: bytes))
        default:
            self = .unknown(header, Array(bytes[RTCPHeader.size..<header.packetSize]))
        }
    }

    /// Application-layer feedback is REMB only when its first FCI word is "REMB"; other
    /// application-layer messages are unknown.
    private static func isREMB(_ bytes: UnsafeRawBufferPointer, header: RTCPHeader) -> Bool {
        header.packetSize >= 16 && bytes.getUInt32(at: 12) == ReceiverEstimatedMaximumBitrate.identifier
    }

    /// The exact number of bytes `serialize(into:)` writes.
    public var serializedSize: Int {
        switch self {
        case .senderReport(let packet): packet.serializedSize
        case .receiverReport(let packet): packet.serializedSize
        case .sourceDescription(let packet): packet.serializedSize
        case .goodbye(let packet): packet.serializedSize
        case .applicationDefined(let packet): packet.serializedSize
        case .transportLayerNack(let packet): packet.serializedSize
        case .pictureLossIndication(let packet): packet.serializedSize
        case .fullIntraRequest(let packet): packet.serializedSize
        case .receiverEstimatedMaximumBitrate(let packet): packet.serializedSize
        case .transportWideCongestionControl(let packet): packet.serializedSize
        case .unknown(_, let body): RTCPHeader.size + roundUpToWord(body.count)
        }
    }

    /// Writes the packet at the start of `buffer`; returns the bytes written. An unknown
    /// packet is written with its header's flags and count, a length recomputed from the body,
    /// and the body zero-padded to a word.
    @discardableResult
    public func serialize(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        switch self {
        case .senderReport(let packet): return packet.serialize(into: buffer)
        case .receiverReport(let packet): return packet.serialize(into: buffer)
        case .sourceDescription(let packet): return packet.serialize(into: buffer)
        case .goodbye(let packet): return packet.serialize(into: buffer)
        case .applicationDefined(let packet): return packet.serialize(into: buffer)
        case .transportLayerNack(let packet): return packet.serialize(into: buffer)
        case .pictureLossIndication(let packet): return packet.serialize(into: buffer)
        case .fullIntraRequest(let packet): return packet.serialize(into: buffer)
        case .receiverEstimatedMaximumBitrate(let packet): return packet.serialize(into: buffer)
        case .transportWideCongestionControl(let packet): return packet.serialize(into: buffer)
        case .unknown(var header, let body):
            let size = serializedSize
            precondition(buffer.count >= size, "buffer smaller than serializedSize")
            header.length = UInt16(size / 4 - 1)
            header.serialize(into: buffer)
            var writer = ByteWriter(buffer, offset: RTCPHeader.size)
            writer.write(body)
            writer.padToWord()
            return writer.offset
        }
    }

    /// The packet as a new byte array.
    public func serialized() -> [UInt8] {
        [UInt8](serializing: serializedSize) { serialize(into: $0) }
    }
}

/// RFC 3550 §6.1: a compound packet is RTCP packets stacked back to back, each delimited by
/// its own length field.
public enum RTCPCompound {
    /// Parses every packet of a compound packet. Fails if any packet is malformed or the
    /// lengths do not tile the bytes exactly; unknown types become `.unknown`. RFC 3550 §6.4.1's
    /// "MUST start with SR or RR" is not enforced, because RFC 5506 reduced-size RTCP relaxes it.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(RTCPParseError) -> [RTCPPacket] {
        guard !bytes.isEmpty else { throw .emptyCompound }
        var packets: [RTCPPacket] = []
        var iterator = RTCPCompoundIterator(bytes)
        while let (_, range) = iterator.next() {
            // RFC 3550 §6.4.1 puts padding only on the last packet, but libwebrtc and pion pad
            // transport-cc wherever it sits, and the length field still frames each packet,
            // so padding anywhere is accepted.
            packets.append(try RTCPPacket(parsing: UnsafeRawBufferPointer(rebasing: bytes[range])))
        }
        if iterator.malformed { throw iterator.error ?? .lengthBeyondBuffer }
        return packets
    }

    /// The total size of the packets when stacked.
    public static func serializedSize(_ packets: [RTCPPacket]) -> Int {
        packets.reduce(0) { $0 + $1.serializedSize }
    }

    /// Writes the packets back to back at the start of `buffer`; returns the bytes written.
    @discardableResult
    public static func serialize(_ packets: [RTCPPacket], into buffer: UnsafeMutableRawBufferPointer) -> Int {
        var offset = 0
        for packet in packets {
            offset += packet.serialize(into: UnsafeMutableRawBufferPointer(rebasing: buffer[offset...]))
        }
        return offset
    }

    /// The packets stacked into a new byte array.
    public static func serialize(_ packets: [RTCPPacket]) -> [UInt8] {
        [UInt8](serializing: serializedSize(packets)) { serialize(packets, into: $0) }
    }
}

/// Non-allocating walk over a compound packet for the data plane: yields each packet's header
/// and byte range. Stops at the first malformed header, setting `malformed`.
public struct RTCPCompoundIterator: IteratorProtocol {
    /// The compound packet.
    public let bytes: UnsafeRawBufferPointer
    private var offset = 0
    /// Whether the walk stopped at a malformed header or a length running past the end.
    public private(set) var malformed = false
    /// Why the walk stopped early, when `malformed`.
    public private(set) var error: RTCPParseError?

    /// An iterator over the packets of `bytes`.
    public init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// The next packet's header and its range in `bytes` (padding included), or nil at the
    /// end or at the first malformed packet.
    public mutating func next() -> (header: RTCPHeader, range: Range<Int>)? {
        guard !malformed, offset < bytes.count else { return nil }
        let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
        let header: RTCPHeader
        do {
            header = try RTCPHeader(parsing: rest)
        } catch {
            fail(error)
            return nil
        }
        let size = header.packetSize
        guard size <= rest.count else {
            fail(.lengthBeyondBuffer)
            return nil
        }
        let range = offset..<(offset + size)
        offset += size
        return (header, range)
    }

    private mutating func fail(_ error: RTCPParseError) {
        malformed = true
        self.error = error
        offset = bytes.count
    }
}
