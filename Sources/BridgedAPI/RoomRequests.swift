import SFU

/// `POST /v1/rooms`: `{"id"?, "kind", "description"?, …settings}`, the settings
/// (`RoomSettings`: record, max_members, pin, lobby, …) at the same level as the id.
struct CreateRoom: Decodable {
    var id: String?
    var kind: RoomKind
    var description: String?
    var settings: RoomSettings

    enum CodingKeys: String, CodingKey { case id, kind, description }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decodeIfPresent(String.self, forKey: .id)
        kind = try c.decode(RoomKind.self, forKey: .kind) { kind in
            APIError(.badRequest, "invalid_kind",
                     "unknown room kind \"\(kind)\"; supported: \(RoomKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        description = try c.decodeIfPresent(String.self, forKey: .description)
        settings = try RoomSettings(from: decoder)
    }
}

extension RoomSettings {
    /// What the API checks beside the SFU (`MediaServer.createRoom` checks the rest): 400
    /// `invalid_option`.
    func checkPinAndSecret() throws(APIError) {
        for (name, value) in [("pin", pin), ("secret", secret)] {
            if let value, value.isEmpty || value.utf8.count > 256 {
                throw APIError(.badRequest, "invalid_option", "\(name) must be 1-256 characters")
            }
        }
        if let pin, pin == secret {
            throw APIError(.badRequest, "invalid_option", "pin (to join) and secret (to manage) must differ")
        }
    }
}

/// `GET /v1/rooms`.
struct RoomList: Encodable { var rooms: [RoomInfo] }
