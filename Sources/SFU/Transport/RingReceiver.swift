import Rings

/// Whoever takes a worker's ring messages for one room token: the room's home (key-frame
/// requests, NACKs) or its viewer group on another worker (media, retransmissions, reports).
/// Called on the receiving worker's loop.
protocol RingReceiver: AnyObject {
    func receive(_ message: RingMessage, from worker: Int, now: ContinuousClock.Instant)
}
