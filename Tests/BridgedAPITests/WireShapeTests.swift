import Foundation
import RTP
import SFU
import Testing
@testable import BridgedAPI

/// The JSON the API writes for the SFU's typed values: events (the events WebSocket, webhooks,
/// the audit log) and a conference member's signaling channel. One row per shape.
struct WireShapeTests {
    struct EventRow: Sendable, CustomTestStringConvertible {
        var event: Event
        /// The JSON object beside seq and time, keys sorted.
        var json: String
        var testDescription: String { event.name }
    }

    static let eventRows: [EventRow] = [
        .init(event: .roomCreated(room: "r", kind: .streaming), json: #"{"kind":"streaming","room":"r","type":"room_created"}"#),
        .init(event: .roomDestroyed(room: "r", reason: .idle), json: #"{"reason":"idle","room":"r","type":"room_destroyed"}"#),
        .init(event: .participantJoined(room: "r", participant: "p", role: .viewer, display: "Ann"),
              json: #"{"display":"Ann","participant":"p","role":"viewer","room":"r","type":"participant_joined"}"#),
        .init(event: .participantLeft(room: "r", participant: "p", role: .member, reason: .lobbyDenied),
              json: #"{"participant":"p","reason":"lobby_denied","role":"member","room":"r","type":"participant_left"}"#),
        .init(event: .webrtcDown(room: "r", participant: "p", role: .streamer),
              json: #"{"participant":"p","reason":"ice_timeout","role":"streamer","room":"r","type":"webrtc_down"}"#),
        .init(event: .slowLink(room: "r", participant: "p", role: .member, kind: .video, direction: .downlink, fractionLost: 51),
              json: #"{"kind":"video","participant":"p","reason":"downlink loss 19%","role":"member","room":"r","type":"slow_link"}"#),
        .init(event: .streamerChanged(room: "r", participant: "p", streamer: nil),
              json: #"{"participant":"p","room":"r","type":"streamer_changed"}"#),
        .init(event: .trackPublished(room: "r", participant: "p", kind: .video, source: .screen, track: "p/2"),
              json: #"{"kind":"video","participant":"p","reason":"screen","room":"r","track":"p\/2","type":"track_published"}"#),
        .init(event: .participantMuted(room: "r", participant: "p", kind: .audio, muted: false),
              json: #"{"kind":"audio","participant":"p","reason":"unmuted","room":"r","type":"participant_muted"}"#),
        .init(event: .recordingStarted(room: "r", participants: ["a", "b"], recording: "x", files: ["f"]),
              json: #"{"files":["f"],"participant":"a,b","recording":"x","room":"r","type":"recording_started"}"#),
        .init(event: .recordingFailed(room: "r", participant: nil, reason: "disk", recording: "x", files: nil, recovered: false),
              json: #"{"reason":"disk","recording":"x","room":"r","type":"recording_failed"}"#),
        .init(event: .recordingPacketsDropped(room: "r", recording: "x", lost: 7),
              json: #"{"reason":"7 packets lost: the disk is too slow","recording":"x","room":"r","type":"recording_packets_dropped"}"#),
        .init(event: .recordingReady(room: "r", participant: nil, recording: "x", files: ["f"], playable: "f.webm", recovered: false),
              json: #"{"files":["f"],"playable":"f.webm","recording":"x","recovered":false,"room":"r","type":"recording_ready"}"#),
        .init(event: .eventsDropped(subscriber: "http://127.0.0.1:9/h", count: 3),
              json: #"{"reason":"3 events not delivered to http:\/\/127.0.0.1:9\/h: the receiver is too slow or down","type":"webhook_dropped"}"#),
    ]

    @Test(arguments: eventRows) func eventsAsJSON(_ row: EventRow) throws {
        let record = EventRecord(seq: 9, date: Date(timeIntervalSince1970: 0), event: row.event)
        var object = try #require(try JSONSerialization.jsonObject(with: JSON.encoder.encode(BridgeEvent(record))) as? [String: Any])
        #expect(object.removeValue(forKey: "seq") as? Int == 9)
        #expect(object.removeValue(forKey: "time") as? String == "1970-01-01T00:00:00.000Z")
        let rest = String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        #expect(rest == row.json)
    }

    static let offer = """
        v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n
        """

    struct SignalRow: Sendable, CustomTestStringConvertible {
        var text: String
        /// The error code the API answers, nil when the message is understood.
        var code: String?
        var testDescription: String { text.count > 60 ? String(text.prefix(60)) + "…" : text }
    }

    static let signalRows: [SignalRow] = [
        .init(text: "[]", code: "invalid_signal"),
        .init(text: #"{"type": "hello"}"#, code: "invalid_signal"),
        .init(text: #"{"type": "hello", "sdp": "v=0\r\n"}"#, code: "invalid_offer"),
        .init(text: #"{"type": "answer", "sdp": "\#(offer.jsonEscaped)"}"#, code: "invalid_signal"),
        .init(text: #"{"type": "offer", "sdp": "\#(offer.jsonEscaped)", "sources": {"0": "hold"}}"#, code: "invalid_signal"),
        .init(text: #"{"type": "answer", "sdp": "\#(offer.jsonEscaped)", "revision": 3}"#, code: nil),
        .init(text: #"{"type": "offer", "sdp": "\#(offer.jsonEscaped)", "sources": {"0": "screen"}}"#, code: nil),
    ]

    @Test(arguments: signalRows) func signalingMessagesIn(_ row: SignalRow) {
        do throws(ControlError) {
            let message = try SignalJSON.parse(row.text)
            #expect(row.code == nil, "understood: \(message)")
        } catch {
            #expect(APIError(error).code == row.code)
        }
    }

    @Test func signalingMessagesOut() throws {
        func object(_ m: SignalOut) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(SignalJSON.encode(m).utf8)) as? [String: Any])
        }
        let offer = try object(.offer(sdp: "v=0", revision: 2))
        #expect(offer["type"] as? String == "offer" && offer["sdp"] as? String == "v=0" && offer["revision"] as? Int == 2)
        let error = try object(.error(.invalidSignal("no")))
        #expect(error["type"] as? String == "error" && error["code"] as? String == "invalid_signal"
            && error["message"] as? String == "invalid signaling message: no")
        #expect(try object(.lobby(.admitted))["state"] as? String == "admitted")
        let muted = try object(.muted(kind: .video, muted: true))
        #expect(muted["kind"] as? String == "video" && muted["muted"] as? Bool == true)
        #expect(try object(.moderator(false))["moderator"] as? Bool == false)
    }
}

extension String {
    /// As a JSON string's content.
    var jsonEscaped: String {
        let data = try! JSONSerialization.data(withJSONObject: [self])
        let text = String(decoding: data, as: UTF8.self)
        return String(text.dropFirst(2).dropLast(2))
    }
}
