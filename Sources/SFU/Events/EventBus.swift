import Foundation
import NIOConcurrencyHelpers

/// Fan-out of bridge events to subscribers (the `/v1/events` WebSocket, later webhooks).
/// `emit` may be called from any thread, including the data plane's event loops (events are
/// rare: joins, leaves, state changes, never per packet); it never blocks: each subscriber has a
/// bounded buffer, and one that cannot keep up loses its oldest events (visible as a `seq` gap).
public final class EventBus: Sendable {
    private struct State {
        var seq: UInt64 = 0
        var nextSubscriber: UInt64 = 0
        var subscribers: [UInt64: AsyncStream<EventRecord>.Continuation] = [:]
        var counts: [String: UInt64] = [:]
        /// Per subscriber: events it lost because it fell behind (its buffer was full).
        var dropped: [UInt64: UInt64] = [:]
        /// The newest events, for subscribers that resume (`subscribe(after:)`).
        var history: [EventRecord] = []
        var historyStart = 0
    }
    private let state = NIOLockedValueBox(State())
    public static let subscriberBuffer = 10_000
    /// Events kept for subscribers that resume from a `seq`.
    public static let historySize = 1000

    public init() {}

    /// Numbers the event, keeps it for resuming subscribers and hands it to every subscriber.
    public func emit(_ event: Event) {
        let date = Date()
        state.withLockedValue { s in
            s.seq &+= 1
            s.counts[event.name, default: 0] &+= 1
            let event = EventRecord(seq: s.seq, date: date, event: event)
            if s.history.count < Self.historySize {
                s.history.append(event)
            } else {
                s.history[s.historyStart] = event
                s.historyStart = (s.historyStart + 1) % Self.historySize
            }
            // Yielding under the lock keeps every subscriber's order identical to `seq`.
            for (id, c) in s.subscribers {
                if case .dropped = c.yield(event) { s.dropped[id, default: 0] &+= 1 }
            }
        }
    }

    /// A stream of every event from now on; finish it with `unsubscribe`. With `after`, first
    /// the kept events whose `seq` is greater (the last `historySize`; a client that reconnects
    /// passes the last `seq` it saw, one that starts late passes 0).
    /// `bufferSize`: events kept for a subscriber that falls behind (then the oldest go).
    public func subscribe(after: UInt64? = nil, bufferSize: Int = EventBus.subscriberBuffer) -> (id: UInt64, events: AsyncStream<EventRecord>) {
        let (stream, continuation) = AsyncStream.makeStream(of: EventRecord.self,
                                                            bufferingPolicy: .bufferingNewest(max(1, bufferSize)))
        let id = state.withLockedValue { s in
            s.nextSubscriber &+= 1
            s.subscribers[s.nextSubscriber] = continuation
            if let after {
                let n = s.history.count
                for i in 0..<n {
                    let e = s.history[(s.historyStart + i) % n]
                    if e.seq > after { continuation.yield(e) }
                }
            }
            return s.nextSubscriber
        }
        continuation.onTermination = { [weak self] _ in self?.unsubscribe(id) }
        return (id, stream)
    }

    /// Events subscriber `id` lost so far because it fell behind.
    public func dropped(subscriber id: UInt64) -> UInt64 {
        state.withLockedValue { $0.dropped[id] ?? 0 }
    }

    public func unsubscribe(_ id: UInt64) {
        let c = state.withLockedValue { s in
            s.dropped[id] = nil
            return s.subscribers.removeValue(forKey: id)
        }
        c?.finish()
    }

    public var subscriberCount: Int { state.withLockedValue { $0.subscribers.count } }

    /// Events emitted so far, by type.
    public var counts: [String: UInt64] { state.withLockedValue { $0.counts } }

    public var lastSequence: UInt64 { state.withLockedValue { $0.seq } }
}
