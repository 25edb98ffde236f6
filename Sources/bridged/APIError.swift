import Foundation
import Hummingbird
import SFU

/// Every API error: a status and a JSON body `{"error": {"code": …, "message": …}}`.
struct APIError: HTTPResponseError {
    var status: HTTPResponse.Status
    var code: String
    var message: String

    init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    init(_ error: ControlError) {
        let status: HTTPResponse.Status = switch error {
        case .roomExists, .streamerPresent, .recordingExists, .alreadyJoined: .conflict
        case .roomNotFound, .participantNotFound, .recordingNotFound, .trackNotFound: .notFound
        case .invalidID, .negotiation, .invalidRole, .notRecordable, .invalidSignal, .notConference, .invalidOption: .badRequest
        case .roomFull, .wrongPin, .wrongSecret, .banned, .notAllowed: .forbidden
        case .transport, .recordingFailed: .internalServerError
        }
        self.init(status, error.code, error.message)
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try JSON.response(ErrorBody(error: .init(code: code, message: message)), status: status)
        response.headers[.init(Self.codeHeader)!] = code  // for the audit log, whichever middleware made this response
        return response
    }

    /// `X-Error-Code`: the error's code, also in the body.
    static let codeHeader = "X-Error-Code"
}

struct ErrorBody: Encodable {
    struct Inner: Encodable {
        var code: String
        var message: String
    }
    var error: Inner
}

enum JSON {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        return d
    }()

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Decodes a request body; a missing or malformed body is a 400 naming the problem.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int = 1 << 20) async throws -> T {
        var request = request
        let buffer: ByteBuffer
        do { buffer = try await request.collectBody(upTo: limit) } catch {
            throw APIError(.contentTooLarge, "body_too_large", "request body over \(limit) bytes")
        }
        guard buffer.readableBytes > 0 else { throw APIError(.badRequest, "missing_body", "a JSON body is required") }
        return try decode(type, from: Data(buffer.readableBytesView))
    }

    /// Decodes a body already read; malformed is a 400 naming the problem.
    static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        do {
            return try decoder.decode(T.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw APIError(.badRequest, "invalid_body", "missing field \"\(key.stringValue.snakeCased)\"")
        } catch let DecodingError.typeMismatch(_, ctx), let DecodingError.valueNotFound(_, ctx) {
            let path = ctx.codingPath.map { $0.stringValue.snakeCased }.joined(separator: ".")
            throw APIError(.badRequest, "invalid_body", "field \"\(path)\" has the wrong type")
        } catch let DecodingError.dataCorrupted(ctx) {
            let path = ctx.codingPath.map { $0.stringValue.snakeCased }.joined(separator: ".")
            throw APIError(.badRequest, "invalid_body", path.isEmpty ? "the body is not valid JSON" : "field \"\(path)\": \(ctx.debugDescription)")
        } catch {
            throw APIError(.badRequest, "invalid_body", "the body is not valid JSON")
        }
    }
}

extension String {
    var snakeCased: String {
        var out = ""
        for c in self {
            if c.isUppercase { out.append("_"); out.append(Character(c.lowercased())) } else { out.append(c) }
        }
        return out
    }
}
