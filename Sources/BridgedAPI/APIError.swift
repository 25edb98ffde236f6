import Hummingbird

/// Every API error: a status and a JSON body `{"error": {"code": …, "message": …}}`, the code
/// also in the `X-Error-Code` header. Messages are fixed text and the caller's own values,
/// never a Swift error's description (that goes to the log).
struct APIError: HTTPResponseError, Equatable {
    var status: HTTPResponse.Status
    var code: String
    var message: String

    init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try JSON.response(ErrorBody(error: .init(code: code, message: message)), status: status)
        response.headers[.init(Self.codeHeader)!] = code  // for the audit log, whichever middleware made this response
        return response
    }

    /// `X-Error-Code`: the error's code, also in the body.
    static let codeHeader = "X-Error-Code"
}

/// The body of every error answer.
struct ErrorBody: Codable {
    struct Inner: Codable {
        var code: String
        var message: String
    }
    var error: Inner
}
