import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization

/// A decoded JSON object passed between tasks; JSONSerialization values are immutable.
struct JSONObject: @unchecked Sendable {
    var dict: [String: Any]
    subscript(key: String) -> Any? { dict[key] }
}

/// JSON over HTTP with Foundation's URLSession: the control side of both servers.
struct HTTP: Sendable {
    let session: URLSession

    init(connections: Int) {
        let config = URLSessionConfiguration.ephemeral
        config.httpMaximumConnectionsPerHost = connections
        config.timeoutIntervalForRequest = 60
        session = URLSession(configuration: config)
    }

    func json(_ method: String, _ url: String, _ body: [String: Any]? = nil, headers: [String: String] = [:]) async throws -> (Int, Any?) {
        guard let u = URL(string: url) else { throw LoadGenError.control("bad URL \(url)") }
        var request = URLRequest(url: u)
        request.httpMethod = method
        for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
        if let body {
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await session.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        let value = data.isEmpty ? nil : try? JSONSerialization.jsonObject(with: data)
        return (status, value)
    }
}

/// bridged's control API.
struct BridgedControl: Sendable {
    let base: String
    let http: HTTP
    let apiKey: String?

    private var headers: [String: String] { apiKey.map { ["Authorization": "Bearer \($0)"] } ?? [:] }

    /// Creates the room afresh (a room left over from an earlier run is deleted first).
    func createRoom(_ id: String, source: [String: Any]? = nil) async throws {
        await deleteRoom(id)
        var request: [String: Any] = ["id": id, "kind": "streaming"]
        if let source { request["source"] = source }
        let (status, body) = try await http.json("POST", "\(base)/v1/rooms", request, headers: headers)
        guard status == 201 || status == 409 else { throw LoadGenError.control("create room: \(status) \(String(describing: body))") }
    }

    /// Posts the offer; returns the answer.
    func join(room: String, role: String, offer: String) async throws -> String {
        try await joinWithID(room: room, role: role, offer: offer).answer
    }

    /// Posts the offer; returns the answer and the participant's id.
    func joinWithID(room: String, role: String, offer: String) async throws -> (answer: String, id: String) {
        let (status, body) = try await http.json("POST", "\(base)/v1/rooms/\(room)/participants",
                                                 ["offer": offer, "role": role, "display": "loadgen"], headers: headers)
        guard status == 201, let dict = body as? [String: Any], let answer = dict["answer"] as? String,
              let id = dict["id"] as? String else {
            throw LoadGenError.control("join as \(role): \(status) \(String(describing: body))")
        }
        return (answer, id)
    }

    /// Bounds a viewer to a simulcast encoding.
    func setMaxSpatial(room: String, participant: String, _ layer: Int) async throws {
        let (status, body) = try await http.json("POST", "\(base)/v1/rooms/\(room)/participants/\(participant)/video",
                                                 ["max_spatial": layer], headers: headers)
        guard status == 200 else { throw LoadGenError.control("video bounds: \(status) \(String(describing: body))") }
    }

    func deleteRoom(_ id: String) async {
        _ = try? await http.json("DELETE", "\(base)/v1/rooms/\(id)", headers: headers)
    }

    /// Starts recording the room; returns the recording's id.
    func startRecording(room: String) async throws -> String {
        let (status, body) = try await http.json("POST", "\(base)/v1/rooms/\(room)/recordings", [:], headers: headers)
        guard status == 201, let dict = body as? [String: Any], let id = dict["id"] as? String else {
            throw LoadGenError.control("start recording of \(room): \(status) \(String(describing: body))")
        }
        return id
    }

    /// The room's recordings as the API lists them.
    func recordings(room: String) async throws -> [JSONObject] {
        let (status, body) = try await http.json("GET", "\(base)/v1/rooms/\(room)/recordings", headers: headers)
        guard status == 200, let dict = body as? [String: Any], let list = dict["recordings"] as? [[String: Any]] else {
            throw LoadGenError.control("list recordings of \(room): \(status) \(String(describing: body))")
        }
        return list.map { JSONObject(dict: $0) }
    }

    /// Stops a recording; returns it as the API shows it once its files are flushed and closed.
    func stopRecording(room: String, id: String) async throws -> JSONObject {
        let (status, body) = try await http.json("DELETE", "\(base)/v1/rooms/\(room)/recordings/\(id)", headers: headers)
        guard status == 200, let dict = body as? [String: Any] else {
            throw LoadGenError.control("stop recording \(id) of \(room): \(status) \(String(describing: body))")
        }
        return JSONObject(dict: dict)
    }
}

/// The Janus API over HTTP: one session, a handle per peer, events by long poll.
final class JanusControl: @unchecked Sendable {
    let base: String
    let http: HTTP
    private(set) var session: Int64 = 0
    private let waiters = Mutex<[String: CheckedContinuation<JSONObject, any Error>]>([:])
    private let early = Mutex<[String: JSONObject]>([:])
    private let counter = Atomic<Int>(0)
    private var poller: Task<Void, Never>?

    init(base: String, http: HTTP) {
        self.base = base
        self.http = http
    }

    private func transaction() -> String { "lg-\(counter.wrappingAdd(1, ordering: .relaxed).newValue)" }

    private func post(_ path: String, _ body: [String: Any]) async throws -> [String: Any] {
        var body = body
        let tx = transaction()
        body["transaction"] = tx
        let (status, value) = try await http.json("POST", base + path, body)
        guard status == 200, let dict = value as? [String: Any] else {
            throw LoadGenError.control("janus \(path): HTTP \(status) \(String(describing: value))")
        }
        if let error = dict["error"] { throw LoadGenError.control("janus: \(error)") }
        return dict
    }

    func connect() async throws {
        let reply = try await post("", ["janus": "create"])
        guard let data = reply["data"] as? [String: Any], let id = (data["id"] as? NSNumber)?.int64Value else {
            throw LoadGenError.control("janus create: \(reply)")
        }
        session = id
        poller = Task.detached { [self] in await poll() }
    }

    func attach(_ plugin: String) async throws -> Int64 {
        let reply = try await post("/\(session)", ["janus": "attach", "plugin": plugin])
        guard let data = reply["data"] as? [String: Any], let id = (data["id"] as? NSNumber)?.int64Value else {
            throw LoadGenError.control("janus attach: \(reply)")
        }
        return id
    }

    /// Sends a plugin message and waits for the plugin's event answering it (same transaction).
    func message(handle: Int64, body: [String: Any], jsep: [String: Any]? = nil) async throws -> JSONObject {
        let tx = transaction()
        var dict: [String: Any] = ["janus": "message", "body": body, "transaction": tx]
        if let jsep { dict["jsep"] = jsep }
        let request = JSONObject(dict: dict)
        return try await withCheckedThrowingContinuation { (c: CheckedContinuation<JSONObject, any Error>) in
            if let event = early.withLock({ $0.removeValue(forKey: tx) }) { c.resume(returning: event); return }
            waiters.withLock { $0[tx] = c }
            Task {
                do {
                    let (status, value) = try await http.json("POST", "\(base)/\(session)/\(handle)", request.dict)
                    let dict = value as? [String: Any]
                    if status != 200 || dict?["janus"] as? String == "error" {
                        if let w = waiters.withLock({ $0.removeValue(forKey: tx) }) {
                            w.resume(throwing: LoadGenError.control("janus message: \(status) \(String(describing: dict))"))
                        }
                    } else if dict?["janus"] as? String == "success" {
                        // Synchronous plugin answer.
                        if let w = waiters.withLock({ $0.removeValue(forKey: tx) }) { w.resume(returning: JSONObject(dict: dict ?? [:])) }
                    }
                } catch {
                    if let w = waiters.withLock({ $0.removeValue(forKey: tx) }) { w.resume(throwing: error) }
                }
            }
        }
    }

    private func poll() async {
        while !Task.isCancelled {
            guard let (status, value) = try? await http.json("GET", "\(base)/\(session)?maxev=100") else {
                try? await Task.sleep(for: .milliseconds(100)); continue
            }
            guard status == 200 else { try? await Task.sleep(for: .milliseconds(100)); continue }
            let events: [[String: Any]] = (value as? [[String: Any]]) ?? ((value as? [String: Any]).map { [$0] } ?? [])
            for event in events {
                guard event["janus"] as? String == "event", let tx = event["transaction"] as? String else { continue }
                let box = JSONObject(dict: event)
                if let w = waiters.withLock({ $0.removeValue(forKey: tx) }) {
                    w.resume(returning: box)
                } else {
                    early.withLock { $0[tx] = box }
                }
            }
        }
    }

    func close() async {
        poller?.cancel()
        _ = try? await post("/\(session)", ["janus": "destroy"])
    }
}
