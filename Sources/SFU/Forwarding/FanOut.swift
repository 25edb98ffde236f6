import RTP

/// One incoming packet sent on many outgoing tracks (a streaming room's viewers, a conference's
/// subscribers): for each, the SSRC, sequence number, timestamp, payload type and header
/// extension IDs are rewritten in place, the packet is sent (protected into the socket's send
/// slot), and the extension block put back; `restore` puts the header back once at the end.
/// A value on the stack: no allocation, no copy of the payload.
struct FanOut {
    let packet: RTPPacketView
    let codec: CodecKind
    let clockRate: Int
    private let ssrc: UInt32
    private let sequence: UInt16
    private let timestamp: UInt32
    private let payloadType: UInt8
    private let bytes: UnsafeRawBufferPointer
    private let hasExtension: Bool
    private let headerLength: Int
    /// Scratch for the publisher's extension block (at least the packet's header size).
    private let extensionBlock: UnsafeMutableRawPointer
    private var extensionSaved = false
    /// Whether the packet starts a key frame, worked out once if a track needs to know.
    private var keyFrame: Bool?

    init(_ packet: RTPPacketView, codec: CodecKind, clockRate: Int, extensionBlock: UnsafeMutableRawPointer) {
        self.packet = packet
        self.codec = codec
        self.clockRate = clockRate
        self.extensionBlock = extensionBlock
        ssrc = packet.ssrc
        sequence = packet.sequenceNumber
        timestamp = packet.timestamp
        payloadType = packet.payloadType
        bytes = UnsafeRawBufferPointer(packet.bytes)
        hasExtension = packet.hasExtension
        headerLength = packet.headerLength
    }

    enum Outcome { case sent, unmapped, waitingForKeyFrame }

    /// Sends the packet on `track` through `transport`. A track waiting for a key frame starts
    /// on one (mapped onto this stream then); a new incoming stream is mapped on its first packet.
    @inline(__always)
    mutating func send(on track: OutboundTrack, via transport: WebRTCTransport, now: ContinuousClock.Instant) -> Outcome {
        let outType = track.payloadTypes[Int(payloadType & 0x7F)]
        guard outType != OutboundTrack.unmapped else { return .unmapped }
        if track.waitingForKeyFrame {
            if keyFrame == nil { keyFrame = codec.startsKeyFrame(UnsafeRawBufferPointer(packet.payload)) }
            guard keyFrame! else { return .waitingForKeyFrame }
            track.anchor(source: ssrc, sequence: sequence, timestamp: timestamp, clockRate: clockRate, now: now)
        } else if track.source != ssrc {
            track.anchor(source: ssrc, sequence: sequence, timestamp: timestamp, clockRate: clockRate, now: now)
        }
        let outSequence = sequence &+ track.sequenceOffset
        let outTimestamp = timestamp &+ track.timestampOffset
        packet.ssrc = track.localSSRC
        packet.sequenceNumber = outSequence
        packet.timestamp = outTimestamp
        packet.payloadType = outType
        track.sent(sequence: outSequence, timestamp: outTimestamp, bytes: bytes.count, now: now)
        if hasExtension && !track.extensionsIdentity {
            if !extensionSaved {
                extensionBlock.copyMemory(from: bytes.baseAddress! + 12, byteCount: headerLength - 12)
                extensionSaved = true
            }
            track.extensionIDs.withUnsafeBufferPointer { packet.remapHeaderExtensionIDs($0) }
            transport.sendRTP(bytes)
            packet.bytes.baseAddress!.advanced(by: 12).copyMemory(from: extensionBlock, byteCount: headerLength - 12)
        } else {
            transport.sendRTP(bytes)
        }
        return .sent
    }

    /// The packet's own header again (for whoever handles it next).
    func restore() {
        packet.ssrc = ssrc
        packet.sequenceNumber = sequence
        packet.timestamp = timestamp
        packet.payloadType = payloadType
    }
}
