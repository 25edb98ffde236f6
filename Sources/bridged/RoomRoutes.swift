import Access
import BridgedStore
import Foundation
import Hummingbird
import RTP
import SFU

/// `/v1/rooms` and `/v1/rooms/{id}/participants`: see docs/api.md.
struct RoomRoutes {
    let server: MediaServer
    /// Where permanent rooms (PermanentRooms.swift) and used or revoked token ids are kept.
    let store: Store

    struct CreateRoom: Decodable {
        var id: String?
        var kind: String
        var description: String?
        /// Record every streamer from the moment it publishes.
        var record: Bool?
        /// Conference rooms: at most this many members; music on hold for a member alone.
        var maxMembers: Int?
        var musicOnHold: Bool?
        /// Needed to join; needed to manage (header `X-Room-Secret`).
        var pin: String?
        var secret: String?
        /// Conference rooms: members (moderators aside) wait in the lobby until admitted.
        var lobby: Bool?
        /// Stored and re-created at the next start; never expires idle.
        var permanent: Bool?
        /// Streaming rooms: who may stream (user ids, "*", "moderators"); others on standby.
        var streamers: [String]?
        /// One connection per user id: "refuse" or "replace" a second join.
        var singleAccess: String?
    }

    struct CreateParticipant: Decodable {
        var offer: String
        var display: String?
        var role: String?
        /// "client" or "server": which DTLS role the bridge takes when the offer says actpass.
        var dtlsRole: String?
        /// Record this streamer from the moment it publishes.
        var record: Bool?
        /// Conference members: what each published section is ("microphone", "camera",
        /// "screen"), by mid.
        var sources: [String: String]?
        /// The room's pin, if it has one; who this is (what a kick's ban names).
        var pin: String?
        var userId: String?
        /// Conference rooms: wait in the lobby; a moderator skips a lobby room's lobby.
        var lobby: Bool?
        var moderator: Bool?
        /// One connection for this user id (refused or replaced as the room says).
        var singleAccess: Bool?
    }

    struct Lobby: Decodable { var action: String }

    struct Kick: Decodable { var banS: Double? }
    struct Moderator: Decodable { var moderator: Bool }
    struct Revoke: Decodable {
        var jti: String
        /// When the token expires (seconds since 1970): it is remembered until then.
        var exp: Double?
    }
    struct Mute: Decodable {
        var kind: String
        var muted: Bool?
    }

    struct Subscriptions: Decodable {
        /// Track ids ("<participant>/<mid>") to pause or resume.
        var tracks: [String]?
        var paused: Bool?
        /// At most this many video tracks, by who spoke last; null: all.
        var maxVideo: Int?
        var hasMaxVideo = false

        enum CodingKeys: String, CodingKey { case tracks, paused, maxVideo }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            tracks = try c.decodeIfPresent([String].self, forKey: .tracks)
            paused = try c.decodeIfPresent(Bool.self, forKey: .paused)
            hasMaxVideo = c.contains(.maxVideo)
            maxVideo = try c.decodeIfPresent(Int.self, forKey: .maxVideo)
        }
    }
    struct SubscriptionList: Encodable { var tracks: [TrackInfo] }

    struct StartRecording: Decodable {
        /// Only these participants (default: whoever publishes).
        var participants: [String]?
        /// Stop after this many seconds without a packet.
        var noMediaTimeoutS: Double?
    }

    struct RoomList: Encodable { var rooms: [RoomInfo] }
    struct RecordingList: Encodable { var recordings: [RecordingInfo] }

    /// A room id from the path, checked before it can reach a file name: 400 naming the problem.
    static func checkedRoomID(_ id: String) throws -> String { try checkedID(id, what: "room") }

    /// The `X-Room-Secret` header, if given.
    static func roomSecret(_ request: Request) -> String? {
        request.headers.first { $0.name.canonicalName == "x-room-secret" }?.value
    }

    /// Managing a room that has a secret needs it in `X-Room-Secret`: 403 otherwise.
    func requireSecret(_ request: Request, _ roomID: String) async throws {
        do { try await server.checkSecret(roomID: roomID, secret: Self.roomSecret(request)) }
        catch let e as ControlError { throw APIError(e) }
    }

    /// Managing a room: the admin key, a moderator's join token (`moderators`), or else the
    /// room's secret when it has one. A token that is not a moderator's: 403 `not_a_moderator`.
    func requireManager(_ request: Request, _ context: APIRequestContext, _ roomID: String, moderators: Bool = true) async throws {
        switch context.caller {
        case .admin:
            return
        case .token(let claims):
            if moderators, let user = claims.userID, await server.isModerator(roomID: roomID, user: user) { return }
            if Self.roomSecret(request) != nil {
                try await requireSecret(request, roomID)
                return
            }
            throw APIError(.forbidden, "not_a_moderator",
                           "this needs a moderator of room \(roomID), and user \(claims.userID ?? "(none)") is not one there")
        case .open:
            try await requireSecret(request, roomID)
        }
    }

    /// A participant's own endpoints (`AccessPolicy.requireOwn`).
    func requireOwn(_ context: APIRequestContext, _ roomID: String, _ participantID: String, moderators: Bool = true) async throws {
        try await AccessPolicy.requireOwn(context.caller, server, roomID: roomID, participantID: participantID, moderators: moderators)
    }

    /// A join with a token: the token's claims decide the user id, name, role, moderator,
    /// lobby, recording and single access; the body may only ask for less (a viewer instead of
    /// a publisher). A single-use invite is used up here (401 `token_used` the second time).
    func applyToken(_ claims: JoinClaims, to request: inout MediaServer.ParticipantRequest, body: CreateParticipant) async throws {
        if let r = claims.role {
            guard let granted = ParticipantRole(rawValue: r), granted != .echo else {
                throw APIError(.forbidden, "not_allowed", "the token's role \"\(r)\" is not one of member, viewer, streamer")
            }
            if let asked = request.role, asked != granted, asked != .viewer {
                throw APIError(.forbidden, "not_allowed", "the token allows role \(r), not \(asked.rawValue)")
            }
            request.role = request.role ?? granted
        }
        if body.moderator == true, !claims.moderator {
            throw APIError(.forbidden, "not_allowed", "the token does not make its holder a moderator")
        }
        if body.record == true, !claims.record {
            throw APIError(.forbidden, "not_allowed", "the token does not allow recording")
        }
        if let asked = body.userId, asked != claims.userID {
            throw APIError(.forbidden, "not_allowed", "the user id comes from the token (\(claims.userID ?? "none")), not the body")
        }
        request.userID = claims.userID
        request.display = claims.name ?? request.display
        request.moderator = claims.moderator
        request.lobby = request.lobby || claims.lobby
        request.record = claims.record
        request.singleAccess = request.singleAccess || claims.singleAccess
        request.tokenAdmitted = true
    }

    static func checkedID(_ id: String, what: String) throws -> String {
        guard isValidID(id) else {
            throw APIError(.badRequest, "invalid_id",
                           "invalid \(what) id \"\(id.unicodeScalars.map { $0.value < 0x20 ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined())\": use 1-64 characters from A-Z a-z 0-9 _ -")
        }
        return id
    }

    func register(on router: Router<APIRequestContext>) {
        let rooms = router.group("v1/rooms")
        rooms.post { request, _ in
            let body = try await JSON.decode(CreateRoom.self, from: request)
            guard let kind = RoomKind(rawValue: body.kind) else {
                throw APIError(.badRequest, "invalid_kind",
                               "unknown room kind \"\(body.kind)\"; supported: \(RoomKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            for (name, value) in [("pin", body.pin), ("secret", body.secret)] {
                if let value, value.isEmpty || value.utf8.count > 256 {
                    throw APIError(.badRequest, "invalid_option", "\(name) must be 1-256 characters")
                }
            }
            if let pin = body.pin, pin == body.secret {
                throw APIError(.badRequest, "invalid_option", "pin (to join) and secret (to manage) must differ")
            }
            var singleAccess: SingleAccess?
            if let value = body.singleAccess {
                guard let parsed = SingleAccess(rawValue: value) else {
                    throw APIError(.badRequest, "invalid_option", "single_access must be \"refuse\" or \"replace\", not \"\(value)\"")
                }
                singleAccess = parsed
            }
            do {
                var options = MediaServer.RoomOptions(record: body.record ?? false, maxMembers: body.maxMembers,
                                                      musicOnHold: body.musicOnHold ?? false, pin: body.pin, secret: body.secret,
                                                      lobby: body.lobby ?? false)
                options.permanent = body.permanent ?? false
                options.streamers = body.streamers
                options.singleAccess = singleAccess
                let info = try await server.createRoom(id: body.id, kind: kind, description: body.description, options: options)
                try await PermanentRooms.created(info, options, description: body.description, server: server, store: store)
                return try JSON.response(info, status: .created)
            } catch let e as ControlError { throw APIError(e) }
        }
        rooms.get { _, _ in try JSON.response(RoomList(rooms: await server.listRooms())) }
        rooms.get(":room") { _, context in
            do { return try JSON.response(try await server.room(id: try context.parameters.require("room"))) }
            catch let e as ControlError { throw APIError(e) }
        }
        rooms.delete(":room") { request, context in
            let roomID = try context.parameters.require("room")
            try await requireManager(request, context, roomID, moderators: false)
            do {
                try await server.deleteRoom(id: roomID)
                await PermanentRooms.deleted(roomID, store: store, logger: context.logger)
                return Response(status: .noContent)
            } catch let e as ControlError { throw APIError(e) }
        }
        rooms.post(":room/participants") { request, context in
            let roomID = try context.parameters.require("room")
            let body = try await JSON.decode(CreateParticipant.self, from: request)
            var role: DTLSConnection.Role?
            switch body.dtlsRole {
            case nil: role = nil
            case "client"?: role = .client
            case "server"?: role = .server
            case let other?: throw APIError(.badRequest, "invalid_dtls_role", "dtls_role must be \"client\" or \"server\", not \"\(other)\"")
            }
            var participantRole: ParticipantRole?
            if let r = body.role {
                guard let parsed = ParticipantRole(rawValue: r) else {
                    throw APIError(.badRequest, "invalid_role", "role must be \"streamer\", \"viewer\", \"member\" or \"echo\", not \"\(r)\"")
                }
                participantRole = parsed
            }
            var sources: [String: TrackSource] = [:]
            for (mid, value) in body.sources ?? [:] {
                guard let s = TrackSource(rawValue: value), s != .hold else {
                    throw APIError(.badRequest, "invalid_source", "source of mid \(mid) must be \"microphone\", \"camera\" or \"screen\", not \"\(value)\"")
                }
                sources[mid] = s
            }
            guard body.offer.hasPrefix("v=") else {
                throw APIError(.badRequest, "invalid_offer", "offer must be an SDP offer starting with v=0")
            }
            if let user = body.userId, !isValidUserID(user) {
                throw APIError(.badRequest, "invalid_user_id", "user_id must be 1-64 characters from A-Z a-z 0-9 _ - . @")
            }
            var join = MediaServer.ParticipantRequest(
                offer: body.offer, role: participantRole, display: body.display, dtlsRole: role, record: body.record ?? false,
                sources: sources, pin: body.pin, userID: body.userId, lobby: body.lobby ?? false, moderator: body.moderator ?? false)
            join.singleAccess = body.singleAccess ?? false
            var invite: JoinClaims?
            if let claims = context.caller.claims {
                try await applyToken(claims, to: &join, body: body)
                if claims.singleUse, let jti = claims.jti {
                    guard try await store.useInvite(jti: jti, room: roomID, expiresAt: claims.expires) else {
                        throw APIError(TokenError.used(jti))
                    }
                    invite = claims
                }
            }
            do {
                let created = try await server.addParticipant(roomID: roomID, join)
                return try JSON.response(created, status: .created)
            } catch let e as ControlError {
                // A join that failed leaves the invite usable.
                if let jti = invite?.jti { try? await store.forgetTokenID(jti: jti) }
                throw APIError(e)
            }
        }
        rooms.post(":room/recordings") { request, context in
            let roomID = try Self.checkedRoomID(try context.parameters.require("room"))
            try await requireManager(request, context, roomID, moderators: false)
            // The body is optional ({} or nothing); it must be a JSON object when present.
            var request = request
            let buffer = try await request.collectBody(upTo: 1 << 16)
            var body = StartRecording()
            if buffer.readableBytes > 0 {
                let data = Data(buffer.readableBytesView)
                guard (try? JSONSerialization.jsonObject(with: data)) is [String: Any] else {
                    throw APIError(.badRequest, "invalid_body", "the body must be a JSON object (or empty)")
                }
                body = try JSON.decode(StartRecording.self, from: data)
            }
            if let t = body.noMediaTimeoutS, !(t > 0 && t <= 86400) {
                throw APIError(.badRequest, "invalid_no_media_timeout", "no_media_timeout_s must be a number of seconds in (0, 86400]")
            }
            if let list = body.participants {
                guard !list.isEmpty else {
                    throw APIError(.badRequest, "invalid_participants", "participants must list at least one participant id (or be left out)")
                }
                for p in list { _ = try Self.checkedID(p, what: "participant") }
            }
            do {
                return try JSON.response(try await server.startRecording(
                    roomID: roomID, participants: body.participants,
                    noMediaTimeout: body.noMediaTimeoutS.map { .milliseconds(Int64($0 * 1000)) }), status: .created)
            } catch let e as ControlError { throw APIError(e) }
        }
        rooms.get(":room/recordings") { _, context in
            let roomID = try Self.checkedRoomID(try context.parameters.require("room"))
            do { return try JSON.response(RecordingList(recordings: try await server.listRecordings(roomID: roomID))) }
            catch let e as ControlError { throw APIError(e) }
        }
        rooms.delete(":room/recordings/:recording") { request, context in
            let roomID = try Self.checkedRoomID(try context.parameters.require("room"))
            try await requireManager(request, context, roomID, moderators: false)
            do {
                return try JSON.response(try await server.stopRecording(roomID: roomID,
                                                                        recordingID: try context.parameters.require("recording")))
            } catch let e as ControlError { throw APIError(e) }
        }
        rooms.post(":room/participants/:participant/ice-restart") { request, context in
            struct Body: Decodable { var offer: String }
            struct Answer: Encodable { var answer: String }
            try await requireOwn(context, try context.parameters.require("room"), try context.parameters.require("participant"))
            let body = try await JSON.decode(Body.self, from: request)
            do {
                let answer = try await server.restartICE(roomID: try context.parameters.require("room"),
                                                         participantID: try context.parameters.require("participant"),
                                                         offer: body.offer)
                return try JSON.response(Answer(answer: answer))
            } catch let e as ControlError { throw APIError(e) }
        }
        rooms.post(":room/participants/:participant/kick") { request, context in
            let roomID = try context.parameters.require("room")
            try await requireManager(request, context, roomID)
            let body = try await JSON.decode(Kick.self, from: request)
            if let b = body.banS, !(b >= 0 && b <= 86400 * 30) {
                throw APIError(.badRequest, "invalid_ban", "ban_s must be between 0 and 2592000 seconds")
            }
            do {
                try await server.kick(roomID: roomID, participantID: try context.parameters.require("participant"),
                                      ban: body.banS.map { .milliseconds(Int64($0 * 1000)) })
                return Response(status: .noContent)
            } catch let e as ControlError { throw APIError(e) }
        }
        rooms.post(":room/participants/:participant/lobby") { request, context in
            let roomID = try context.parameters.require("room")
            try await requireManager(request, context, roomID)
            let body = try await JSON.decode(Lobby.self, from: request)
            guard let action = LobbyAction(rawValue: body.action) else {
                throw APIError(.badRequest, "invalid_action", "action must be \"admit\", \"deny\" or \"wait\" (back to the lobby), not \"\(body.action)\"")
            }
            do {
                try await server.lobby(roomID: roomID, participantID: try context.parameters.require("participant"), action: action)
                return Response(status: .noContent)
            } catch let e as ControlError { throw APIError(e) }
        }
        rooms.post(":room/participants/:participant/mute") { request, context in
            let roomID = try context.parameters.require("room")
            try await requireManager(request, context, roomID)
            let body = try await JSON.decode(Mute.self, from: request)
            guard let kind = MediaKind(rawValue: body.kind) else {
                throw APIError(.badRequest, "invalid_kind", "kind must be \"audio\" or \"video\", not \"\(body.kind)\"")
            }
            do {
                try await server.setMuted(roomID: roomID, participantID: try context.parameters.require("participant"),
                                          kind: kind, muted: body.muted ?? true)
                return Response(status: .noContent)
            } catch let e as ControlError { throw APIError(e) }
        }
        rooms.post(":room/participants/:participant/moderator") { request, context in
            let roomID = try context.parameters.require("room")
            try await requireManager(request, context, roomID)
            let body = try await JSON.decode(Moderator.self, from: request)
            do {
                try await server.setModerator(roomID: roomID, participantID: try context.parameters.require("participant"),
                                              moderator: body.moderator)
                return Response(status: .noContent)
            } catch let e as ControlError { throw APIError(e) }
        }
        rooms.post(":room/revoked-tokens") { request, context in
            let roomID = try Self.checkedRoomID(try context.parameters.require("room"))
            try await requireManager(request, context, roomID, moderators: false)
            let body = try await JSON.decode(Revoke.self, from: request)
            guard !body.jti.isEmpty, body.jti.utf8.count <= 256 else {
                throw APIError(.badRequest, "invalid_jti", "jti must be 1-256 characters")
            }
            // Remembered until the token expires (by default: a week, longer than a join token lives).
            let until = body.exp.map { Date(timeIntervalSince1970: $0) } ?? Date().addingTimeInterval(7 * 86400)
            try await store.revoke(jti: body.jti, room: roomID, expiresAt: until)
            return Response(status: .noContent)
        }
        rooms.post(":room/participants/:participant/subscriptions") { request, context in
            try await requireOwn(context, try context.parameters.require("room"), try context.parameters.require("participant"))
            let body = try await JSON.decode(Subscriptions.self, from: request)
            if let n = body.maxVideo, n < 0 {
                throw APIError(.badRequest, "invalid_max_video", "max_video must be 0 or more (or null: no limit)")
            }
            if body.paused != nil, body.tracks?.isEmpty ?? true {
                throw APIError(.badRequest, "invalid_body", "paused needs \"tracks\": the track ids to pause or resume")
            }
            do {
                let tracks = try await server.setSubscriptions(
                    roomID: try context.parameters.require("room"), participantID: try context.parameters.require("participant"),
                    tracks: body.tracks ?? [], paused: body.paused, maxVideo: body.hasMaxVideo ? .some(body.maxVideo) : .none)
                return try JSON.response(SubscriptionList(tracks: tracks))
            } catch let e as ControlError { throw APIError(e) }
        }
        rooms.get(":room/participants/:participant") { _, context in
            try await requireOwn(context, try context.parameters.require("room"), try context.parameters.require("participant"))
            do {
                return try JSON.response(try await server.participant(
                    roomID: try context.parameters.require("room"), id: try context.parameters.require("participant")))
            } catch let e as ControlError { throw APIError(e) }
        }
        rooms.delete(":room/participants/:participant") { _, context in
            try await requireOwn(context, try context.parameters.require("room"), try context.parameters.require("participant"))
            do {
                try await server.removeParticipant(roomID: try context.parameters.require("room"),
                                                   id: try context.parameters.require("participant"))
                return Response(status: .noContent)
            } catch let e as ControlError { throw APIError(e) }
        }
    }
}
