// The data plane's reading of received RTCP (STYLE G6): one packet of a compound, viewed in
// place. Fixed fields are read once; the repeated parts (reception report blocks, NACK pairs,
// FIR entries, REMB SSRCs) are collections over the received bytes whose elements are parsed
// when read. Nothing here allocates, so a bridge can read every receiver's feedback without
// touching the heap. The owned codecs (`SenderReport`, `TransportLayerNack`, …) are built on
// these views, so both parse the same way and reject the same packets.

import Bytes

/// One received RTCP packet, viewed in place (see `RTCPCompoundIterator` for the compound).
public enum RTCPView {
    /// SR, RFC 3550 §6.4.1: the sender's times and its reception reports.
    case senderReport(SenderReportView)
    /// RR, RFC 3550 §6.4.2.
    case receiverReport(ssrc: UInt32, reports: ReceptionReportBlocks)
    /// Generic NACK, RFC 4585 §6.2.1.
    case transportLayerNack(senderSSRC: UInt32, mediaSSRC: UInt32, pairs: NackPairs)
    /// PLI, RFC 4585 §6.3.1.
    case pictureLossIndication(senderSSRC: UInt32, mediaSSRC: UInt32)
    /// FIR, RFC 5104 §4.3.1: the targets are in the entries.
    case fullIntraRequest(senderSSRC: UInt32, entries: FullIntraRequestEntries)
    /// REMB, draft-alvestrand-rmcat-remb: the receiver's estimate for `ssrcs`.
    case receiverEstimatedMaximumBitrate(senderSSRC: UInt32, bitrate: UInt64, ssrcs: SSRCList)
    /// transport-cc feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1): the
    /// whole packet, for `TransportWideCongestionControl(parsing:)` where it is needed.
    case transportWideCongestionControl(senderSSRC: UInt32, mediaSSRC: UInt32, packet: UnsafeRawBufferPointer)
    /// SDES, BYE, APP and feedback this module does not read: the header only.
    case other(RTCPHeader)

    /// Views the one packet at the start of `packet` (its length field decides where it ends).
    /// Malformed packets of a known type throw as their owned codec would.
    @inlinable
    public init(viewing packet: UnsafeRawBufferPointer) throws(RTCPParseError) {
        let header = try RTCPHeader(parsing: packet)
        guard header.packetSize <= packet.count else { throw .lengthBeyondBuffer }
        switch (header.packetType, header.count) {
        case (RTCPPacketType.senderReport, _):
            self = .senderReport(try SenderReportView(viewing: packet))
        case (RTCPPacketType.receiverReport, _):
            var (header, reader) = try RTCPHeader.parseBody(packet, packetType: RTCPPacketType.receiverReport)
            guard let ssrc = reader.readUInt32() else { throw .packetTooShort }
            self = .receiverReport(ssrc: ssrc, reports: try ReceptionReportBlocks(count: Int(header.count), from: &reader))
        case (RTCPPacketType.transportFeedback, RTCPFeedbackFormat.genericNack):
            var (_, reader) = try RTCPHeader.parseBody(
                packet, packetType: RTCPPacketType.transportFeedback, format: RTCPFeedbackFormat.genericNack)
            guard let sender = reader.readUInt32(), let media = reader.readUInt32() else { throw .packetTooShort }
            guard reader.remaining % NackPair.recordSize == 0, let pairs = reader.readSlice(reader.remaining) else {
                throw .packetTooShort
            }
            self = .transportLayerNack(senderSSRC: sender, mediaSSRC: media, pairs: NackPairs(pairs))
        case (RTCPPacketType.transportFeedback, RTCPFeedbackFormat.transportWideCongestionControl):
            var (_, reader) = try RTCPHeader.parseBody(
                packet, packetType: RTCPPacketType.transportFeedback,
                format: RTCPFeedbackFormat.transportWideCongestionControl)
            guard let sender = reader.readUInt32(), let media = reader.readUInt32() else { throw .packetTooShort }
            self = .transportWideCongestionControl(
                senderSSRC: sender, mediaSSRC: media,
                packet: UnsafeRawBufferPointer(rebasing: packet[..<header.packetSize]))
        case (RTCPPacketType.payloadSpecificFeedback, RTCPFeedbackFormat.pictureLossIndication):
            var (_, reader) = try RTCPHeader.parseBody(
                packet, packetType: RTCPPacketType.payloadSpecificFeedback,
                format: RTCPFeedbackFormat.pictureLossIndication)
            guard let sender = reader.readUInt32(), let media = reader.readUInt32() else { throw .packetTooShort }
            self = .pictureLossIndication(senderSSRC: sender, mediaSSRC: media)
        case (RTCPPacketType.payloadSpecificFeedback, RTCPFeedbackFormat.fullIntraRequest):
            var (_, reader) = try RTCPHeader.parseBody(
                packet, packetType: RTCPPacketType.payloadSpecificFeedback, format: RTCPFeedbackFormat.fullIntraRequest)
            guard let sender = reader.readUInt32(), reader.skip(4) else { throw .packetTooShort }
            guard reader.remaining % FullIntraRequestEntry.recordSize == 0, let entries = reader.readSlice(reader.remaining) else {
                throw .packetTooShort
            }
            self = .fullIntraRequest(senderSSRC: sender, entries: FullIntraRequestEntries(entries))
        case (RTCPPacketType.payloadSpecificFeedback, RTCPFeedbackFormat.applicationLayerFeedback)
        where header.packetSize >= 16 && packet.getUInt32(at: 12) == ReceiverEstimatedMaximumBitrate.identifier:
            let remb = try REMBView(viewing: packet)
            self = .receiverEstimatedMaximumBitrate(senderSSRC: remb.senderSSRC, bitrate: remb.bitrate, ssrcs: remb.ssrcs)
        default:
            self = .other(header)
        }
    }
}

/// An SR viewed in place (RFC 3550 §6.4.1).
public struct SenderReportView {
    public let ssrc: UInt32
    public let ntpTimestamp: UInt64
    public let rtpTimestamp: UInt32
    public let packetCount: UInt32
    public let octetCount: UInt32
    public let reports: ReceptionReportBlocks
    /// Profile-specific extension bytes after the report blocks (padding excluded).
    public let profileExtensions: UnsafeRawBufferPointer

    @inlinable
    public init(viewing packet: UnsafeRawBufferPointer) throws(RTCPParseError) {
        var (header, reader) = try RTCPHeader.parseBody(packet, packetType: RTCPPacketType.senderReport)
        guard let ssrc = reader.readUInt32(), let ntp = reader.readUInt64(), let rtp = reader.readUInt32(),
            let packets = reader.readUInt32(), let octets = reader.readUInt32()
        else { throw .packetTooShort }
        self.ssrc = ssrc
        ntpTimestamp = ntp
        rtpTimestamp = rtp
        packetCount = packets
        octetCount = octets
        reports = try ReceptionReportBlocks(count: Int(header.count), from: &reader)
        profileExtensions = reader.readSlice(reader.remaining) ?? UnsafeRawBufferPointer(start: nil, count: 0)
    }
}

/// A REMB viewed in place (draft-alvestrand-rmcat-remb-03 §2.2).
public struct REMBView {
    public let senderSSRC: UInt32
    public let mediaSSRC: UInt32
    public let bitrateExponent: UInt8
    public let bitrateMantissa: UInt32
    public let ssrcs: SSRCList

    @inlinable
    public init(viewing packet: UnsafeRawBufferPointer) throws(RTCPParseError) {
        var (_, reader) = try RTCPHeader.parseBody(
            packet, packetType: RTCPPacketType.payloadSpecificFeedback, format: RTCPFeedbackFormat.applicationLayerFeedback)
        guard let sender = reader.readUInt32(), let media = reader.readUInt32(), let identifier = reader.readUInt32()
        else { throw .packetTooShort }
        guard identifier == ReceiverEstimatedMaximumBitrate.identifier else { throw .missingREMBIdentifier }
        guard let count = reader.readUInt8(), let bitrateField = reader.readUInt24(),
            let list = reader.readSlice(Int(count) * UInt32.recordSize)
        else { throw .packetTooShort }
        senderSSRC = sender
        mediaSSRC = media
        bitrateExponent = UInt8(bitrateField >> 18)
        bitrateMantissa = bitrateField & ReceiverEstimatedMaximumBitrate.mantissaMax
        ssrcs = SSRCList(list)
    }

    /// The bitrate in bits per second, saturating at `UInt64.max`.
    @inlinable
    public var bitrate: UInt64 {
        ReceiverEstimatedMaximumBitrate.bitrate(exponent: bitrateExponent, mantissa: bitrateMantissa)
    }
}

/// A fixed-size record of an RTCP packet's repeated part, read in place.
public protocol RTCPRecord {
    /// Bytes per record on the wire.
    static var recordSize: Int { get }
    /// The record at `offset` of `bytes` (bounds already checked).
    init(record bytes: UnsafeRawBufferPointer, at offset: Int)
}

/// Records over received bytes, each parsed when read.
public struct RTCPRecords<Record: RTCPRecord>: RandomAccessCollection {
    public let bytes: UnsafeRawBufferPointer

    @inlinable init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// The next `count` records of `reader`.
    @inlinable
    init(count: Int, from reader: inout ByteReader) throws(RTCPParseError) {
        guard let records = reader.readSlice(count * Record.recordSize) else { throw .packetTooShort }
        bytes = records
    }

    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { bytes.count / Record.recordSize }
    @inlinable public subscript(position: Int) -> Record {
        precondition(position >= 0 && position < endIndex, "index out of range")
        return Record(record: bytes, at: position &* Record.recordSize)
    }
}

/// The reception report blocks of an SR or RR (RFC 3550 §6.4.1).
public typealias ReceptionReportBlocks = RTCPRecords<ReceptionReport>
/// The PID+BLP pairs of a generic NACK (RFC 4585 §6.2.1).
public typealias NackPairs = RTCPRecords<NackPair>
/// The FCI entries of a FIR (RFC 5104 §4.3.1).
public typealias FullIntraRequestEntries = RTCPRecords<FullIntraRequestEntry>
/// A list of SSRCs (a REMB's feedback SSRCs).
public typealias SSRCList = RTCPRecords<UInt32>

extension ReceptionReport: RTCPRecord {
    @inlinable public static var recordSize: Int { size }

    @inlinable
    public init(record bytes: UnsafeRawBufferPointer, at offset: Int) {
        // The cumulative loss is a signed 24-bit value: sign-extended.
        self.init(
            ssrc: bytes.getUInt32(at: offset), fractionLost: bytes[offset + 4],
            cumulativeLost: Int32(bitPattern: bytes.getUInt24(at: offset + 5) << 8) >> 8,
            extendedHighestSequenceNumber: bytes.getUInt32(at: offset + 8), jitter: bytes.getUInt32(at: offset + 12),
            lastSenderReport: bytes.getUInt32(at: offset + 16), delaySinceLastSenderReport: bytes.getUInt32(at: offset + 20))
    }
}

extension NackPair: RTCPRecord {
    @inlinable public static var recordSize: Int { 4 }

    @inlinable
    public init(record bytes: UnsafeRawBufferPointer, at offset: Int) {
        self.init(packetID: bytes.getUInt16(at: offset), lostPackets: bytes.getUInt16(at: offset + 2))
    }
}

extension RTCPRecords where Record == NackPair {
    /// Calls `body` with every sequence number the pairs report lost, in order.
    @inlinable
    public func forEachLost(_ body: (UInt16) -> Void) {
        for pair in self { pair.forEachLost(body) }
    }
}

extension FullIntraRequestEntry: RTCPRecord {
    @inlinable public static var recordSize: Int { 8 }

    @inlinable
    public init(record bytes: UnsafeRawBufferPointer, at offset: Int) {
        self.init(ssrc: bytes.getUInt32(at: offset), sequenceNumber: bytes[offset + 4])
    }
}

extension UInt32: RTCPRecord {
    @inlinable public static var recordSize: Int { 4 }

    @inlinable
    public init(record bytes: UnsafeRawBufferPointer, at offset: Int) {
        self = bytes.getUInt32(at: offset)
    }
}
