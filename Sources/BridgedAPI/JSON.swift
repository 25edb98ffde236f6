import Foundation
import Hummingbird
import SFU

/// The API's JSON: snake_case keys, sorted; bodies decoded with 400s naming the problem.
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
        } catch let error as APIError {
            // A value a request type refused (an unknown role, kind, action…).
            throw error
        } catch let error as ControlError {
            // A room setting `RoomSettings` refused.
            throw APIError(error)
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
