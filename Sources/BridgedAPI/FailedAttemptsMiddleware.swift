import Access
import Hummingbird
import NIOCore

/// Applies `FailedAttempts` to every `/v1/` call: refused at once while blocked, counted when
/// its answer is a guess that failed.
struct FailedAttemptsMiddleware<Context: RemoteAddressRequestContext>: RouterMiddleware {
    let attempts: FailedAttempts

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.isControlCall else { return try await next(request, context) }
        let key = FailedAttempts.Key(address: context.remoteAddress?.ipAddress ?? "unknown",
                                     room: request.roomAndParticipant.room.map { String($0.prefix(64)) })
        if let wait = await attempts.blocked(key, now: .now) {
            let seconds = Int(wait.components.seconds) + 1
            throw APIError(.tooManyRequests, "too_many_attempts",
                           "too many failed attempts from this address\(key.room.map { " on room \($0)" } ?? ""): retry in \(seconds) s")
        }
        // Refusals come through here as thrown APIErrors (only the outer CORS middleware turns
        // them into responses).
        do {
            return try await next(request, context)
        } catch let error as APIError {
            if FailedAttempts.guesses.contains(error.code) { await attempts.failed(key, now: .now) }
            throw error
        }
    }
}
