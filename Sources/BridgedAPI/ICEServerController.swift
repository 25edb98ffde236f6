import Foundation
import Hummingbird
import ICE
import SFU

/// `GET /v1/ice-servers[?user=ID]`: the ICE servers a client passes to its RTCPeerConnection,
/// TURN ones with fresh TURN REST API credentials (docs/api.md).
struct ICEServerController {
    let stun: [String]
    let turn: [String]
    let secret: String?
    let ttl: Int64

    struct ICEServer: Encodable {
        var urls: [String]
        var username: String?
        var credential: String?
    }

    struct ICEServers: Encodable {
        var iceServers: [ICEServer]
        /// Unix seconds when the TURN credentials expire (absent without TURN).
        var expires: Int64?
    }

    func servers(user: String, now: Int64) -> ICEServers {
        var out = ICEServers(iceServers: [])
        if !stun.isEmpty { out.iceServers.append(ICEServer(urls: stun)) }
        if !turn.isEmpty, let secret {
            let c = TURNCredentials(secret: secret, user: user, ttl: ttl, now: now)
            out.iceServers.append(ICEServer(urls: turn, username: c.username, credential: c.password))
            out.expires = c.expires
        }
        return out
    }

    /// On the `/v1` group.
    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("ice-servers", use: list)
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> Response {
        let user = request.uri.queryParameters["user"].map(String.init) ?? ""
        // The user goes into the TURN username ("expiry:user"): keep it plain.
        guard user.isEmpty || isValidUserID(user) else {
            throw APIError(.badRequest, "invalid_user", "user must be 1-64 characters from A-Z a-z 0-9 _ - . @")
        }
        return try JSON.response(servers(user: user, now: Int64(Date().timeIntervalSince1970)))
    }
}
