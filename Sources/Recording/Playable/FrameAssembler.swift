/// Groups a track's packets, in sequence order, into whole frames: the packets of one RTP
/// timestamp. A frame is whole when none of its packets is missing, its start is known (the
/// packet before it arrived, or the codec says its first packet starts a frame) and its end
/// is known (the marker bit, or the packet after it arrived). A frame with a hole is dropped,
/// never passed on half: the decoder must not see a broken frame. For video, every frame after
/// a hole may depend on what was lost, so frames are then dropped up to the next key frame (and
/// the track starts on one), unless the frames on either side of the hole are numbered one
/// apart (VP8's picture ID) and the first one ended: then only packets between frames were
/// lost (padding). Padding-only packets (bandwidth probes) take a sequence number and nothing
/// else.
struct FrameAssembler {
    /// A whole frame, with the RTP timestamp of its packets.
    struct Frame {
        var timestamp: UInt32
        var frame: DepacketizedFrame
    }

    private(set) var depacketizer: any Depacketizer
    /// The frame in progress.
    private var packets: [[UInt8]] = []
    private var timestamp: UInt32 = 0
    private var startKnown = false
    private var broken = false
    private var lastMarker = false
    private var lastIndex: Int64?
    /// Packets are missing before the next packet with a payload.
    private var gapPending = false
    private var waitingForKeyFrame = true
    /// The frame number of the frame in progress (where the payload format has one).
    private var frameNumber: (value: Int, modulus: Int)?
    /// Frames with a hole, undecodable payloads, and video frames skipped while waiting for a
    /// key frame after a loss.
    private(set) var dropped = 0

    init(_ depacketizer: any Depacketizer) { self.depacketizer = depacketizer }

    /// Takes the next packet in sequence order; appends to `out` the frame it completes.
    mutating func append(_ s: ReorderBuffer.Sequenced, into out: inout [Frame]) {
        let p = s.packet
        let first = lastIndex == nil
        let gap = gapPending || lastIndex.map { s.index != $0 + 1 } ?? false
        lastIndex = s.index
        if depacketizer.packetIsFrame {
            emit(timestamp: p.timestamp, [p.payload], into: &out)
            return
        }
        guard !p.payload.isEmpty else {
            gapPending = gap
            return
        }
        gapPending = false
        if !packets.isEmpty, p.timestamp == timestamp {
            if gap { broken = true }
            packets.append(p.payload)
            lastMarker = p.marker
            return
        }
        let number = depacketizer.frameNumber(p.payload)
        // A hole between a frame that ended and the next one by number: no frame was lost.
        var betweenFrames = false
        if gap, !packets.isEmpty, lastMarker, let previous = frameNumber, let number, previous.modulus == number.modulus {
            betweenFrames = (previous.value + 1) % number.modulus == number.value
        }
        if !packets.isEmpty {
            // The packet before this one was the frame's last, unless some are missing between.
            finish(endKnown: lastMarker || !gap, into: &out)
        }
        if gap && !betweenFrames { waitingForKeyFrame = true }
        frameNumber = number
        packets = [p.payload]
        timestamp = p.timestamp
        startKnown = (!first && !gap) || depacketizer.startsFrame(p.payload)
        broken = false
        lastMarker = p.marker
    }

    /// At the end of the file: the frame in progress, whole only if its marker arrived (a
    /// recording killed mid-frame ends with part of a frame).
    mutating func finish(into out: inout [Frame]) {
        if !packets.isEmpty { finish(endKnown: lastMarker, into: &out) }
    }

    private mutating func finish(endKnown: Bool, into out: inout [Frame]) {
        let payloads = packets
        packets = []
        guard startKnown, endKnown, !broken else {
            dropped += 1
            waitingForKeyFrame = true
            return
        }
        emit(timestamp: timestamp, payloads, into: &out)
    }

    private mutating func emit(timestamp: UInt32, _ payloads: [[UInt8]], into out: inout [Frame]) {
        switch depacketizer.depacketize(payloads) {
        case .none:
            break
        case .invalid:
            dropped += 1
            waitingForKeyFrame = true
        case .frame(let f):
            if !depacketizer.packetIsFrame, waitingForKeyFrame {
                guard f.isKeyFrame else { dropped += 1; return }
                waitingForKeyFrame = false
            }
            out.append(Frame(timestamp: timestamp, frame: f))
        }
    }
}
