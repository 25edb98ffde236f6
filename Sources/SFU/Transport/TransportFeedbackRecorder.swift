import RTP

/// The receive side of transport-wide congestion control (draft-holmer-rmcat-transport-wide-
/// cc-extensions-01): when each packet carrying a transport-wide sequence number arrived, and
/// transport-cc feedback about them, written every few tens of milliseconds, so that the
/// sender's delay-based estimator (a browser's GoogCC) sees its queue build up at a bottleneck.
///
/// Arrivals are kept in a ring indexed by the unwrapped sequence number; a packet's slot says
/// when it arrived, or that it has not (yet). Each feedback reports every packet from the first
/// not yet reported to the highest received, losses included; a packet arriving after its loss
/// was reported is not reported again (libwebrtc does the same). Nothing here allocates after
/// `init`. A value owned by its transport, which calls `deallocate()` when it goes.
struct TransportFeedbackRecorder {
    /// The transport-wide sequence number's header extension ID.
    let extensionID: UInt8
    static let capacity = 1 << 12
    private static let mask = Int64(capacity - 1)
    private static let missing = Int64.min
    /// Feedback packets are at most this long (one per write; a longer report is split).
    static let packetSize = 1200
    private let arrivals: UnsafeMutablePointer<Int64>
    private let packet: UnsafeMutableRawBufferPointer
    private let deltas: UnsafeMutableRawBufferPointer
    /// Unwrapped sequence numbers: the highest received (-1: none yet) and the first not reported.
    private var highest: Int64 = -1
    private var next: Int64 = 0
    /// The SSRC of the last packet, named as the feedback's media source.
    private var mediaSSRC: UInt32 = 0
    private var feedbackCount: UInt8 = 0
    /// Feedback packets written.
    private(set) var feedbackWritten: UInt64 = 0

    init(extensionID: UInt8) {
        self.extensionID = extensionID
        arrivals = .allocate(capacity: Self.capacity)
        arrivals.initialize(repeating: Self.missing, count: Self.capacity)
        packet = .allocate(byteCount: Self.packetSize, alignment: 8)
        deltas = .allocate(byteCount: Self.packetSize, alignment: 8)
    }

    func deallocate() {
        arrivals.deallocate()
        packet.deallocate()
        deltas.deallocate()
    }

    /// A packet with transport-wide sequence number `sequence` arrived at `time` (µs).
    mutating func received(sequence: UInt16, ssrc: UInt32, at time: Int64) {
        mediaSSRC = ssrc
        guard highest >= 0 else {
            highest = Int64(sequence)
            next = highest
            arrivals[Int(highest & Self.mask)] = time
            return
        }
        let step = Int64(Int16(bitPattern: sequence &- UInt16(truncatingIfNeeded: highest)))
        let unwrapped = highest + step
        if step > 0 {
            if step >= Int64(Self.capacity) {
                // A jump past the whole ring (the sender restarted its numbering): start over.
                next = unwrapped
            } else {
                var s = highest + 1
                while s < unwrapped {
                    arrivals[Int(s & Self.mask)] = Self.missing
                    s += 1
                }
            }
            highest = unwrapped
        } else if unwrapped < next || highest - unwrapped >= Int64(Self.capacity) {
            return  // already reported as lost, or older than the ring
        }
        arrivals[Int(unwrapped & Self.mask)] = time
    }

    /// Writes feedback on every packet not reported yet, calling `send` with each RTCP packet
    /// (more than one when the report is long); nothing when no packet arrived since the last.
    mutating func flush(_ send: (UnsafeRawBufferPointer) -> Void) {
        guard highest >= 0, next <= highest else { return }
        next = max(next, highest - Int64(Self.capacity) + 1)
        while next <= highest {
            let from = next
            let (bytes, packets) = TransportWideCongestionControl.write(
                senderSSRC: 1, mediaSSRC: mediaSSRC, baseSequenceNumber: UInt16(truncatingIfNeeded: from),
                feedbackPacketCount: feedbackCount, count: Int(highest - from + 1),
                arrival: { [arrivals] i in
                    let t = arrivals[Int((from + Int64(i)) & Self.mask)]
                    return t == Self.missing ? nil : t
                },
                into: packet, deltas: deltas)
            guard packets > 0 else { return }
            feedbackCount &+= 1
            feedbackWritten &+= 1
            next += Int64(packets)
            send(UnsafeRawBufferPointer(rebasing: packet[0..<bytes]))
        }
    }
}
