import Access
import BridgedStore
import Hummingbird
import SFU

/// `/v1/rooms/{id}/participants[/{pid}]`: join, get, leave, ICE restart, subscriptions
/// (docs/api.md). A participant's own endpoints take its join token (`RoomGuard.requireOwn`).
struct ParticipantController {
    let server: MediaServer
    /// Where used invites are remembered.
    let store: Store
    let guards: RoomGuard

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.post(":room/participants", use: join)
        group.get(":room/participants/:participant", use: get)
        group.delete(":room/participants/:participant", use: remove)
        group.post(":room/participants/:participant/ice-restart", use: restartICE)
        group.post(":room/participants/:participant/subscriptions", use: setSubscriptions)
        group.post(":room/participants/:participant/video", use: setVideo)
    }

    @Sendable func join(_ request: Request, context: APIRequestContext) async throws -> Response {
        let roomID = try context.parameters.roomID()
        let body = try await JSON.decode(CreateParticipant.self, from: request)
        guard body.offer.hasPrefix("v=") else {
            throw APIError(.badRequest, "invalid_offer", "offer must be an SDP offer starting with v=0")
        }
        if let user = body.userId, !isValidUserID(user) {
            throw APIError(.badRequest, "invalid_user_id", "user_id must be 1-64 characters from A-Z a-z 0-9 _ - . @")
        }
        var join = MediaServer.ParticipantRequest(
            offer: body.offer, role: body.role, display: body.display, dtlsRole: body.dtlsRole?.role, record: body.record ?? false,
            sources: body.sources, pin: body.pin, userID: body.userId, lobby: body.lobby ?? false, moderator: body.moderator ?? false)
        join.singleAccess = body.singleAccess ?? false
        join.maxBitrate = body.maxBitrate
        let created = try await admit(join, roomID: roomID, caller: context.caller,
                                      asked: .init(moderator: body.moderator, record: body.record, userID: body.userId))
        return try JSON.response(created, status: .created)
    }

    /// Joins with what the caller's join token allows (`JoinClaims.apply`), using a single-use
    /// invite (which stays usable when the join fails). Shared by `POST …/participants`, WHIP and WHEP.
    func admit(_ request: MediaServer.ParticipantRequest, roomID: String, caller: Caller,
               asked: JoinClaims.Asked) async throws -> MediaServer.ParticipantCreated {
        var join = request
        var invite: JoinClaims?
        if let claims = caller.claims {
            try claims.apply(to: &join, asked: asked)
            if claims.singleUse, let jti = claims.jti {
                guard try await store.useInvite(jti: jti, room: roomID, expiresAt: claims.expires) else {
                    throw APIError(TokenError.used(jti))
                }
                invite = claims
            }
        }
        do {
            return try await server.addParticipant(roomID: roomID, join)
        } catch {
            if let jti = invite?.jti { try? await store.forgetTokenID(jti: jti) }
            throw APIError(error)
        }
    }

    @Sendable func get(_ request: Request, context: APIRequestContext) async throws -> Response {
        let (roomID, participantID) = try (context.parameters.roomID(), context.parameters.participantID())
        try await guards.requireOwn(context, roomID, participantID)
        return try JSON.response(try await APIError.mapping { () async throws(ControlError) in
            try await server.participant(roomID: roomID, id: participantID)
        })
    }

    @Sendable func remove(_ request: Request, context: APIRequestContext) async throws -> Response {
        let (roomID, participantID) = try (context.parameters.roomID(), context.parameters.participantID())
        try await guards.requireOwn(context, roomID, participantID)
        try await APIError.mapping { () async throws(ControlError) in
            try await server.removeParticipant(roomID: roomID, id: participantID)
        }
        return Response(status: .noContent)
    }

    @Sendable func restartICE(_ request: Request, context: APIRequestContext) async throws -> Response {
        let (roomID, participantID) = try (context.parameters.roomID(), context.parameters.participantID())
        try await guards.requireOwn(context, roomID, participantID)
        let body = try await JSON.decode(ICERestart.self, from: request)
        let answer = try await APIError.mapping { () async throws(ControlError) in
            try await server.restartICE(roomID: roomID, participantID: participantID, offer: body.offer)
        }
        return try JSON.response(ICERestartAnswer(answer: answer))
    }

    @Sendable func setSubscriptions(_ request: Request, context: APIRequestContext) async throws -> Response {
        let (roomID, participantID) = try (context.parameters.roomID(), context.parameters.participantID())
        try await guards.requireOwn(context, roomID, participantID)
        let body = try await JSON.decode(Subscriptions.self, from: request)
        if let n = body.maxVideo, n < 0 {
            throw APIError(.badRequest, "invalid_max_video", "max_video must be 0 or more (or null: no limit)")
        }
        if body.paused != nil, body.tracks?.isEmpty ?? true {
            throw APIError(.badRequest, "invalid_body", "paused needs \"tracks\": the track ids to pause or resume")
        }
        let tracks = try await APIError.mapping { () async throws(ControlError) in
            try await server.setSubscriptions(roomID: roomID, participantID: participantID, tracks: body.tracks ?? [],
                                              paused: body.paused, maxVideo: body.hasMaxVideo ? .some(body.maxVideo) : .none)
        }
        return try JSON.response(SubscriptionList(tracks: tracks))
    }

    /// Simulcast bounds and pause for the video a participant receives.
    @Sendable func setVideo(_ request: Request, context: APIRequestContext) async throws -> Response {
        let (roomID, participantID) = try (context.parameters.roomID(), context.parameters.participantID())
        try await guards.requireOwn(context, roomID, participantID)
        let layers = try await JSON.decode(VideoRequest.self, from: request).layers
        if let s = layers.maxSpatial, !(0...2).contains(s) {
            throw APIError(.badRequest, "invalid_layer", "max_spatial must be 0 (the lowest encoding), 1 or 2 (or null: no bound), not \(s)")
        }
        if let t = layers.maxTemporal, !(0...3).contains(t) {
            throw APIError(.badRequest, "invalid_layer", "max_temporal must be 0-3 (or null: no bound), not \(t)")
        }
        let tracks = try await APIError.mapping { () async throws(ControlError) in
            try await server.setVideo(roomID: roomID, participantID: participantID, layers)
        }
        return try JSON.response(SubscriptionList(tracks: tracks))
    }
}
