import Foundation

extension MediaServer {
    /// Counters of every worker, and participants by role.
    public func stats() async -> ServerStats {
        var stats = ServerStats(workers: workers.count, ports: workers.map(\.localPort), rooms: rooms.count,
                                transports: 0, datagramsReceived: 0, datagramsSent: 0, bytesReceived: 0, bytesSent: 0,
                                participants: [:], dropped: [:], forwarding: ForwardingHistogram())
        var drops = DropCounters()
        for w in workers {
            let (t, r, s, br, bs, d, f, gso, fb) = (try? await w.eventLoop.submit {
                (w.transports.count, w.datagramsReceived, w.datagramsSent, w.bytesReceived, w.bytesSent, w.drops, w.forwarding,
                 w.segmentation, w.feedback)
            }.get()) ?? (0, 0, 0, 0, 0, DropCounters(), ForwardingHistogram(), (datagrams: UInt64(0), messages: UInt64(0)),
                         FeedbackCounters())
            stats.feedback = stats.feedback + fb
            stats.segmentedDatagrams += gso.datagrams
            stats.segmentedMessages += gso.messages
            stats.forwarding = stats.forwarding + f
            stats.transports += t
            stats.datagramsReceived += r
            stats.datagramsSent += s
            stats.bytesReceived += br
            stats.bytesSent += bs
            drops = drops + d
        }
        stats.dropped = drops.dictionary
        for id in rooms.keys {
            for p in await info(id).participants {
                stats.participants[p.role.rawValue, default: 0] += 1
                stats.downlink.add(p)
            }
        }
        return stats
    }
}
