/// How long the data plane takes per datagram, from the read to its copies queued for sending,
/// averaged over each read batch (two clock reads per batch, none per packet). Fixed buckets,
/// loop-confined, no allocation: the `/metrics` histogram `bridged_forwarding_seconds`.
public struct ForwardingHistogram: Sendable, Equatable, Codable {
    /// Upper bounds in seconds.
    public static let bounds: [Double] = [1e-6, 2e-6, 5e-6, 10e-6, 20e-6, 50e-6, 100e-6, 200e-6, 500e-6, 1e-3, 5e-3]
    /// Per bucket (not cumulative); the last one is +Inf.
    public private(set) var counts = [UInt64](repeating: 0, count: ForwardingHistogram.bounds.count + 1)
    public private(set) var sum: Double = 0
    public private(set) var count: UInt64 = 0

    public init() {}

    /// `packets` datagrams that took `seconds` each.
    public mutating func record(seconds: Double, packets: Int) {
        var i = 0
        while i < Self.bounds.count && seconds > Self.bounds[i] { i += 1 }
        counts[i] &+= UInt64(packets)
        count &+= UInt64(packets)
        sum += seconds * Double(packets)
    }

    public static func + (a: ForwardingHistogram, b: ForwardingHistogram) -> ForwardingHistogram {
        var c = a
        for i in c.counts.indices { c.counts[i] &+= b.counts[i] }
        c.sum += b.sum
        c.count &+= b.count
        return c
    }
}
