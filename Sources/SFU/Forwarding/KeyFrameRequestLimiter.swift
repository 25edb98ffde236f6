/// At most one key-frame request per interval towards a publisher, however many viewers ask
/// (joins, streamer changes, viewers' own PLIs): a key frame costs the publisher several times a
/// delta frame's bits, and one key frame serves every viewer. Time is passed in.
public struct KeyFrameRequestLimiter: Sendable {
    public let interval: Duration
    private var last: ContinuousClock.Instant?
    public private(set) var sent: UInt64 = 0
    public private(set) var absorbed: UInt64 = 0

    public init(interval: Duration = .milliseconds(500)) {
        self.interval = interval
    }

    /// True if a request should go to the publisher now.
    public mutating func shouldRequest(now: ContinuousClock.Instant) -> Bool {
        if let last, now - last < interval {
            absorbed &+= 1
            return false
        }
        last = now
        sent &+= 1
        return true
    }
}
