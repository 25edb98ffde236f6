import Foundation
import Testing
@testable import SFU

/// What each room kind answers to the operations only some kinds have (the `Room` protocol's
/// defaults and each kind's own), through `MediaServer`: one row per kind and operation.
@Suite struct RoomKindOperationsTests {
    enum Operation: String, CaseIterable, Sendable {
        case lobby, mute, signal, subscriptions, record, recordAtCreation
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var kind: RoomKind
        var operation: Operation
        /// The error the call gives on a room with nobody in it.
        var expected: ControlError
        var testDescription: String { "\(operation.rawValue) in a \(kind.rawValue) room" }
    }

    static let rows: [Row] = [
        Row(kind: .echo, operation: .lobby, expected: .notConference("r")),
        Row(kind: .streaming, operation: .lobby, expected: .participantNotFound(room: "r", participant: "nobody")),
        Row(kind: .conference, operation: .lobby, expected: .participantNotFound(room: "r", participant: "nobody")),
        Row(kind: .echo, operation: .mute, expected: .participantNotFound(room: "r", participant: "nobody")),
        Row(kind: .streaming, operation: .mute, expected: .participantNotFound(room: "r", participant: "nobody")),
        Row(kind: .conference, operation: .mute, expected: .participantNotFound(room: "r", participant: "nobody")),
        Row(kind: .echo, operation: .signal, expected: .notConference("r")),
        Row(kind: .streaming, operation: .signal, expected: .notConference("r")),
        Row(kind: .conference, operation: .signal, expected: .participantNotFound(room: "r", participant: "nobody")),
        Row(kind: .streaming, operation: .subscriptions, expected: .notConference("r")),
        Row(kind: .conference, operation: .subscriptions, expected: .participantNotFound(room: "r", participant: "nobody")),
        Row(kind: .echo, operation: .record, expected: .notRecordable("r")),
        Row(kind: .echo, operation: .recordAtCreation, expected: .notRecordable("r")),
    ]

    @Test(arguments: rows) func eachKindAnswers(_ row: Row) async throws {
        var configuration = MediaConfiguration()
        configuration.port = 0
        configuration.workers = 1
        let server = try MediaServer(configuration: configuration)
        try await server.start()
        if row.operation != .recordAtCreation {
            _ = try await server.createRoom(id: "r", kind: row.kind, description: nil)
        }
        var thrown: ControlError?
        do throws(ControlError) {
            switch row.operation {
            case .lobby: try await server.lobby(roomID: "r", participantID: "nobody", action: .admit)
            case .mute: try await server.setMuted(roomID: "r", participantID: "nobody", kind: .audio, muted: true)
            case .signal: try await server.attachSignal(roomID: "r", participantID: "nobody") { _ in }
            case .subscriptions: _ = try await server.setSubscriptions(roomID: "r", participantID: "nobody", tracks: [], paused: true, maxVideo: nil)
            case .record: _ = try await server.startRecording(roomID: "r")
            case .recordAtCreation: _ = try await server.createRoom(id: "r", kind: row.kind, description: nil, settings: RoomSettings(record: true))
            }
        } catch {
            thrown = error
        }
        #expect(thrown == row.expected)
        // Nothing was left behind by the refusal: the room (if any) is whole and deletes cleanly.
        if row.operation != .recordAtCreation {
            #expect(try await server.room(id: "r").participants.isEmpty)
            try await server.deleteRoom(id: "r")
        }
        #expect(await server.listRooms().isEmpty)
        await server.shutdown()
    }
}
