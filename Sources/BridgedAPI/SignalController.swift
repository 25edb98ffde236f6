import Foundation
import Hummingbird
import HummingbirdWebSocket
import SFU

/// `GET /v1/rooms/{id}/participants/{pid}/signal`: a conference member's signaling channel (a
/// WebSocket of JSON text messages, docs/api.md): the bridge's offers when the member's tracks
/// change, the member's answers, and offers of its own (a screen share).
struct SignalController {
    let server: MediaServer
    let guards: RoomGuard

    /// The WebSocket route, on the upgrade router.
    func addRoutes(to router: Router<WebSocketAPIContext>) {
        router.ws("/v1/rooms/:room/participants/:participant/signal") { _, context in
            // Only an existing member of a conference room may connect; with a join token, only
            // the member that joined with its user id.
            let room = try context.parameters.roomID()
            let pid = try checkedID(try context.parameters.participantID(), what: "participant")
            try await guards.requireOwn(context, room, pid, moderators: false)
            return .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            let room = context.requestContext.parameters.get("room") ?? ""
            let pid = context.requestContext.parameters.get("participant") ?? ""
            let (messages, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(256))
            do {
                try await server.attachSignal(roomID: room, participantID: pid) { continuation.yield(SignalJSON.encode($0)) }
            } catch let e as ControlError {
                try await outbound.write(.text(Self.error(e)))
                try await outbound.close(.policyViolation, reason: APIError(e).code)
                return
            }
            defer { continuation.finish() }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        guard case .text(let text) = message else {
                            continuation.yield(Self.error(.invalidSignal("binary messages are not understood")))
                            continue
                        }
                        do {
                            try await server.signal(roomID: room, participantID: pid, try SignalJSON.parse(text))
                        } catch let e as ControlError {
                            continuation.yield(Self.error(e))
                        }
                    }
                }
                group.addTask {
                    for await message in messages { try await outbound.write(.text(message)) }
                }
                try await group.next()
                group.cancelAll()
            }
            await server.detachSignal(roomID: room, participantID: pid)
        }
    }

    /// A plain GET of the signaling path (no upgrade), on the API router: the access checks'
    /// answer, else 426.
    func addFallbackRoute(to group: RouterGroup<APIRequestContext>) {
        group.get(":room/participants/:participant/signal", use: fallback)
    }

    @Sendable func fallback(_ request: Request, context: APIRequestContext) async throws -> Response {
        let (roomID, participantID) = try (context.parameters.roomID(), context.parameters.participantID())
        try await guards.requireOwn(context, roomID, participantID, moderators: false)
        throw APIError(.upgradeRequired, "websocket_required",
                       "the signaling channel is a WebSocket (Upgrade: websocket) of a conference member")
    }

    /// An error as a signaling message: `{"type": "error", "code", "message"}`.
    static func error(_ e: ControlError) -> String { SignalJSON.encode(.error(e)) }
}
