import Foundation
import NIOConcurrencyHelpers

/// One event for the signaling server, in the order the bridge saw it happen.
public struct BridgeEvent: Sendable, Codable, Equatable {
    /// 1, 2, 3 … over the life of the process: a gap means the subscriber missed events.
    public var seq: UInt64
    /// ISO 8601, UTC, milliseconds.
    public var time: String
    public var type: String
    public var room: String?
    public var participant: String?
    public var role: String?
    public var display: String?
    public var kind: String?
    /// Why (participant_left, room_destroyed, webrtc_down): api, idle, ice_timeout, dtls_failed, …
    public var reason: String?
    /// streamer_changed: the new streamer, nil when the room has none.
    public var streamer: String?
    /// recording_started, recording_stopped: the recording's id and its files.
    public var recording: String?
    public var files: [String]?
    /// recording_ready: the playable file; `recovered` when it was built at a later start,
    /// after the process had died.
    public var playable: String?
    public var recovered: Bool?
    /// recording_hook_finished: the hook's exit status.
    public var status: Int?
    /// speaking: started (true) or stopped (false).
    public var speaking: Bool?
    /// track_published, track_unpublished: the track's id ("<participant>/<mid>").
    public var track: String?
}

/// Fan-out of bridge events to subscribers (the `/v1/events` WebSocket, later webhooks).
/// `emit` may be called from any thread, including the data plane's event loops (events are
/// rare: joins, leaves, state changes, never per packet); it never blocks: each subscriber has a
/// bounded buffer, and one that cannot keep up loses its oldest events (visible as a `seq` gap).
public final class EventBus: Sendable {
    private struct State {
        var seq: UInt64 = 0
        var nextSubscriber: UInt64 = 0
        var subscribers: [UInt64: AsyncStream<BridgeEvent>.Continuation] = [:]
        var counts: [String: UInt64] = [:]
        /// Per subscriber: events it lost because it fell behind (its buffer was full).
        var dropped: [UInt64: UInt64] = [:]
        /// The newest events, for subscribers that resume (`subscribe(after:)`).
        var history: [BridgeEvent] = []
        var historyStart = 0
    }
    private let state = NIOLockedValueBox(State())
    public static let subscriberBuffer = 10_000
    /// Events kept for subscribers that resume from a `seq`.
    public static let historySize = 1000

    public init() {}

    public func emit(_ type: String, room: String? = nil, participant: String? = nil, role: String? = nil,
                     display: String? = nil, kind: String? = nil, reason: String? = nil, streamer: String? = nil,
                     recording: String? = nil, files: [String]? = nil, recovered: Bool? = nil, playable: String? = nil,
                     status: Int? = nil, speaking: Bool? = nil, track: String? = nil) {
        let time = Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        state.withLockedValue { s in
            s.seq &+= 1
            s.counts[type, default: 0] &+= 1
            let event = BridgeEvent(seq: s.seq, time: time, type: type, room: room, participant: participant, role: role,
                                    display: display, kind: kind, reason: reason, streamer: streamer,
                                    recording: recording, files: files, playable: playable, recovered: recovered,
                                    status: status, speaking: speaking, track: track)
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
    public func subscribe(after: UInt64? = nil, bufferSize: Int = EventBus.subscriberBuffer) -> (id: UInt64, events: AsyncStream<BridgeEvent>) {
        let (stream, continuation) = AsyncStream.makeStream(of: BridgeEvent.self,
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
