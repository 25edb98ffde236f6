import Foundation
import RTP
import SFU

/// The JSON text of a conference member's signaling channel (docs/api.md):
///   bridge → member: {"type": "offer", "sdp", "revision"}, {"type": "answer", "sdp"},
///                    {"type": "error", "code", "message"}, {"type": "lobby", "state"},
///                    {"type": "muted", "kind", "muted"}, {"type": "moderator", "moderator"}
///   member → bridge: {"type": "answer", "sdp", "revision"}, {"type": "offer", "sdp", "sources"?}
enum SignalJSON {
    static func parse(_ text: String) throws(ControlError) -> SignalMessage {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw .invalidSignal("not a JSON object")
        }
        guard let sdpText = object["sdp"] as? String else { throw .invalidSignal("missing \"sdp\"") }
        let sdp: SessionDescription
        do { sdp = try SessionDescription(parsing: sdpText) } catch { throw .negotiation(.invalidSDP(error.description)) }
        switch object["type"] as? String {
        case "answer":
            guard let revision = object["revision"] as? Int else { throw .invalidSignal("an answer names the \"revision\" it answers") }
            return .answer(sdp, revision: revision)
        case "offer":
            var sources: [String: TrackSource] = [:]
            for (mid, value) in object["sources"] as? [String: String] ?? [:] {
                guard let s = TrackSource(rawValue: value), s != .hold else {
                    throw .invalidSignal("source \(value) of mid \(mid): use microphone, camera or screen")
                }
                sources[mid] = s
            }
            return .offer(sdp, sources: sources)
        case let other:
            throw .invalidSignal("\"type\" must be \"answer\" or \"offer\", not \(other ?? "missing")")
        }
    }

    static func encode(_ message: SignalOut) -> String {
        let object: [String: Any] = switch message {
        case .offer(let sdp, let revision): ["type": "offer", "sdp": sdp, "revision": revision]
        case .answer(let sdp): ["type": "answer", "sdp": sdp]
        case .error(let e): ["type": "error", "code": APIError(e).code, "message": APIError(e).message]
        case .lobby(let state): ["type": "lobby", "state": state.rawValue]
        case .muted(let kind, let muted): ["type": "muted", "kind": kind.rawValue, "muted": muted]
        case .moderator(let moderator): ["type": "moderator", "moderator": moderator]
        }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
