/// A receive-side bandwidth estimate, sent in REMB, for publishers that take REMB but not
/// transport-cc (aiortc, older stacks): Google congestion control's delay-based part
/// (draft-ietf-rmcat-gcc-02 §5: arrival-time filter, over-use detector, rate controller) over
/// the abs-send-time header extension, and its loss-based part (§6) over the reception
/// statistics. A browser with transport-cc estimates on its own side and never gets this.
///
/// The detector and the controller are `DelayTrend` and `RateController`, shared with the
/// downlink estimate (`SendSideEstimator`). Values only, no allocation: time is injected in
/// seconds.
struct ReceiveSideEstimator {
    /// abs-send-time: 6.18 fixed-point seconds in 24 bits (wraps every 64 s).
    private static let sendTimeUnit = 1.0 / Double(1 << 18)

    private var lastRaw: UInt32?
    private var sendTime = 0.0
    private var trend = DelayTrend()
    private var controller = RateController()
    var usage: DelayTrend.Usage { trend.usage }
    /// The estimate in bits per second (nil until the first update).
    var estimate: Double? { controller.estimate }

    /// A packet with this abs-send-time arrived at `arrival` (seconds). True when the link
    /// just started to over-use: the estimate should drop and be sent at once.
    mutating func received(absSendTime raw: UInt32, arrival: Double) -> Bool {
        let raw = raw & 0xFF_FFFF
        if let last = lastRaw {
            // Signed 24-bit difference: later packets may come first.
            let diff = Int32(bitPattern: (raw &- last) << 8) >> 8
            sendTime += Double(diff) * Self.sendTimeUnit
        }
        lastRaw = raw
        return trend.packet(sent: sendTime, arrival: arrival)
    }

    /// The rate controller (`RateController`), each second and at the start of an over-use.
    /// Returns the estimate in bits per second.
    mutating func update(incoming: Double, fractionLost: UInt8, now: Double) -> Double {
        controller.update(incoming: incoming, fractionLost: fractionLost, usage: trend.usage, now: now)
    }
}
