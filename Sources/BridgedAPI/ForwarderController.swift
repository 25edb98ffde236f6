import Hummingbird
import SFU

/// `/v1/rooms/{id}/forwarders[/{fid}[/sdp]]`: plain RTP copies of a streaming room's media
/// (docs/api.md). The admin's or the room secret's (a moderator's token too).
struct ForwarderController {
    let server: MediaServer
    let guards: RoomGuard

    /// `POST …/forwarders`.
    struct StartForwarder: Decodable {
        var host: String
        var videoPort: Int?
        var audioPort: Int?
        var ssrc: UInt32?
        /// `{"suite"?, "key"}`: send SRTP (the SDP carries the keys as `a=crypto`).
        var srtp: SRTPKeying?
    }

    struct ForwarderList: Encodable { var forwarders: [ForwarderInfo] }

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.post(":room/forwarders", use: start)
        group.get(":room/forwarders", use: list)
        group.get(":room/forwarders/:forwarder/sdp", use: sdp)
        group.delete(":room/forwarders/:forwarder", use: stop)
    }

    @Sendable func start(_ request: Request, context: APIRequestContext) async throws -> Response {
        let roomID = try context.parameters.roomID()
        try await guards.requireManager(request, context, roomID)
        let body = try await JSON.decode(StartForwarder.self, from: request)
        let info = try await APIError.mapping { () async throws(ControlError) in
            try await server.addForwarder(roomID: roomID, ForwarderRequest(host: body.host, videoPort: body.videoPort,
                                                                           audioPort: body.audioPort, ssrc: body.ssrc, srtp: body.srtp))
        }
        return try JSON.response(info, status: .created)
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> Response {
        let roomID = try context.parameters.roomID()
        try await guards.requireManager(request, context, roomID)
        let list = try await APIError.mapping { () async throws(ControlError) in try await server.forwarders(roomID: roomID) }
        return try JSON.response(ForwarderList(forwarders: list))
    }

    /// The SDP a receiver reads (ffmpeg: `-protocol_whitelist file,udp,rtp -i forwarder.sdp`).
    @Sendable func sdp(_ request: Request, context: APIRequestContext) async throws -> Response {
        let roomID = try context.parameters.roomID()
        try await guards.requireManager(request, context, roomID)
        let id = try context.parameters.require("forwarder")
        let sdp = try await APIError.mapping { () async throws(ControlError) in try await server.forwarderSDP(roomID: roomID, id: id) }
        return Response(status: .ok, headers: [.contentType: "application/sdp"], body: .init(byteBuffer: ByteBuffer(string: sdp)))
    }

    @Sendable func stop(_ request: Request, context: APIRequestContext) async throws -> Response {
        let roomID = try context.parameters.roomID()
        try await guards.requireManager(request, context, roomID)
        let id = try context.parameters.require("forwarder")
        let info = try await APIError.mapping { () async throws(ControlError) in try await server.removeForwarder(roomID: roomID, id: id) }
        return try JSON.response(info)
    }
}
