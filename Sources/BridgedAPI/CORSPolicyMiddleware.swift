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
            response.headers[.accessControlAllowMethods] = "GET, POST, PATCH, DELETE, OPTIONS"
            response.headers[.accessControlAllowHeaders] = "authorization, content-type, if-match, x-room-secret"
            response.headers[.accessControlMaxAge] = "600"
        } else {
            do {
                response = try await next(request, context)
            } catch let error as any HTTPResponseError {
                response = try error.response(from: request, context: context)
            }
        }
        response.headers[.accessControlAllowOrigin] = origins.contains("*") ? "*" : origin
        // WHIP and WHEP clients read the session's URL, its ETag and the ICE servers.
        response.headers[.accessControlExposeHeaders] = "Location, ETag, Link, Accept-Patch, X-Error-Code"
        response.headers[.vary] = "Origin"
        return response
    }
}
