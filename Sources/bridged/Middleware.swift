import Hummingbird

/// CORS for browsers calling the API from other origins: `*`, or a list of allowed origins.
/// Preflight requests are answered here.
struct CORSPolicyMiddleware<Context: RequestContext>: RouterMiddleware {
    let origins: [String]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin], origins.contains("*") || origins.contains(origin) else {
            return try await next(request, context)
        }
        var response: Response
        if request.method == .options {
            response = Response(status: .noContent)
            response.headers[.accessControlAllowMethods] = "GET, POST, DELETE, OPTIONS"
            response.headers[.accessControlAllowHeaders] = "authorization, content-type, x-room-secret"
            response.headers[.accessControlMaxAge] = "600"
        } else {
            do {
                response = try await next(request, context)
            } catch let error as any HTTPResponseError {
                response = try error.response(from: request, context: context)
            }
        }
        response.headers[.accessControlAllowOrigin] = origins.contains("*") ? "*" : origin
        response.headers[.vary] = "Origin"
        return response
    }
}

extension Request {
    /// A control call: under `/v1/`, but the health check and CORS preflights (what the audit
    /// log records, and what needs credentials).
    var isControlCall: Bool {
        let path = uri.path
        return path.hasPrefix("/v1/") && path != "/v1/health" && method != .options
    }

    /// The room and participant the path names: `/v1/rooms/{room}[/participants/{participant}[/…]]`.
    var roomAndParticipant: (room: String?, participant: String?) {
        let parts = uri.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard parts.count >= 3, parts[1] == "rooms" else { return (nil, nil) }
        return (parts[2], parts.count >= 5 && parts[3] == "participants" ? parts[4] : nil)
    }
}
