import Hummingbird

extension Request {
    /// A control call: under `/v1/`, but the health check and CORS preflights (what the audit
    /// log records, and what needs credentials).
    var isControlCall: Bool {
        let path = uri.path
        return path.hasPrefix("/v1/") && path != "/v1/health" && method != .options
    }

    /// The room and participant the path names: `/v1/rooms/{room}[/participants/{participant}[/…]]`.
    var roomAndParticipant: (room: String?, participant: String?) {
        let parts = uri.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard parts.count >= 3, parts[1] == "rooms" else { return (nil, nil) }
        return (parts[2], parts.count >= 5 && parts[3] == "participants" ? parts[4] : nil)
    }
}
