import Foundation
import Hummingbird
import HummingbirdWebSocket
import SFU

/// `GET /v1/events`: a WebSocket that carries every bridge event as one JSON text message, in
/// order, from the moment it connects (`seq` numbers let the client see a gap if it fell behind).
/// `?since=N` first replays the kept events after `seq` N (the last 1000), so that a client
/// that reconnects, or starts after bridged, misses nothing recent.
struct EventController {
    let events: EventBus

    func addRoutes(to router: Router<WebSocketAPIContext>) {
        router.ws("/v1/events") { request, _ in
            if let since = request.uri.queryParameters["since"], UInt64(since) == nil {
                throw APIError(.badRequest, "invalid_since", "since must be an event's seq (a whole number), not \"\(since)\"")
            }
            return .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            let since = context.request.uri.queryParameters["since"].flatMap { UInt64($0) }
            let (id, stream) = events.subscribe(after: since)
            defer { events.unsubscribe(id) }
            // Reading drains pings and notices the close; writing sends the events.
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await _ in inbound {}
                }
                group.addTask {
                    for await event in stream {
                        let data = try JSON.encoder.encode(BridgeEvent(event))
                        try await outbound.write(.text(String(decoding: data, as: UTF8.self)))
                    }
                }
                try await group.next()
                group.cancelAll()
            }
        }
    }
}
