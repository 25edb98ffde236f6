import BridgedStore
import Foundation
import Hummingbird
import Logging
import NIOCore
import SFU

/// Records every control call (`/v1/…`, but the health check and CORS preflights) in the audit
/// log: method, path, status, error code, client address, and the room and participant named by
/// the path. It sits outside the other middleware, so refusals by the API key (401) are recorded
/// too. Recording queues the entry (`AuditLog.record`): the answer never waits for the disk.
struct AuditMiddleware<Context: RemoteAddressRequestContext & CallerContext>: RouterMiddleware {
    let log: AuditLog

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.isControlCall else { return try await next(request, context) }
        let time = Date()
        do {
            let response = try await next(request, context)
            log.record(Self.entry(request, context, time: time, status: response.status.code,
                                  code: response.headers[.init(APIError.codeHeader)!]))
            return response
        } catch let error as any HTTPResponseError {
            log.record(Self.entry(request, context, time: time, status: error.status.code, code: (error as? APIError)?.code))
            throw error
        } catch {
            log.record(Self.entry(request, context, time: time, status: 500, code: nil))
            throw error
        }
    }

    static func entry(_ request: Request, _ context: Context, time: Date, status: Int, code: String?) -> AuditEntry {
        let path = request.uri.path
        let (room, participant) = request.roomAndParticipant
        let denied = status == 401 || status == 403 || status == 429
        return AuditEntry(
            time: time, type: denied ? AuditEntry.accessDenied : AuditEntry.apiCall,
            method: request.method.rawValue, path: String(path.prefix(Self.maxField * 4)), status: status, code: code,
            outcome: status < 400 ? "ok" : denied ? "denied" : "failed",
            client: context.remoteAddress.map(Self.address),
            room: room.map { String($0.prefix(Self.maxField)) }, participant: participant.map { String($0.prefix(Self.maxField)) },
            actor: context.caller.actor)
    }

    /// Path-derived fields are cut at this many characters (ids are at most 64).
    static var maxField: Int { 128 }

    static func address(_ a: SocketAddress) -> String {
        switch a {
        case .v4, .v6: a.ipAddress.map { "\($0):\(a.port ?? 0)" } ?? "\(a)"
        case .unixDomainSocket: a.pathname ?? "unix"
        }
    }
}

/// The bridge's security events that go into the audit log: a kick, a connection replaced
/// (single access), a mute, a moderator granted or revoked, anything of the lobby. (Denied joins and management calls are already there as `access_denied` calls.)
enum AuditEvents {
    static func isAudited(_ e: BridgeEvent) -> Bool {
        (e.type == "participant_left" && (e.reason == "kicked" || e.reason == "replaced"))
            || e.type.hasPrefix("lobby_") || e.type.hasPrefix("participant_muted") || e.type.hasPrefix("moderator_")
    }

    static func entry(_ e: BridgeEvent) -> AuditEntry {
        let time = Self.parseTime(e.time) ?? Date()
        let detail = (try? JSON.encoder.encode(e)).flatMap { String(data: $0, encoding: .utf8) }
        return AuditEntry(time: time, type: e.type,
                          outcome: e.type.hasSuffix("_denied") ? "denied" : e.reason ?? "ok",
                          room: e.room, participant: e.participant, detail: detail)
    }

    /// Feeds the audited events of `bus` into `log` until the task is cancelled.
    static func follow(_ bus: EventBus, into log: AuditLog) -> Task<Void, Never> {
        let (id, events) = bus.subscribe()
        return Task {
            await withTaskCancellationHandler {
                for await record in events {
                    let e = BridgeEvent(record)
                    if isAudited(e) { log.record(entry(e)) }
                }
            } onCancel: {
                bus.unsubscribe(id)
            }
        }
    }

    static func parseTime(_ s: String) -> Date? {
        AuditController.parseTime(s)
    }
}
