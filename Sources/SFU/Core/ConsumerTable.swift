import RTP

/// What the fan-out reads and writes of one consumer for each packet, inline: its transport
/// (unmanaged: the `Consumer` keeps it alive and leaves the table before it goes), SSRC,
/// splice, counters, and the payload-type and header-extension maps. No reference counted
/// field, so a walk over a table's slots retains and releases nothing.
struct ConsumerSlot {
    var transport: Unmanaged<WebRTCTransport>
    var localSSRC: UInt32
    /// Video: nothing is sent until a key frame starts (it would not decode anyway).
    var waitingForKeyFrame: Bool
    /// The extension map changes nothing: no rewrite.
    var extensionsIdentity = true
    var splice: StreamSplice
    var packets: UInt64 = 0
    var bytes: UInt64 = 0
    /// The consumer's payload type for each source payload type (`ConsumerSlot.unmapped`: none).
    var payloadTypes = InlineArray<128, UInt8>(repeating: ConsumerSlot.unmapped)
    /// The consumer's header extension ID for each source ID (0: not negotiated by the
    /// consumer, sent as padding).
    var extensionIDs = InlineArray<256, UInt8>(repeating: 0)
    /// Simulcast: the encoding (spatial layer, 0 the lowest) it is sent, and the highest it may
    /// be sent (`ConsumerSlot.all`: the source's best). A switch happens at a key frame of the
    /// encoding wanted; until then the current one goes on.
    var layer: UInt8 = 0
    var maxLayer: UInt8 = ConsumerSlot.all
    /// The highest its downlink estimate lets it have (`all`: no estimate, or no bound).
    var estimateLayer: UInt8 = ConsumerSlot.all
    /// VP8 temporal layers above this are not sent (`all`: every one): its bound, the one its
    /// downlink estimate sets, and the one in force (it rises only at a frame the receiver can
    /// decode from there: a TL0 frame, or one with the layer-sync bit).
    var maxTemporal: UInt8 = ConsumerSlot.all
    var estimateTemporal: UInt8 = ConsumerSlot.all
    var temporal: UInt8 = ConsumerSlot.all
    /// Picture IDs and TL0PICIDX kept continuous across switches.
    var vp8 = VP8Continuity()

    static let all: UInt8 = 0xFF

    static let unmapped: UInt8 = 0xFF

    init(transport: WebRTCTransport, localSSRC: UInt32, kind: MediaKind) {
        self.transport = Unmanaged.passUnretained(transport)
        self.localSSRC = localSSRC
        waitingForKeyFrame = kind == .video
        splice = StreamSplice(firstSequence: .random(in: 0...UInt16.max), firstTimestamp: .random(in: 0...UInt32.max))
    }

    /// Simulcast VP8, one packet for this consumer: false when its temporal layer is above the
    /// bound (it is left out, the sequence numbers and picture IDs after it close up); else its
    /// picture ID and TL0PICIDX are rewritten in place (`switched`: the first of a new encoding).
    @inline(__always)
    mutating func admitVP8(_ payload: UnsafeMutableRawBufferPointer, descriptor d: VP8Descriptor, switched: Bool) -> Bool {
        if d.startsFrame {
            let bound = min(maxTemporal, estimateTemporal)
            if bound < temporal || switched || (bound > temporal && (d.temporalLayer == 0 || d.layerSync)) { temporal = bound }
        }
        if let t = d.temporalLayer, t > temporal {
            splice.skip()
            if d.startsFrame { vp8.skipFrame() }
            return false
        }
        vp8.rewrite(payload, descriptor: d, switched: switched)
        return true
    }
}

/// Who receives one source's packets (a conference track's subscribers, the viewers of a
/// streaming room's audio or video on one worker): each consumer's `ConsumerSlot` in one
/// contiguous buffer, those that get packets first (`activeCount`: a paused, suppressed or
/// waiting consumer moves behind them). A packet's fan-out walks the active slots in memory
/// order, rewrites the packet in place for each, sends it, and restores it: no allocation, no
/// lock, no reference counting per consumer (STYLE G9). Confined to its loop.
final class ConsumerTable {
    private var slots: UnsafeMutablePointer<ConsumerSlot>
    private var capacity: Int
    private(set) var count = 0
    /// Slots `0..<activeCount` get packets.
    private(set) var activeCount = 0
    /// The consumer of each slot: `owners[i].index == i`.
    private var owners: [Consumer] = []
    /// The source's extension block, restored after each consumer whose IDs differ.
    private let extensionBlock = UnsafeMutableRawPointer.allocate(byteCount: ConsumerTable.maxPacket, alignment: 16)
    static let maxPacket = 2048
    /// Simulcast: bytes of each encoding forwarded, and how many encodings the source sends.
    private var layerBytes = InlineArray<4, UInt64>(repeating: 0)
    private(set) var layerCount: UInt8 = 1
    /// Each encoding's bits per second (`measureLayers`): its peak, decaying by a tenth a
    /// second, since an encoder's rate swings from second to second and a copy moved up onto
    /// an encoding should still fit it a moment later.
    private(set) var layerRates = InlineArray<4, Double>(repeating: 0)
    private var layerWindow: (at: Duration, bytes: InlineArray<4, UInt64>, temporal: InlineArray<16, UInt64>)?
    /// VP8 simulcast: the same for each temporal layer of each encoding (at `4 * encoding + TID`).
    private var temporalBytes = InlineArray<16, UInt64>(repeating: 0)
    private(set) var temporalRates = InlineArray<16, Double>(repeating: 0)

    /// Encoding `layer`'s rate up to each temporal layer (TL0, TL0+TL1, ...), and how many
    /// temporal layers it showed (1: none seen).
    func temporalRates(of layer: Int) -> (rates: InlineArray<4, Double>, count: Int) {
        var rates = InlineArray<4, Double>(repeating: 0)
        var sum = 0.0
        var count = 1
        for t in 0..<4 {
            let r = temporalRates[4 * (layer & 3) + t]
            if r > 0 { count = t + 1 }
            sum += r
            rates[t] = sum
        }
        return (rates, count)
    }

    init(capacity: Int = 4) {
        self.capacity = max(1, capacity)
        slots = .allocate(capacity: self.capacity)
    }

    deinit {
        slots.deinitialize(count: count)
        slots.deallocate()
        extensionBlock.deallocate()
    }

    /// Every consumer of the table, in slot order.
    var consumers: [Consumer] { owners }

    /// Every consumer leaves (their source is gone).
    func removeAll() {
        for c in owners.reversed() { c.close() }
    }

    @inline(__always)
    func slot(_ index: Int) -> UnsafeMutablePointer<ConsumerSlot> {
        precondition(index >= 0 && index < count, "slot index out of range")
        return slots + index
    }

    /// Measures each encoding's rate (`layerRates`) over the time since it last did, once that
    /// is at least 0.9 s; any consumer's periodic work may call it.
    func measureLayers(now: Duration) {
        if let w = layerWindow {
            let seconds = (now - w.at).inSeconds
            guard seconds >= 0.9 else { return }
            for i in 0..<4 { layerRates[i] = max(Double(layerBytes[i] &- w.bytes[i]) * 8 / seconds, layerRates[i] * 0.9) }
            for i in 0..<16 {
                temporalRates[i] = max(Double(temporalBytes[i] &- w.temporal[i]) * 8 / seconds, temporalRates[i] * 0.9)
            }
        }
        layerWindow = (now, layerBytes, temporalBytes)
    }

    // MARK: membership (control plane, on the loop)

    func add(_ consumer: Consumer, _ slot: ConsumerSlot, active: Bool) {
        if count == capacity {
            let grown = UnsafeMutablePointer<ConsumerSlot>.allocate(capacity: capacity * 2)
            grown.moveInitialize(from: slots, count: count)
            slots.deallocate()
            slots = grown
            capacity *= 2
        }
        (slots + count).initialize(to: slot)
        owners.append(consumer)
        consumer.index = count
        count += 1
        if active { setActive(consumer, true) }
    }

    /// Takes a consumer out (its index becomes -1); nothing if it is not in the table.
    func remove(_ consumer: Consumer) {
        guard contains(consumer) else { return }
        setActive(consumer, false)
        let last = count - 1
        swap(consumer.index, last)
        (slots + last).deinitialize(count: 1)
        owners.removeLast()
        count -= 1
        consumer.index = -1
    }

    func contains(_ consumer: Consumer) -> Bool {
        consumer.index >= 0 && consumer.index < count && owners[consumer.index] === consumer
    }

    func isActive(_ consumer: Consumer) -> Bool { contains(consumer) && consumer.index < activeCount }

    /// Moves a consumer into the active part (it gets packets) or out of it.
    func setActive(_ consumer: Consumer, _ active: Bool) {
        guard contains(consumer), active != isActive(consumer) else { return }
        if active {
            swap(consumer.index, activeCount)
            activeCount += 1
        } else {
            activeCount -= 1
            swap(consumer.index, activeCount)
        }
    }

    private func swap(_ a: Int, _ b: Int) {
        guard a != b else { return }
        let t = (slots + a).move()
        (slots + a).moveInitialize(from: slots + b, count: 1)
        (slots + b).initialize(to: t)
        owners.swapAt(a, b)
        owners[a].index = a
        owners[b].index = b
    }

    // MARK: data plane

    /// Sends `packet` (of a stream whose codec is `codec`) to every active consumer whose
    /// transport is connected: SSRC, sequence number, timestamp, payload type and extension IDs
    /// rewritten in place, protected into the socket's send slot, then the header put back. A
    /// consumer waiting for a key frame starts on one; a new source stream is mapped on its
    /// first packet. Returns whether a consumer still waits for a key frame (the caller asks
    /// the publisher for one). `now`: `MediaClock.elapsed`.
    /// Simulcast: the packet is of encoding `layer` of `layers` (0 the lowest), `best` the
    /// highest being sent now (nil: the last); each consumer gets the one it is on, and moves to the one it wants at that one's key frame, with its
    /// numbering continuous (sequence, timestamp, and VP8 picture ID and TL0PICIDX).
    @inline(__always)
    func forward(_ packet: RTPPacketView, codec: CodecKind, clockRate: Int, now: Duration, layer: UInt8 = 0,
                 layers: UInt8 = 1, best: UInt8? = nil) -> Bool {
        if layers > 1 {
            layerBytes[Int(layer & 3)] &+= UInt64(packet.bytes.count)
            layerCount = layers
        }
        let active = activeCount
        guard active > 0 else { return false }
        // Simulcast VP8: the descriptor's numbers are rewritten per consumer and put back.
        let descriptor = layers > 1 && codec == .vp8 ? VP8Descriptor(UnsafeRawBufferPointer(packet.payload)) : nil
        if let t = descriptor?.temporalLayer { temporalBytes[4 * Int(layer & 3) + Int(t & 3)] &+= UInt64(packet.bytes.count) }
        let payload = packet.payload
        let pictureID = descriptor?.pictureID(in: UnsafeRawBufferPointer(payload))
        let tl0 = descriptor?.tl0PicIdx(in: UnsafeRawBufferPointer(payload))
        let ssrc = packet.ssrc
        let sequence = packet.sequenceNumber
        let timestamp = packet.timestamp
        let payloadType = packet.payloadType
        let bytes = UnsafeRawBufferPointer(packet.bytes)
        let hasExtension = packet.hasExtension
        let headerLength = packet.headerLength
        var keyFrame: Bool?
        var extensionSaved = false
        var waiting = false
        for i in 0..<active {
            let slot = slots + i
            let outType = slot.pointee.payloadTypes[Int(payloadType & 0x7F)]
            guard outType != ConsumerSlot.unmapped,
                  slot.pointee.transport._withUnsafeGuaranteedRef({ $0.state == .connected }) else { continue }
            var switched = false
            let wanted = min(slot.pointee.maxLayer, slot.pointee.estimateLayer, best ?? layers &- 1)
            if slot.pointee.waitingForKeyFrame || layer != slot.pointee.layer
                || (layers > 1 && slot.pointee.splice.source != ssrc) {
                // Waiting, or another encoding than the one it is on: start on this one if it is
                // the one wanted and this packet starts a key frame.
                guard layer == wanted else { continue }
                if keyFrame == nil { keyFrame = codec.startsKeyFrame(UnsafeRawBufferPointer(packet.payload)) }
                guard keyFrame! else {
                    waiting = true
                    continue
                }
                slot.pointee.splice.anchor(source: ssrc, sequence: sequence, timestamp: timestamp, clockRate: clockRate, now: now)
                slot.pointee.waitingForKeyFrame = false
                slot.pointee.layer = layer
                switched = true
            } else if slot.pointee.splice.source != ssrc {
                slot.pointee.splice.anchor(source: ssrc, sequence: sequence, timestamp: timestamp, clockRate: clockRate, now: now)
            }
            if let descriptor, !slot.pointee.admitVP8(payload, descriptor: descriptor, switched: switched) { continue }
            send(packet, slot: slot, outType: outType, sequence: sequence, timestamp: timestamp, bytes: bytes,
                 hasExtension: hasExtension, headerLength: headerLength, extensionSaved: &extensionSaved, now: now)
            if let descriptor {
                if let pictureID { descriptor.setPictureID(pictureID, in: payload) }
                if let tl0 { descriptor.setTL0PicIdx(tl0, in: payload) }
            }
        }
        packet.ssrc = ssrc
        packet.sequenceNumber = sequence
        packet.timestamp = timestamp
        packet.payloadType = payloadType
        return waiting
    }

    /// One consumer's copy of `packet`: mapped through its splice, rewritten in place for it,
    /// protected into the socket's send slot; the extension block is put back when it was
    /// rewritten (saved once per packet in `extensionBlock`). The caller restores the header.
    @inline(__always)
    private func send(_ packet: RTPPacketView, slot: UnsafeMutablePointer<ConsumerSlot>, outType: UInt8, sequence: UInt16,
                      timestamp: UInt32, bytes: UnsafeRawBufferPointer, hasExtension: Bool, headerLength: Int,
                      extensionSaved: inout Bool, now: Duration) {
        let (outSequence, outTimestamp) = slot.pointee.splice.map(sequence: sequence, timestamp: timestamp)
        packet.ssrc = slot.pointee.localSSRC
        packet.sequenceNumber = outSequence
        packet.timestamp = outTimestamp
        packet.payloadType = outType
        slot.pointee.splice.sent(sequence: outSequence, timestamp: outTimestamp, now: now)
        slot.pointee.packets &+= 1
        slot.pointee.bytes &+= UInt64(bytes.count)
        if hasExtension && !slot.pointee.extensionsIdentity {
            if !extensionSaved {
                extensionBlock.copyMemory(from: bytes.baseAddress! + 12, byteCount: headerLength - 12)
                extensionSaved = true
            }
            slot.pointee.extensionIDs.span.withUnsafeBufferPointer { packet.remapHeaderExtensionIDs($0) }
            slot.pointee.transport._withUnsafeGuaranteedRef { $0.sendRTP(bytes) }
            packet.bytes.baseAddress!.advanced(by: 12).copyMemory(from: extensionBlock, byteCount: headerLength - 12)
        } else {
            slot.pointee.transport._withUnsafeGuaranteedRef { $0.sendRTP(bytes) }
        }
    }

    /// Sends `packet` (a cached one, in a scratch copy) to `consumer` alone: a consumer waiting
    /// for a key frame starts on it if it begins one. Returns whether it was sent.
    @discardableResult
    func replay(_ packet: RTPPacketView, to consumer: Consumer, codec: CodecKind, clockRate: Int, now: Duration, layer: UInt8 = 0,
                layers: UInt8 = 1, best: UInt8? = nil) -> Bool {
        guard contains(consumer), isActive(consumer) else { return false }
        let slot = slots + consumer.index
        let outType = slot.pointee.payloadTypes[Int(packet.payloadType & 0x7F)]
        guard outType != ConsumerSlot.unmapped,
              slot.pointee.transport._withUnsafeGuaranteedRef({ $0.state == .connected }) else { return false }
        let (ssrc, sequence, timestamp) = (packet.ssrc, packet.sequenceNumber, packet.timestamp)
        var switched = false
        if slot.pointee.waitingForKeyFrame {
            guard layer == min(slot.pointee.maxLayer, slot.pointee.estimateLayer, best ?? layers &- 1),
                  codec.startsKeyFrame(UnsafeRawBufferPointer(packet.payload)) else { return false }
            slot.pointee.splice.anchor(source: ssrc, sequence: sequence, timestamp: timestamp, clockRate: clockRate, now: now)
            slot.pointee.waitingForKeyFrame = false
            slot.pointee.layer = layer
            switched = true
        } else if slot.pointee.splice.source != ssrc {
            return false
        }
        if layers > 1, codec == .vp8, let d = VP8Descriptor(UnsafeRawBufferPointer(packet.payload)),
           !slot.pointee.admitVP8(packet.payload, descriptor: d, switched: switched) {
            return true
        }
        var extensionSaved = false
        send(packet, slot: slot, outType: outType, sequence: sequence, timestamp: timestamp, bytes: UnsafeRawBufferPointer(packet.bytes),
             hasExtension: packet.hasExtension, headerLength: packet.headerLength, extensionSaved: &extensionSaved, now: now)
        return true
    }
}
