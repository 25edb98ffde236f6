import Hummingbird
import Logging

/// `GET` and `PUT /v1/log-level` (`{"level": "debug"}`): the admin's (a join token gets 403).
struct LogLevelController {
    let control: LogLevelControl

    struct Level: Codable { var level: Logger.Level }

    /// `PUT`'s body: a level swift-log knows, else 400 `invalid_level`.
    struct NewLevel: Decodable {
        var level: Logger.Level

        enum CodingKeys: String, CodingKey { case level }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            level = try c.decode(Logger.Level.self, forKey: .level) { other in
                APIError(.badRequest, "invalid_level",
                         "level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")), not \"\(other)\"")
            }
        }
    }

    /// On the `/v1` group.
    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("log-level", use: get)
        group.put("log-level", use: set)
    }

    @Sendable func get(_ request: Request, context: APIRequestContext) async throws -> Response {
        try JSON.response(Level(level: control.current))
    }

    @Sendable func set(_ request: Request, context: APIRequestContext) async throws -> Response {
        let body = try await JSON.decode(NewLevel.self, from: request)
        control.current = body.level
        return try JSON.response(Level(level: body.level))
    }
}
