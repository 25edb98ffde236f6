import Foundation
import Hummingbird
import SFU

/// `/v1/rooms/{id}/recordings[/{rid}]`: start, list, stop (docs/api.md). Starting and stopping
/// are the admin's or the room secret's.
struct RecordingController {
    let server: MediaServer
    let guards: RoomGuard

    /// `POST /v1/rooms/{id}/recordings`: the body is optional.
    struct StartRecording: Decodable {
        /// Only these participants (default: whoever publishes).
        var participants: [String]?
        /// Stop after this many seconds without a packet.
        var noMediaTimeoutS: Double?
    }

    struct RecordingList: Encodable { var recordings: [RecordingInfo] }

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.post(":room/recordings", use: start)
        group.get(":room/recordings", use: list)
        group.delete(":room/recordings/:recording", use: stop)
    }

    @Sendable func start(_ request: Request, context: APIRequestContext) async throws -> Response {
        let roomID = try context.parameters.roomID()
        try await guards.requireManager(request, context, roomID, moderators: false)
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
            for p in list { _ = try checkedID(p, what: "participant") }
        }
        let recording = try await APIError.mapping { () async throws(ControlError) in
            try await server.startRecording(roomID: roomID, participants: body.participants,
                                            noMediaTimeout: body.noMediaTimeoutS.map { .milliseconds(Int64($0 * 1000)) })
        }
        return try JSON.response(recording, status: .created)
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> Response {
        let roomID = try context.parameters.roomID()
        let recordings = try await APIError.mapping { () async throws(ControlError) in try await server.listRecordings(roomID: roomID) }
        return try JSON.response(RecordingList(recordings: recordings))
    }

    @Sendable func stop(_ request: Request, context: APIRequestContext) async throws -> Response {
        let roomID = try context.parameters.roomID()
        try await guards.requireManager(request, context, roomID, moderators: false)
        let recordingID = try context.parameters.require("recording")
        return try JSON.response(try await APIError.mapping { () async throws(ControlError) in
            try await server.stopRecording(roomID: roomID, recordingID: recordingID)
        })
    }
}
