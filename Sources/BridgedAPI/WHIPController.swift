import Access
import Foundation
import Hummingbird
import ICE
import RTP
import SFU

/// WHIP ingest (RFC 9725) and WHEP playback (draft-ietf-wish-whep) for streaming rooms:
/// `POST /v1/rooms/{id}/whip` (a streamer) and `POST /v1/rooms/{id}/whep` (a viewer) take an
/// `application/sdp` offer and answer `201` with the SDP answer, the session's `Location` and
/// `ETag`, and the ICE servers as `Link` headers. The session resource takes `PATCH` with an
/// `application/trickle-ice-sdpfrag` (trickle, or an ICE restart) and `DELETE`. A session is a
/// participant like any other: standby, `streamers`, the lobby, recording and events apply;
/// the session id is its participant id, and the `ETag` is the bridge's current ICE ufrag.
struct WHIPController {
    /// Which door: ingest (a streamer) or playback (a viewer).
    enum Door: String, Sendable {
        case whip, whep
        var role: ParticipantRole { self == .whip ? .streamer : .viewer }
    }

    let server: MediaServer
    let participants: ParticipantController
    let iceServers: ICEServerController

    /// Offers are small; a body over this is 413.
    static let bodyLimit = 64 * 1024
    static let sdpType = "application/sdp"
    static let fragmentType = "application/trickle-ice-sdpfrag"

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        for door in [Door.whip, .whep] {
            group.post(":room/\(door.rawValue)") { request, context in try await create(door, request, context) }
            group.on(":room/\(door.rawValue)", method: .options) { request, _ in options(door, request) }
            group.patch(":room/\(door.rawValue)/:session") { request, context in try await patch(door, request, context) }
            group.delete(":room/\(door.rawValue)/:session") { request, context in try await delete(door, request, context) }
            group.on(":room/\(door.rawValue)/:session", method: .options) { request, _ in options(door, request, session: true) }
        }
    }

    /// `OPTIONS`: what the resource accepts (and, with CORS configured, the preflight's answer).
    func options(_ door: Door, _ request: Request, session: Bool = false) -> Response {
        var response = Response(status: .noContent)
        response.headers[.allow] = session ? "PATCH, DELETE, OPTIONS" : "POST, OPTIONS"
        if session {
            response.headers[Self.acceptPatch] = Self.fragmentType
        } else {
            response.headers[Self.acceptPost] = Self.sdpType
        }
        return response
    }

    func create(_ door: Door, _ request: Request, _ context: APIRequestContext) async throws -> Response {
        let roomID = try context.parameters.roomID()
        let offer = try await Self.body(of: request, type: Self.sdpType)
        guard offer.hasPrefix("v=") else {
            throw APIError(.badRequest, "invalid_offer", "the body must be an SDP offer starting with v=0")
        }
        // The room must be a streaming room: WHIP and WHEP have no conference signaling.
        let kind = try await APIError.mapping { () async throws(ControlError) in try await server.kind(ofRoom: roomID) }
        guard kind == .streaming else {
            throw APIError(.badRequest, "not_a_streaming_room",
                           "\(door == .whip ? "WHIP ingest" : "WHEP playback") serves streaming rooms; room \(roomID) is a \(kind.rawValue) room")
        }
        let join = MediaServer.ParticipantRequest(offer: offer, role: door.role,
                                                  pin: request.uri.queryParameters["pin"].map(String.init))
        let created = try await participants.admit(join, roomID: roomID, caller: context.caller, asked: .init())
        let answer = try SessionDescription(parsing: created.answer)
        let etag = Self.etag(answer.media.lazy.compactMap(\.iceUfrag).first ?? created.id)
        var response = Response(status: .created, headers: [.contentType: Self.sdpType],
                                body: .init(byteBuffer: ByteBuffer(string: created.answer)))
        response.headers[.location] = "/v1/rooms/\(roomID)/\(door.rawValue)/\(created.id)"
        response.headers[.eTag] = etag
        response.headers[Self.acceptPatch] = Self.fragmentType
        for link in links(user: context.caller.claims?.userID ?? created.id) { response.headers.append(HTTPFields.Element(name: Self.link, value: link)) }
        return response
    }

    /// `PATCH`: a fragment with the session's ICE ufrag is a trickle (the bridge is ICE-lite and
    /// learns the peer's addresses from its checks: 204); new credentials are an ICE restart
    /// (200 with the bridge's new credentials and candidates, and a new `ETag`).
    func patch(_ door: Door, _ request: Request, _ context: APIRequestContext) async throws -> Response {
        let roomID = try context.parameters.roomID()
        let (id, session) = try await self.session(door, roomID, context)
        let text = try await Self.body(of: request, type: Self.fragmentType)
        let fragment: SDPFragment
        do { fragment = try SDPFragment(parsing: text) } catch {
            throw APIError(.badRequest, "invalid_sdpfrag", "the body is not an SDP fragment (RFC 8840): \(error.description)")
        }
        let ifMatch = request.headers[.ifMatch]
        guard let ufrag = fragment.iceUfrag else {
            throw APIError(.badRequest, "invalid_sdpfrag", "the fragment has no a=ice-ufrag")
        }
        if ufrag == session.remote?.ufrag {
            // Trickle: the ETag, when given, must be the session's.
            let etag = Self.etag(session.local.ufrag)
            if let ifMatch, ifMatch != "*", ifMatch != etag {
                throw APIError(.preconditionFailed, "etag_mismatch", "If-Match \(ifMatch) is not this session's ETag (\(etag))")
            }
            return Response(status: .noContent)
        }
        guard let pwd = fragment.icePwd else {
            throw APIError(.badRequest, "invalid_sdpfrag", "ICE ufrag \(ufrag) is not this session's, and an ICE restart needs a=ice-pwd too")
        }
        guard ifMatch == nil || ifMatch == "*" else {
            throw APIError(.preconditionFailed, "etag_mismatch", "an ICE restart takes If-Match: * (RFC 9725 § 4.4.2)")
        }
        let restart = try await APIError.mapping { () async throws(ControlError) in
            try await server.restartICE(roomID: roomID, participantID: id, remote: ICECredentials(ufrag: ufrag, password: pwd))
        }
        let etag = Self.etag(restart.local.ufrag)
        var answer = SDPFragment(attributes: [SDPAttribute(name: "ice-lite"), SDPAttribute(name: "ice-ufrag", value: restart.local.ufrag),
                                              SDPAttribute(name: "ice-pwd", value: restart.local.password)])
        if let mid = restart.mids.first {
            var m = MediaDescription(kind: "audio", port: 9, proto: "UDP/TLS/RTP/SAVPF", formats: ["0"])
            m.append("mid", mid)
            for (i, c) in restart.candidates.enumerated() {
                m.append("candidate", "\(i + 1) 1 udp \(2_130_706_431 - i) \(c.address) \(c.port) typ host generation 0")
            }
            m.append("end-of-candidates")
            answer.media.append(m)
        }
        var response = Response(status: .ok, headers: [.contentType: Self.fragmentType],
                                body: .init(byteBuffer: ByteBuffer(string: answer.serialized())))
        response.headers[.eTag] = etag
        return response
    }

    /// `DELETE`: the session ends (the participant leaves, with its events).
    func delete(_ door: Door, _ request: Request, _ context: APIRequestContext) async throws -> Response {
        let roomID = try context.parameters.roomID()
        let (id, _) = try await self.session(door, roomID, context)
        try await APIError.mapping { () async throws(ControlError) in
            try await server.removeParticipant(roomID: roomID, id: id)
        }
        return Response(status: .ok)
    }

    /// The path's session (a participant of the door's role in the room) and its ICE state,
    /// reachable by the caller: 404 `session_not_found` otherwise.
    private func session(_ door: Door, _ roomID: String, _ context: APIRequestContext) async throws -> (String, MediaServer.ICESession) {
        let id = try context.parameters.require("session")
        guard let s = await server.iceSession(roomID: roomID, participantID: id), s.role == door.role else {
            throw APIError(.notFound, "session_not_found", "no \(door.rawValue.uppercased()) session \(id) in room \(roomID)")
        }
        try await AccessPolicy.requireOwn(context.caller, server, roomID: roomID, participantID: id)
        return (id, s)
    }

    /// The ICE servers as `Link` headers (RFC 9725 § 4.6), TURN with fresh credentials.
    func links(user: String) -> [String] {
        let servers = iceServers.servers(user: isValidUserID(user) ? user : "", now: Int64(Date().timeIntervalSince1970))
        var out: [String] = []
        for s in servers.iceServers {
            for url in s.urls {
                var link = "<\(url)>; rel=\"ice-server\""
                if let u = s.username, let c = s.credential {
                    link += "; username=\"\(u)\"; credential=\"\(c)\"; credential-type=\"password\""
                }
                out.append(link)
            }
        }
        return out
    }

    /// A body of `type` (415 otherwise), at most `bodyLimit` bytes (413), not empty (400).
    static func body(of request: Request, type: String) async throws -> String {
        let given = request.headers[.contentType]?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard given == type else {
            throw APIError(.unsupportedMediaType, "unsupported_media_type",
                           "the body must be \(type), not \(request.headers[.contentType] ?? "(no Content-Type)")")
        }
        var request = request
        let buffer: ByteBuffer
        do { buffer = try await request.collectBody(upTo: bodyLimit) } catch {
            throw APIError(.contentTooLarge, "body_too_large", "request body over \(bodyLimit) bytes")
        }
        guard buffer.readableBytes > 0 else { throw APIError(.badRequest, "missing_body", "an \(type) body is required") }
        return String(decoding: buffer.readableBytesView, as: UTF8.self)
    }

    static func etag(_ tag: String) -> String { "\"\(tag)\"" }
    static let acceptPost = HTTPFields.Element.Name("Accept-Post")!
    static let acceptPatch = HTTPFields.Element.Name("Accept-Patch")!
    static let link = HTTPFields.Element.Name("Link")!
}
