import Foundation
import NIOCore

extension MediaServer {
    /// Creates a room on the next worker (round robin), with its timer.
    public func createRoom(id: String?, kind: RoomKind, description: String?,
                           settings options: RoomSettings = RoomSettings()) async throws(ControlError) -> RoomInfo {
        let id = id ?? Self.randomID()
        let record = options.record
        guard isValidID(id) else { throw .invalidID(id) }
        guard rooms[id] == nil else { throw .roomExists(id) }
        if kind != .conference, options.maxMembers != nil || options.musicOnHold { throw .notConference(id) }
        if kind == .echo, options.lobby { throw .invalidOption(.lobbyInEchoRoom) }
        if let streamers = options.streamers {
            guard kind == .streaming else { throw .invalidOption(.streamingOnly("streamers")) }
            guard !streamers.isEmpty, streamers.allSatisfy({ $0 == "*" || isValidUserID($0) }) else {
                throw .invalidOption(.streamersList)
            }
        }
        if let n = options.maxViewers {
            guard kind == .streaming else { throw .invalidOption(.streamingOnly("max_viewers")) }
            guard n >= 1 else { throw .invalidOption(.maxViewers(n)) }
        }
        if let n = options.maxBitrate { try Self.checkBitrate(n) }
        if let n = options.maxMembers, !(1...configuration.maxMembersPerRoom).contains(n) {
            throw .invalidOption(.maxMembers(n, limit: configuration.maxMembersPerRoom))
        }
        if options.musicOnHold, configuration.holdMusic == nil {
            throw .invalidOption(.musicOnHoldWithoutFile)
        }
        if record, kind == .echo { throw .notRecordable(id) }
        if options.source != nil {
            guard kind == .streaming else { throw .invalidSource(.streamingOnly) }
            guard options.source?.rtp != nil else { throw .invalidSource(.missingRTP) }
            guard options.streamers == nil else { throw .invalidSource(.withStreamers) }
        }
        let worker = workers[nextWorker % workers.count]
        nextWorker &+= 1
        let room: any Room = switch kind {
        case .echo: EchoRoom(id: id, description: description, worker: worker, events: events)
        case .streaming: StreamingRoom(id: id, description: description, worker: worker, events: events,
                                       keyFrameInterval: configuration.keyFrameInterval, token: takeToken(),
                                       speech: configuration.speech)
        case .conference: ConferenceRoom(id: id, description: description, worker: worker, events: events,
                                         keyFrameInterval: configuration.keyFrameInterval, speech: configuration.speech,
                                         maxMembers: options.maxMembers ?? configuration.maxMembersPerRoom,
                                         hold: options.musicOnHold ? configuration.holdMusic : nil)
        }
        if let rtp = options.source?.rtp {
            let (ports, silence, host) = (configuration.rtpSourcePorts, configuration.rtpSourceSilence, worker.localHost)
            try await onLoop(room, throwing: { room throws(ControlError) in
                try room.attachSource(rtp, host: host, ports: ports, silence: silence)
            })
        }
        events.emit(.roomCreated(room: id, kind: kind))
        let interval = Self.timeAmount(configuration.reportInterval)
        let ticker = worker.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in room.tick(now: .now) }
        rooms[id] = RoomEntry(room: room, ticker: ticker, recordsEveryone: record,
                              access: RoomAccess(pin: options.pin, secret: options.secret, lobby: options.lobby,
                                                 streamers: options.streamers, singleAccess: options.singleAccess),
                              permanent: options.permanent, maxViewers: options.maxViewers, maxBitrate: options.maxBitrate,
                              emptySince: .now)
        logger.info("room created", metadata: ["room": "\(id)", "kind": "\(kind.rawValue)", "worker": "\(worker.index)"])
        return await info(id)
    }

    /// The range a `max_bitrate` must be in: 10 kbit/s (below, no video) to 1 Gbit/s.
    static let bitrateRange = 10_000...1_000_000_000

    static func checkBitrate(_ bitrate: Int) throws(ControlError) {
        guard bitrateRange.contains(bitrate) else {
            throw .invalidOption(.maxBitrate(bitrate, allowed: bitrateRange))
        }
    }

    public func listRooms() async -> [RoomInfo] {
        var out: [RoomInfo] = []
        for id in rooms.keys.sorted() { out.append(await info(id)) }
        return out
    }

    /// A room's kind, without gathering its participants.
    public func kind(ofRoom id: String) throws(ControlError) -> RoomKind { try entry(id).room.kind }

    public func room(id: String) async throws(ControlError) -> RoomInfo {
        guard rooms[id] != nil else { throw .roomNotFound(id) }
        return await info(id)
    }

    /// Closes every participant, stops the running recording, forgets the room.
    public func deleteRoom(id: String, reason: RoomEndReason = .api) async throws(ControlError) {
        guard let entry = rooms.removeValue(forKey: id) else { throw .roomNotFound(id) }
        entry.cancelTimers()
        var remote: [ViewerGroup] = []
        for (_, task) in entry.groups.sorted(by: { $0.key < $1.key }) { remote.append(await task.value) }
        if let running = entry.runningRecording {
            await stop(running, room: entry.room, reason: RecordingStopReason(reason))
        }
        await onLoop(entry.room) { $0.close() }
        for g in remote { await onLoop(of: g) { $0.close() } }
        events.emit(.roomDestroyed(room: id, reason: reason))
        logger.info("room deleted", metadata: ["room": "\(id)"])
    }

    /// The room as the API shows it: viewers on other workers included, in join order; who each
    /// participant is (user id, moderator).
    func info(_ id: String) async -> RoomInfo {
        guard let entry = rooms[id] else { return RoomInfo(id: id, kind: .echo, description: nil, participants: []) }
        var remote: [(joined: ContinuousClock.Instant, info: ParticipantInfo)] = []
        for g in await viewerGroups(of: id) { remote += await onLoop(of: g) { $0.infos } }
        let viewers = remote
        var info = await onLoop(entry.room) { $0.info(withRemoteViewers: viewers) }
        for i in info.participants.indices { annotate(&info.participants[i], roomID: id) }
        info.maxViewers = entry.maxViewers
        info.maxBitrate = entry.maxBitrate
        return info
    }

    /// Every part of a room: the room on its home worker, then its viewer groups elsewhere.
    func parts(of id: String) async -> [any RoomPart] {
        guard let room = rooms[id]?.room else { return [] }
        var out: [any RoomPart] = [room]
        for g in await viewerGroups(of: id) { out.append(g) }
        return out
    }

    /// The part of the room that has this participant.
    func part(of roomID: String, participant: String) async -> (any RoomPart)? {
        for p in await parts(of: roomID) where await onLoop(part: p, { $0.peer(participant) != nil }) { return p }
        return nil
    }

    /// The room's entry, or `room_not_found`.
    func entry(_ id: String) throws(ControlError) -> RoomEntry {
        guard let e = rooms[id] else { throw .roomNotFound(id) }
        return e
    }

    /// Deletes rooms that have had no participants for `roomIdleTimeout`.
    func expireIdleRooms(now: ContinuousClock.Instant) async {
        for (id, entry) in rooms where !entry.permanent {
            var empty = true
            for part in await parts(of: id) where !(await onLoop(part: part, { $0.isEmpty })) { empty = false }
            guard rooms[id] != nil else { continue }
            if empty {
                let since = rooms[id]?.emptySince ?? now
                rooms[id]?.emptySince = since
                if now - since >= configuration.roomIdleTimeout {
                    try? await deleteRoom(id: id, reason: .idle)
                    logger.info("room expired", metadata: ["room": "\(id)", "idle_seconds": "\((now - since).components.seconds)"])
                }
            } else {
                rooms[id]?.emptySince = nil
            }
        }
    }
}

extension RecordingStopReason {
    /// A recording stops because its room ended for `reason`.
    init(_ reason: RoomEndReason) {
        switch reason {
        case .api: self = .roomDestroyed
        case .idle: self = .idle
        case .shutdown: self = .shutdown
        }
    }
}
