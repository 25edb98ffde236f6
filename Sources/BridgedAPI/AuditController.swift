import BridgedStore
import Foundation
import Hummingbird
import SFU

/// `GET /v1/audit`: the audit log, newest first, as JSON or CSV. See docs/api.md.
struct AuditController {
    let store: Store
    let log: AuditLog

    /// The most entries one call returns, and the default.
    static let maxLimit = 10_000
    static let defaultLimit = 1000
    static let parameters: Set<String> = ["from", "to", "room", "type", "limit", "format"]
    /// The CSV header row: the JSON keys, in the same order as `Entry.csvFields`.
    static let csvColumns = Entry.CodingKeys.allCases.map(\.stringValue)

    struct EntryList: Encodable { var entries: [Entry] }
    /// An entry as the API shows it: `time` in ISO 8601 (UTC, milliseconds), absent fields null.
    struct Entry: Encodable {
        var id: Int64
        var time: String
        var type: String
        var method: String?
        var path: String?
        var status: Int?
        var code: String?
        var outcome: String
        var client: String?
        var actor: String?
        var room: String?
        var participant: String?
        var detail: String?

        init(_ e: AuditEntry) {
            id = e.id ?? 0
            time = AuditController.formatTime(e.time)
            (type, method, path, status, code, outcome) = (e.type, e.method, e.path, e.status, e.code, e.outcome)
            (client, actor, room, participant, detail) = (e.client, e.actor, e.room, e.participant, e.detail)
        }

        var csvFields: [String?] {
            [String(id), time, type, method, path, status.map(String.init), code, outcome, client, actor, room, participant, detail]
        }

        func encode(to encoder: any Encoder) throws {
            // Absent fields are null rather than left out: every entry has every key.
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(time, forKey: .time)
            try c.encode(type, forKey: .type)
            try c.encode(method, forKey: .method)
            try c.encode(path, forKey: .path)
            try c.encode(status, forKey: .status)
            try c.encode(code, forKey: .code)
            try c.encode(outcome, forKey: .outcome)
            try c.encode(client, forKey: .client)
            try c.encode(actor, forKey: .actor)
            try c.encode(room, forKey: .room)
            try c.encode(participant, forKey: .participant)
            try c.encode(detail, forKey: .detail)
        }
        enum CodingKeys: String, CodingKey, CaseIterable {
            case id, time, type, method, path, status, code, outcome, client, actor, room, participant, detail
        }
    }

    /// On the `/v1` group.
    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("audit", use: list)
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> Response {
        let (query, csv) = try Self.parse(request)
        await log.flush()
        let entries = try await store.audit(query).map(Entry.init)
        if csv {
            return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: Self.csv(entries))))
        }
        return try JSON.response(EntryList(entries: entries))
    }

    /// The filters of a request; a bad one is a 400 `invalid_filter` naming the parameter.
    static func parse(_ request: Request) throws -> (AuditQuery, csv: Bool) {
        let params = request.uri.queryParameters
        var query = AuditQuery(limit: defaultLimit)
        for (name, _) in params where !parameters.contains(String(name)) {
            throw invalid(String(name), "unknown parameter; known: \(parameters.sorted().joined(separator: ", "))")
        }
        for name in ["from", "to"] {
            guard let value = params[name[...]].map(String.init) else { continue }
            guard let date = parseTime(value) else {
                throw invalid(name, "\"\(value)\" is not an ISO 8601 time such as 2025-01-31T12:00:00Z")
            }
            if name == "from" { query.from = date } else { query.to = date }
        }
        if let from = query.from, let to = query.to, from >= to {
            throw invalid("to", "must be later than from")
        }
        if let room = params["room"].map(String.init) {
            guard isValidID(room) else { throw invalid("room", "not a room id: use 1-64 characters from A-Z a-z 0-9 _ -") }
            query.room = room
        }
        for value in params.getAll("type") {
            for t in value.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
                guard (1...64).contains(t.utf8.count), t.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F }) else {
                    throw invalid("type", "\"\(t)\" is not an entry type (lower-case letters and _, such as access_denied)")
                }
                query.types.append(t)
            }
        }
        if let value = params["limit"].map(String.init) {
            guard let n = Int(value), (1...maxLimit).contains(n) else {
                throw invalid("limit", "must be a whole number from 1 to \(maxLimit)")
            }
            query.limit = n
        }
        var csv = false
        switch params["format"].map(String.init) {
        case nil: csv = request.headers[.accept]?.contains("text/csv") ?? false
        case "json"?: csv = false
        case "csv"?: csv = true
        case let other?: throw invalid("format", "\"\(other)\" is not json or csv")
        }
        return (query, csv)
    }

    static func invalid(_ parameter: String, _ message: String) -> APIError {
        APIError(.badRequest, "invalid_filter", "\(parameter): \(message)")
    }

    /// RFC 4180: a header row, CRLF line ends, fields with a comma, quote or line end quoted
    /// (quotes doubled); null is the empty field.
    static func csv(_ entries: [Entry]) -> String {
        var out = csvColumns.joined(separator: ",") + "\r\n"
        for e in entries {
            out += e.csvFields.map { field in
                guard let f = field else { return "" }
                guard f.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }) else { return f }
                return "\"" + f.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            }.joined(separator: ",")
            out += "\r\n"
        }
        return out
    }

    /// ISO 8601 with or without fractional seconds, with a zone (Z or ±hh:mm).
    static func parseTime(_ s: String) -> Date? {
        if let d = try? Date(s, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return d }
        return try? Date(s, strategy: Date.ISO8601FormatStyle())
    }

    static func formatTime(_ d: Date) -> String {
        d.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
