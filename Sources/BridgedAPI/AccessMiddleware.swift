import Hummingbird

/// Recognises the caller of every `/v1/` call (but the health check and CORS preflights) and
/// keeps a join token inside its scope (`AccessPolicy.checkScope`).
struct AccessMiddleware<Context: CallerContext>: RouterMiddleware {
    let policy: AccessPolicy

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.isControlCall else { return try await next(request, context) }
        let path = request.uri.path
        context.caller = try await policy.caller(request)
        if let claims = context.caller.claims { try AccessPolicy.checkScope(claims, method: request.method, path: path) }
        return try await next(request, context)
    }
}
