import Foundation
import ICE
import Logging
import NIOCore
import NIOPosix
import RTP
import Rings
import Synchronization

/// Where the data plane listens and what it announces.
public struct MediaConfiguration: Sendable {
    /// Address the UDP sockets bind to.
    public var listenAddress: String = "127.0.0.1"
    /// First UDP port; worker i listens on `port + i`. 0 picks ephemeral ports.
    public var port: Int = 40000
    /// Event loops, each with its own socket. Default: one per core.
    public var workers: Int = System.coreCount
    /// With more than one worker: a streaming room's viewers go to the least-loaded worker (not
    /// only the room's), which takes the streamer's packets from the room's worker through a
    /// ring and does their rewriting, encryption and sending on its own core. Off: a room and
    /// all its participants share one worker.
    public var spreadViewers: Bool = true
    /// Explicit sockets, one worker each (overrides listenAddress, port and workers), e.g.
    /// two addresses of a multi-homed host.
    public var endpoints: [(host: String, port: Int)] = []
    /// Addresses written into candidates instead of the local ones (NAT 1:1).
    public var announcedAddresses: [String] = []
    /// Offer 127.0.0.1 when listening on all addresses (always offered when listening on loopback).
    public var loopbackCandidates: Bool = false
    /// RFC 7675: no valid check for this long means the peer is gone.
    public var consentTimeout: Duration = .seconds(30)
    /// Period of the per-worker timer (consent, DTLS retransmission).
    public var tickInterval: Duration = .milliseconds(100)
    /// A room with no participants for this long is deleted.
    public var roomIdleTimeout: Duration = .seconds(300)
    /// No conference room has more members than this (a room's `max_members` may be lower).
    public var maxMembersPerRoom: Int = 100
    /// Music on hold for conference rooms that ask for it (an Ogg Opus file, loaded at start).
    public var holdMusic: OggOpus?
    /// Speaker detection thresholds (RFC 6464 audio levels): `speaking` and `dominant_speaker` events.
    public var speech = SpeechDetection()
    /// At most one key-frame request to a streamer per interval.
    public var keyFrameInterval: Duration = .milliseconds(500)
    /// UDP GSO: a flush sends the packets queued for one peer in one message (Linux 4.18+;
    /// turned off by itself on a route that refuses it).
    public var segmentationOffload: Bool = true
    /// Where recordings go (created when the first recording starts).
    public var recordingDirectory: String = "/tmp/bridged-recordings"
    /// Run with a recording's files once its playable file is ready (command, then arguments).
    public var recordingHook: [String] = []
    /// A hook still running after this long is killed.
    public var recordingHookTimeout: Duration = .seconds(600)
    /// A recording whose tracks have been silent this long stops (nil: never). A recording
    /// request may set its own.
    public var recordingNoMediaTimeout: Duration?

    public init() {}
}

/// The control plane's entry point into the SFU: rooms and participants, one command vocabulary
/// for every front end (HTTP API, later janus-compat). Each room lives on one worker's event loop
/// (its home); a streaming room's viewers may also be on other workers (`spreadViewers`), in one
/// `ViewerGroup` per worker. Every call here hops onto the loop of the part it concerns.
public actor MediaServer {
    public let configuration: MediaConfiguration
    public nonisolated let workers: [MediaWorker]
    public nonisolated let certificate: DTLSCertificate
    /// Everything that happens, for the signaling server (`GET /v1/events`).
    public nonisolated let events = EventBus()
    private let loops: [MediaEventLoop]
    private let logger: Logger
    private var rooms: [String: any Room] = [:]
    private var roomTickers: [String: RepeatedTask] = [:]
    private var emptySince: [String: ContinuousClock.Instant] = [:]
    private var housekeeping: Task<Void, Never>?
    private var recovery: Task<Void, Never>?
    private var nextWorker = 0
    /// Per worker: the addresses its candidates carry.
    private var candidateAddresses: [[String]] = []
    /// Spread viewers: rooms' tokens on the rings, the rings by (from, to) worker, and per room
    /// its viewer groups on workers other than its home (created once, awaited by every join).
    private var nextToken: UInt32 = 1
    private var rings: [Int: Task<WorkerRing, Never>] = [:]
    private var groups: [String: [Int: Task<ViewerGroup, Never>]] = [:]
    private var groupTickers: [String: [RepeatedTask]] = [:]
    /// Recordings per room, oldest first; at most the last one is running.
    private var recordings: [String: [RecordingEntry]] = [:]
    /// Rooms created with `record: true`: each streamer is recorded from the moment it publishes.
    private var recordedRooms: Set<String> = []
    /// Rooms' pins, secrets, lobby, streamers, single access, bans and who each participant is.
    private var roomAccess: [String: RoomAccess] = [:]
    /// Rooms created `permanent`: `expireIdleRooms` leaves them.
    private var permanentRooms: Set<String> = []
    /// Playable files being built (awaited at shutdown).
    private var finishing: [String: Task<[FinishedRecording], Never>] = [:]
    /// Where recordings go (nil: this server cannot record).
    private let recordingBackend: (any RecordingBackend)?
    /// Joins under way per worker: counted as load until their transport exists.
    private var joining: [Int] = []

    public init(configuration: MediaConfiguration, recordings: (any RecordingBackend)? = nil,
                logger: Logger = Logger(label: "bridged.sfu")) throws {
        self.configuration = configuration
        self.logger = logger
        recordingBackend = recordings
        let certificate = try DTLSCertificate()
        let context = try DTLSContext(certificate: certificate)
        self.certificate = certificate
        let count = configuration.endpoints.isEmpty ? max(1, configuration.workers) : configuration.endpoints.count
        let loops = (0..<count).map { MediaEventLoop(name: "media-\($0)") }
        self.loops = loops
        joining = [Int](repeating: 0, count: count)
        self.workers = (0..<count).map { i in
            MediaWorker(index: i, eventLoop: loops[i], dtlsContext: context, logger: logger)
        }
    }

    /// Binds every worker's socket.
    public func start() async throws {
        let tick = TimeAmount.nanoseconds(Int64(configuration.tickInterval.components.seconds * 1_000_000_000
            + configuration.tickInterval.components.attoseconds / 1_000_000_000))
        candidateAddresses = []
        for w in workers {
            let (host, port) = configuration.endpoints.isEmpty
                ? (configuration.listenAddress, configuration.port == 0 ? 0 : configuration.port + w.index)
                : configuration.endpoints[w.index]
            try await w.start(host: host, port: port, tickInterval: tick,
                              segmentationOffload: configuration.segmentationOffload)
            candidateAddresses.append(Self.candidateAddresses(for: configuration, listenAddress: host))
        }
        housekeeping = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                await self?.expireIdleRooms(now: .now)
                await self?.stopSilentRecordings(now: .now)
            }
        }
        // Recordings a dead process left unfinished become playable now, in the background.
        recovery = recordingBackend?.recoverUnfinished(in: configuration.recordingDirectory, events: events)
        logger.info("media workers listening", metadata: [
            "ports": "\(workers.map(\.localPort))",
            "candidates": "\(candidateAddresses)",
        ])
    }

    public func shutdown() async {
        housekeeping?.cancel()
        for id in Array(rooms.keys) { try? await deleteRoom(id: id, reason: "shutdown") }
        // Playable files being built are finished (what is not, the next start recovers).
        await recovery?.value
        for task in finishing.values { _ = await task.value }
        for t in roomTickers.values { t.cancel() }
        roomTickers.removeAll()
        for w in workers { await w.stop() }
        for loop in loops { try? await loop.shutdownGracefully() }
    }

    /// The addresses candidates carry: announced ones, else the listen address, else every
    /// interface address (plus loopback when configured).
    static func candidateAddresses(for c: MediaConfiguration, listenAddress: String) -> [String] {
        if !c.announcedAddresses.isEmpty { return c.announcedAddresses }
        if listenAddress != "0.0.0.0" && listenAddress != "::" { return [listenAddress] }
        var out: [String] = []
        for device in (try? System.enumerateDevices()) ?? [] {
            guard case .v4 = device.address, let ip = device.address?.ipAddress else { continue }
            if ip.hasPrefix("127.") { continue }
            if !out.contains(ip) { out.append(ip) }
        }
        if c.loopbackCandidates || out.isEmpty { out.append("127.0.0.1") }
        return out
    }

    // MARK: rooms

    public func createRoom(id: String?, kind: RoomKind, description: String?,
                           settings options: RoomSettings = RoomSettings()) async throws(ControlError) -> RoomInfo {
        let id = id ?? Self.randomID()
        let record = options.record
        guard isValidID(id) else { throw .invalidID(id) }
        guard rooms[id] == nil else { throw .roomExists(id) }
        if kind != .conference, options.maxMembers != nil || options.musicOnHold { throw .notConference(id) }
        if kind == .echo, options.lobby { throw .invalidOption("lobby is for conference and streaming rooms") }
        if let streamers = options.streamers {
            guard kind == .streaming else { throw .invalidOption("streamers is a streaming room's option") }
            guard !streamers.isEmpty, streamers.allSatisfy({ $0 == "*" || isValidUserID($0) }) else {
                throw .invalidOption("streamers must list user ids (1-64 characters from A-Z a-z 0-9 _ - . @), \"*\" or \"moderators\"")
            }
        }
        if let n = options.maxMembers, !(1...configuration.maxMembersPerRoom).contains(n) {
            throw .invalidOption("max_members must be between 1 and \(configuration.maxMembersPerRoom) (the bridge's max_members_per_room)")
        }
        if options.musicOnHold, configuration.holdMusic == nil {
            throw .invalidOption("music_on_hold needs an Ogg Opus file in the configuration (music_on_hold_file)")
        }
        if record {
            guard kind != .echo else { throw .notRecordable(id) }
            recordedRooms.insert(id)
        } else {
            recordedRooms.remove(id)
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
        events.emit("room_created", room: id, kind: kind.rawValue)
        rooms[id] = room
        roomAccess[id] = RoomAccess(pin: options.pin, secret: options.secret, lobby: options.lobby, streamers: options.streamers,
                                    singleAccess: options.singleAccess)
        if options.permanent { permanentRooms.insert(id) } else { permanentRooms.remove(id) }
        emptySince[id] = .now
        roomTickers[id] = worker.eventLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
            room.tick(now: .now)
        }
        logger.info("room created", metadata: ["room": "\(id)", "kind": "\(kind.rawValue)", "worker": "\(worker.index)"])
        return await onLoop(room) { $0.info }
    }

    public func listRooms() async -> [RoomInfo] {
        var out: [RoomInfo] = []
        for id in rooms.keys.sorted() { out.append(await info(id, rooms[id]!)) }
        return out
    }

    public func room(id: String) async throws(ControlError) -> RoomInfo {
        guard let room = rooms[id] else { throw .roomNotFound(id) }
        return await info(id, room)
    }

    public func deleteRoom(id: String, reason: String = "api") async throws(ControlError) {
        guard let room = rooms.removeValue(forKey: id) else { throw .roomNotFound(id) }
        roomTickers.removeValue(forKey: id)?.cancel()
        for t in groupTickers.removeValue(forKey: id) ?? [] { t.cancel() }
        var remote: [ViewerGroup] = []
        for (_, task) in (groups.removeValue(forKey: id) ?? [:]).sorted(by: { $0.key < $1.key }) { remote.append(await task.value) }
        emptySince[id] = nil
        if let running = recordings[id]?.last, running.stopped == nil {
            _ = try? await stopRecording(roomID: id, recordingID: running.id, room: room, reason: reason == "api" ? "room_destroyed" : reason)
        }
        recordings[id] = nil
        recordedRooms.remove(id)
        roomAccess[id] = nil
        permanentRooms.remove(id)
        await onLoop(room) { $0.close() }
        for g in remote { await onLoop(of: g) { $0.close() } }
        events.emit("room_destroyed", room: id, reason: reason)
        logger.info("room deleted", metadata: ["room": "\(id)"])
    }

    /// The room as the API shows it: with viewers on other workers, one list in join order.
    private func info(_ id: String, _ room: any Room) async -> RoomInfo {
        var info = await plainInfo(id, room)
        for i in info.participants.indices { annotate(&info.participants[i], roomID: id) }
        return info
    }

    private func plainInfo(_ id: String, _ room: any Room) async -> RoomInfo {
        let remote = await viewerGroups(of: id)
        guard !remote.isEmpty, let streaming = room as? StreamingRoom else { return await onLoop(room) { $0.info } }
        let (home, streamers) = await onLoop(of: streaming) { r in (r.local.infos, r.info.participants.filter { $0.role == "streamer" }) }
        var viewers = home
        for g in remote { viewers += await onLoop(of: g) { $0.infos } }
        viewers.sort { $0.joined < $1.joined }
        return RoomInfo(id: id, kind: .streaming, description: streaming.description,
                        participants: streamers + viewers.map(\.info))
    }

    /// Every part of a room: the room on its home worker, then its viewer groups elsewhere.
    private func parts(of id: String, _ room: any Room) async -> [any RoomPart] {
        var out: [any RoomPart] = [room]
        for g in await viewerGroups(of: id) { out.append(g) }
        return out
    }

    /// The part of the room that has this participant.
    private func part(of roomID: String, _ room: any Room, participant: String) async -> (any RoomPart)? {
        for p in await parts(of: roomID, room) where await onLoop(part: p, { $0.peer(participant) != nil }) { return p }
        return nil
    }

    /// The room's viewer groups on other workers (those whose creation has finished or is under way).
    private func viewerGroups(of id: String) async -> [ViewerGroup] {
        var out: [ViewerGroup] = []
        for (_, task) in (groups[id] ?? [:]).sorted(by: { $0.key < $1.key }) { out.append(await task.value) }
        return out
    }

    // MARK: participants

    /// Options of a new participant.
    public struct ParticipantRequest: Sendable {
        public var offer: String
        public var role: ParticipantRole?
        public var display: String?
        /// Force a DTLS role when the offer says actpass (default: server, `a=setup:passive`).
        public var dtlsRole: DTLSConnection.Role?
        /// A streamer recorded from the moment it publishes.
        public var record: Bool
        /// Conference members: what each published section is, by mid.
        public var sources: [String: TrackSource]
        /// The room's pin, when it has one.
        public var pin: String?
        /// Who this is for the signaling server (what a kick's ban names).
        public var userID: String?
        /// Conference rooms: waits in the lobby (also every non-moderator of a lobby room).
        public var lobby: Bool
        public var moderator: Bool
        /// One connection for this user id in the room, even if the room does not ask for it
        /// (a second join is then refused, or replaces this one if the room says so).
        public var singleAccess = false
        /// A join token for this room admitted it: the pin is not asked for.
        public var tokenAdmitted = false
        public init(offer: String, role: ParticipantRole? = nil, display: String? = nil, dtlsRole: DTLSConnection.Role? = nil,
                    record: Bool = false, sources: [String: TrackSource] = [:], pin: String? = nil, userID: String? = nil,
                    lobby: Bool = false, moderator: Bool = false) {
            self.lobby = lobby
            self.moderator = moderator
            self.sources = sources
            self.pin = pin
            self.userID = userID
            self.offer = offer
            self.role = role
            self.display = display
            self.dtlsRole = dtlsRole
            self.record = record
        }
    }

    public struct ParticipantCreated: Sendable, Codable {
        public var id: String
        public var answer: String
        /// Conference rooms: it waits in the lobby (its signaling channel says when admitted).
        public var lobby: Bool?
    }

    /// Answers a peer's offer and creates its transport in the room (a streaming room's viewer:
    /// on the least-loaded worker, when viewers are spread).
    public func addParticipant(roomID: String, _ request: ParticipantRequest) async throws(ControlError) -> ParticipantCreated {
        guard let room = rooms[roomID] else { throw .roomNotFound(roomID) }
        let offer: SessionDescription
        do { offer = try SessionDescription(parsing: request.offer) } catch {
            throw .negotiation(.invalidSDP("\(error)"))
        }
        guard request.tokenAdmitted || RoomAccess.matches(roomAccess[roomID]?.pin, request.pin) else { throw .wrongPin(roomID) }
        if let until = roomAccess[roomID]?.isBanned(request.userID, now: .now) {
            throw .banned(room: roomID, seconds: Int((until - .now).components.seconds) + 1)
        }
        var standby = false
        if room is StreamingRoom, request.role == .streamer, let access = roomAccess[roomID], access.streamers != nil {
            guard access.mayStream(userID: request.userID, moderator: request.moderator) else {
                throw .notAllowed("user \(request.userID ?? "(none: no user_id)") may not stream in room \(roomID): only its streamers may")
            }
            standby = true
        }
        if let user = request.userID, request.singleAccess || roomAccess[roomID]?.singleAccess != nil {
            let present = await presentParticipants(of: user, in: roomID, room)
            if !present.isEmpty {
                switch roomAccess[roomID]?.singleAccess ?? .refuse {
                case .refuse:
                    throw .alreadyJoined(room: roomID, user: user)
                case .replace:
                    for other in present {
                        try? await removeParticipant(roomID: roomID, id: other, reason: "replaced")
                        roomAccess[roomID]?.people[other] = nil
                    }
                }
            }
        }
        if request.record {
            guard !(room is EchoRoom) else { throw .notRecordable(roomID) }
            guard request.role == .streamer || request.role == .member else {
                throw .invalidRole("only a streamer or a conference member can be recorded (\"record\": true)")
            }
        }
        let pid = Self.randomID()
        var part: any RoomPart = room
        if request.role == .viewer, let streaming = room as? StreamingRoom {
            let w = placeViewer(home: room.worker.index)
            if w != room.worker.index { part = await viewerGroup(of: streaming, on: w) }
        }
        let worker = part.worker
        let port = worker.localPort
        let local = LocalTransportParameters(ice: ICECredentials.random(), fingerprint: certificate.sha256Fingerprint,
                                             candidates: candidateAddresses[worker.index].map { ($0, port) },
                                             preferredRole: request.dtlsRole ?? .server)
        // Conference members and streaming rooms' viewers may wait in the lobby.
        let waits = (room is ConferenceRoom || (room is StreamingRoom && request.role == .viewer))
            && (request.lobby || (roomAccess[roomID]?.lobby == true && !request.moderator))
        let join = JoinRequest(participantID: pid, role: request.role, display: request.display, offer: offer,
                               local: local, consentTimeout: configuration.consentTimeout, sources: request.sources, lobby: waits,
                               standby: standby)
        roomAccess[roomID]?.people[pid] = .init(userID: request.userID, moderator: request.moderator, joining: true)
        joining[worker.index] += 1
        let result: Result<String, ControlError> = await onLoop(part: part) { part in
            do throws(ControlError) { return .success(try part.join(join)) } catch { return .failure(error) }
        }
        joining[worker.index] -= 1
        switch result {
        case .success(let answer):
            roomAccess[roomID]?.people[pid]?.joining = false
            logger.info("participant joined", metadata: ["room": "\(roomID)", "participant": "\(pid)",
                                                         "role": "\(request.role?.rawValue ?? "-")", "worker": "\(worker.index)"])
            let running = recordings[roomID]?.last.map { $0.stopped == nil } ?? false
            if request.role == .streamer || request.role == .member, request.record || recordedRooms.contains(roomID), !running {
                // Recorded from the moment it publishes: the files start with its first packet.
                do {
                    _ = try await startRecording(roomID: roomID, participants: request.record ? [pid] : nil)
                } catch {
                    logger.error("cannot start the room's recording", metadata: ["room": "\(roomID)", "error": "\(error.message)"])
                }
            }
            return ParticipantCreated(id: pid, answer: answer, lobby: waits ? true : nil)
        case .failure(let error):
            roomAccess[roomID]?.people[pid] = nil
            throw error
        }
    }

    /// The participants in the room that joined as `user` (joins under way count); entries of
    /// those that left are dropped.
    private func presentParticipants(of user: String, in roomID: String, _ room: any Room) async -> [String] {
        var out: [String] = []
        for pid in roomAccess[roomID]?.participants(of: user) ?? [] {
            if roomAccess[roomID]?.people[pid]?.joining == true {
                out.append(pid)
            } else if await part(of: roomID, room, participant: pid) != nil {
                out.append(pid)
            } else {
                roomAccess[roomID]?.people[pid] = nil
            }
        }
        return out
    }

    /// The user id a participant joined with, if it is in the room.
    public func userID(roomID: String, participantID: String) -> String? {
        roomAccess[roomID]?.people[participantID]?.userID
    }

    /// Whether `user` is in the room as a moderator now (granted at join or since, not revoked).
    public func isModerator(roomID: String, user: String) async -> Bool {
        guard let room = rooms[roomID] else { return false }
        for pid in await presentParticipants(of: user, in: roomID, room) where roomAccess[roomID]?.people[pid]?.moderator == true {
            return true
        }
        return false
    }

    /// Grants or revokes moderator: `moderator_granted` / `moderator_revoked`, and a conference
    /// member is told on its signaling channel.
    public func setModerator(roomID: String, participantID: String, moderator: Bool) async throws(ControlError) {
        guard let room = rooms[roomID] else { throw .roomNotFound(roomID) }
        guard await part(of: roomID, room, participant: participantID) != nil else {
            throw .participantNotFound(room: roomID, participant: participantID)
        }
        let before = roomAccess[roomID]?.people[participantID]?.moderator ?? false
        roomAccess[roomID]?.people[participantID, default: .init(userID: nil, moderator: false, joining: false)].moderator = moderator
        if let c = room as? ConferenceRoom {
            await onLoop(of: c) { _ = $0.tell(member: participantID, "moderator", ["moderator": moderator]) }
        }
        if before != moderator {
            events.emit(moderator ? "moderator_granted" : "moderator_revoked", room: roomID, participant: participantID)
        }
    }

    /// Who a participant is: its user id and whether it moderates (the API adds them to the
    /// room's view of it).
    private func annotate(_ p: inout ParticipantInfo, roomID: String) {
        guard let person = roomAccess[roomID]?.people[p.id] else { return }
        p.userId = person.userID
        p.moderator = person.moderator ? true : nil
    }

    /// ICE restart with the participant's new offer; returns the answer.
    public func restartICE(roomID: String, participantID: String, offer text: String) async throws(ControlError) -> String {
        guard let room = rooms[roomID] else { throw .roomNotFound(roomID) }
        let offer: SessionDescription
        do { offer = try SessionDescription(parsing: text) } catch {
            throw .negotiation(.invalidSDP("\(error)"))
        }
        guard let part = await part(of: roomID, room, participant: participantID) else {
            throw .participantNotFound(room: roomID, participant: participantID)
        }
        let port = part.worker.localPort
        let local = LocalTransportParameters(ice: ICECredentials.random(), fingerprint: certificate.sha256Fingerprint,
                                             candidates: candidateAddresses[part.worker.index].map { ($0, port) })
        let result: Result<String, ControlError> = await onLoop(part: part) { part in
            do throws(ControlError) {
                return .success(try part.restartICE(participantID: participantID, offer: offer, local: local))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    public func participant(roomID: String, id: String) async throws(ControlError) -> ParticipantInfo {
        guard let room = rooms[roomID] else { throw .roomNotFound(roomID) }
        for part in await parts(of: roomID, room) {
            if var info = await onLoop(part: part, { $0.participantInfo(id) }) {
                annotate(&info, roomID: roomID)
                return info
            }
        }
        throw .participantNotFound(room: roomID, participant: id)
    }

    public func removeParticipant(roomID: String, id: String, reason: String = "api") async throws(ControlError) {
        guard let room = rooms[roomID] else { throw .roomNotFound(roomID) }
        for part in await parts(of: roomID, room) where await onLoop(part: part, { $0.remove(participantID: id, reason: reason) }) {
            return
        }
        throw .participantNotFound(room: roomID, participant: id)
    }

    // MARK: room protection and moderation

    /// Managing a room with a secret needs it (`X-Room-Secret`).
    public func checkSecret(roomID: String, secret: String?) throws(ControlError) {
        guard rooms[roomID] != nil else { throw .roomNotFound(roomID) }
        guard RoomAccess.matches(roomAccess[roomID]?.secret, secret) else { throw .wrongSecret(roomID) }
    }

    /// Closes the participant's transport (`participant_left` reason `kicked`); the user id it
    /// joined with may not rejoin for `ban`.
    public func kick(roomID: String, participantID: String, ban: Duration?) async throws(ControlError) {
        try await removeParticipant(roomID: roomID, id: participantID, reason: "kicked")
        if let ban, ban > .zero, let user = roomAccess[roomID]?.people[participantID]?.userID {
            roomAccess[roomID]?.ban(user, until: .now + ban)
        }
        roomAccess[roomID]?.people[participantID] = nil
        logger.info("participant kicked", metadata: ["room": "\(roomID)", "participant": "\(participantID)", "ban_seconds": "\(ban?.components.seconds ?? 0)"])
    }

    /// Admits a member waiting in a conference's lobby, denies it, or sends it back there.
    public func lobby(roomID: String, participantID: String, action: LobbyAction) async throws(ControlError) {
        guard let room = rooms[roomID] else { throw .roomNotFound(roomID) }
        let found: Bool
        if let c = room as? ConferenceRoom {
            found = await onLoop(of: c) { $0.lobby(member: participantID, action: action) }
        } else if room is StreamingRoom {
            // Its viewers are in the home group (the room's `local`) or a group on another worker.
            let part = await part(of: roomID, room, participant: participantID)
            if let group = (part as? StreamingRoom)?.local ?? part as? ViewerGroup {
                found = await onLoop(of: group) { $0.lobby(viewer: participantID, action: action) }
            } else {
                found = false
            }
        } else {
            throw .notConference(roomID)
        }
        guard found else { throw .participantNotFound(room: roomID, participant: participantID) }
    }

    /// Stops (or resumes) forwarding a publisher's audio or video; it is told (conference
    /// members on their signaling channel) and a `participant_muted` event goes out.
    public func setMuted(roomID: String, participantID: String, kind: MediaKind, muted: Bool) async throws(ControlError) {
        guard let room = rooms[roomID] else { throw .roomNotFound(roomID) }
        let found: Bool
        if let c = room as? ConferenceRoom {
            found = await onLoop(of: c) { $0.setMuted(member: participantID, kind: kind, muted: muted) }
        } else if let st = room as? StreamingRoom {
            found = await onLoop(of: st) { $0.setMuted(streamer: participantID, kind: kind, muted: muted) }
        } else {
            found = false
        }
        guard found else { throw .participantNotFound(room: roomID, participant: participantID) }
        events.emit("participant_muted", room: roomID, participant: participantID, kind: kind.rawValue, reason: muted ? "muted" : "unmuted")
    }

    // MARK: conference rooms

    private func conference(_ roomID: String) throws(ControlError) -> ConferenceRoom {
        guard let room = rooms[roomID] else { throw .roomNotFound(roomID) }
        guard let c = room as? ConferenceRoom else { throw .notConference(roomID) }
        return c
    }

    /// A member's signaling channel connected: `send` carries the bridge's messages to it (an
    /// offer still waiting for its answer goes at once).
    public func attachSignal(roomID: String, participantID: String, send: @escaping @Sendable (String) -> Void) async throws(ControlError) {
        let room = try conference(roomID)
        guard await onLoop(of: room, { $0.attachSignal(member: participantID, send) }) else {
            throw .participantNotFound(room: roomID, participant: participantID)
        }
    }

    public func detachSignal(roomID: String, participantID: String) async {
        guard let room = try? conference(roomID) else { return }
        await onLoop(of: room) { $0.detachSignal(member: participantID) }
    }

    /// A message from a member's signaling channel (its answer, or an offer of its own).
    public func signal(roomID: String, participantID: String, text: String) async throws(ControlError) {
        let room = try conference(roomID)
        let message = try SignalMessage.parse(text)
        await onLoop(of: room) { $0.signal(from: participantID, message) }
    }

    /// Pauses or resumes tracks a member receives, and/or sets its last-N video limit.
    public func setSubscriptions(roomID: String, participantID: String, tracks: [String], paused: Bool?,
                                 maxVideo: Int??) async throws(ControlError) -> [TrackInfo] {
        let room = try conference(roomID)
        let result: Result<[TrackInfo], ControlError> = await onLoop(of: room) { r in
            do throws(ControlError) {
                var out: [TrackInfo] = []
                if let paused { out = try r.setPaused(member: participantID, tracks: tracks, paused: paused) }
                if let maxVideo { out = try r.setMaxVideo(member: participantID, count: maxVideo) }
                if paused == nil && maxVideo == nil { out = try r.setPaused(member: participantID, tracks: [], paused: false) }
                return .success(out)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    // MARK: recordings

    /// The recorders of one recording: one in a streaming room (the room's stream), one per
    /// recorded member in a conference room (made on the room's loop as members publish).
    final class RecorderSet: Sendable {
        private let list = Mutex<[any RecorderControl]>([])
        func append(_ r: any RecorderControl) { list.withLock { $0.append(r) } }
        var all: [any RecorderControl] { list.withLock { $0 } }
    }

    struct RecordingEntry {
        let id: String
        let room: String
        let participants: [String]?
        let recorders: RecorderSet
        let started: Date
        let startedMonotonic: ContinuousClock.Instant
        let noMediaTimeout: Duration?
        var stopped: Date?
        var reason: String?
        /// After stop: each recorder's playable file (or why there is none).
        var finished: [FinishedRecording]?
    }

    /// Starts recording a room into `configuration.recordingDirectory`: a streaming room's stream
    /// (every streamer, or only `participants`), or in a conference room each member (or only
    /// `participants`) from the moment it publishes, into files of its own. Video starts on a
    /// key frame (one is requested now). Stops by itself after `noMediaTimeout` (default: the
    /// configuration's) without a packet.
    public func startRecording(roomID: String, participants: [String]? = nil,
                               noMediaTimeout: Duration? = nil) async throws(ControlError) -> RecordingInfo {
        guard isValidID(roomID) else { throw .invalidID(roomID) }
        for p in participants ?? [] where !isValidID(p) { throw .invalidID(p) }
        guard let room = rooms[roomID] else { throw .roomNotFound(roomID) }
        guard room is StreamingRoom || room is ConferenceRoom else {
            throw .notRecordable(roomID)
        }
        if let running = recordings[roomID]?.last, running.stopped == nil {
            throw .recordingExists(room: roomID, recording: running.id)
        }
        let directory = configuration.recordingDirectory
        let rid = Self.randomID()
        guard let backend = recordingBackend else {
            let why = "recording is not available: this bridge runs without a recording backend"
            events.emit("recording_failed", room: roomID, reason: why, recording: rid)
            throw .recordingFailed(why)
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            guard access(directory, W_OK) == 0 else { throw POSIXError(.EACCES) }
        } catch {
            let why = "cannot write to the recording directory \(directory): \(error.localizedDescription)"
            events.emit("recording_failed", room: roomID, reason: why, recording: rid)
            throw .recordingFailed(why)
        }
        let events = events, logger = logger
        let onError: @Sendable (String?, String) -> Void = { [weak self] participant, why in
            logger.error("recording failed", metadata: ["room": "\(roomID)", "recording": "\(rid)", "error": "\(why)"])
            events.emit("recording_failed", room: roomID, participant: participant, reason: why, recording: rid)
            Task { [weak self] in _ = try? await self?.stopRecording(roomID: roomID, recordingID: rid, reason: "failed") }
        }
        let onDropped: @Sendable (UInt64) -> Void = { total in
            events.emit("recording_packets_dropped", room: roomID, reason: "\(total) packets lost: the disk is too slow", recording: rid)
        }
        let set = RecorderSet()
        if let streaming = room as? StreamingRoom {
            let recorder = try backend.makeRecorder(id: rid, room: roomID, directory: directory, participant: nil,
                                                    participants: participants, events: events,
                                                    onError: { onError(nil, $0) }, onDropped: onDropped)
            do throws(ControlError) {
                try recorder.start()
            } catch {
                events.emit("recording_failed", room: roomID, reason: error.message, recording: rid)
                throw error
            }
            set.append(recorder)
            let sink = recorder.sink
            await onLoop(of: streaming) { $0.startRecording(sink, now: .now) }
        } else if let conference = room as? ConferenceRoom {
            // Made on the room's loop as members publish; the writer thread writes the manifest.
            let wanted = participants.map(Set.init)
            let make: @Sendable (String) -> (any RecordingSink)? = { pid in
                guard wanted?.contains(pid) ?? true,
                      let r = try? backend.makeRecorder(id: rid, room: roomID, directory: directory, participant: pid,
                                                        participants: participants, events: events,
                                                        onError: { onError(pid, $0) }, onDropped: onDropped) else { return nil }
                r.startOffLoop()
                set.append(r)
                return r.sink
            }
            await onLoop(of: conference) { $0.startRecording(make, now: .now) }
        }
        let entry = RecordingEntry(id: rid, room: roomID, participants: participants, recorders: set, started: Date(),
                                   startedMonotonic: .now, noMediaTimeout: noMediaTimeout ?? configuration.recordingNoMediaTimeout)
        recordings[roomID, default: []].append(entry)
        let paths = set.all.flatMap(\.plannedFiles)
        events.emit("recording_started", room: roomID, participant: participants?.joined(separator: ","), recording: rid, files: paths)
        logger.info("recording started", metadata: ["room": "\(roomID)", "recording": "\(rid)", "directory": "\(directory)"])
        return Self.info(entry)
    }

    public func listRecordings(roomID: String) throws(ControlError) -> [RecordingInfo] {
        guard rooms[roomID] != nil else { throw .roomNotFound(roomID) }
        return (recordings[roomID] ?? []).map(Self.info)
    }

    /// Stops a recording: no more packets reach it, then its files are flushed and closed; the
    /// playable files are then built in the background (`recording_ready`, one per participant).
    public func stopRecording(roomID: String, recordingID: String, reason: String = "api") async throws(ControlError) -> RecordingInfo {
        guard let room = rooms[roomID] else { throw .roomNotFound(roomID) }
        return try await stopRecording(roomID: roomID, recordingID: recordingID, room: room, reason: reason)
    }

    private func stopRecording(roomID: String, recordingID: String, room: any Room, reason: String) async throws(ControlError) -> RecordingInfo {
        guard let index = recordings[roomID]?.firstIndex(where: { $0.id == recordingID }) else {
            throw .recordingNotFound(room: roomID, recording: recordingID)
        }
        let entry = recordings[roomID]![index]
        guard entry.stopped == nil else { return Self.info(entry) }
        recordings[roomID]![index].stopped = Date()
        recordings[roomID]![index].reason = reason
        if let streaming = room as? StreamingRoom { await onLoop(of: streaming) { $0.stopRecording() } }
        if let conference = room as? ConferenceRoom { await onLoop(of: conference) { $0.stopRecording() } }
        let recorders = entry.recorders.all
        for recorder in recorders { await recorder.stop() }
        let stopped = recordings[roomID]?[index] ?? entry
        let files = entry.recorders.all.flatMap(\.files)
        events.emit("recording_stopped", room: roomID, reason: reason, recording: recordingID, files: files)
        logger.info("recording stopped", metadata: ["room": "\(roomID)", "recording": "\(recordingID)", "reason": "\(reason)",
                                                    "bytes": "\(entry.recorders.all.reduce(0) { $0 + $1.bytes })",
                                                    "dropped": "\(entry.recorders.all.reduce(0) { $0 + $1.dropped })"])
        let task = Task { () -> [FinishedRecording] in
            var out: [FinishedRecording] = []
            for recorder in recorders { out.append(await recorder.finish()) }
            return out
        }
        finishing[recordingID] = task
        Task {
            let done = await task.value
            self.finished(roomID: roomID, recordingID: recordingID, done)
        }
        return Self.info(stopped)
    }

    private func finished(roomID: String, recordingID: String, _ results: [FinishedRecording]) {
        finishing[recordingID] = nil
        guard let index = recordings[roomID]?.firstIndex(where: { $0.id == recordingID }) else { return }
        recordings[roomID]![index].finished = results
    }

    /// Stops the recordings whose tracks have all been silent longer than their `noMediaTimeout`.
    func stopSilentRecordings(now: ContinuousClock.Instant) async {
        for (roomID, list) in recordings {
            guard let e = list.last, e.stopped == nil, let timeout = e.noMediaTimeout else { continue }
            let silent = e.recorders.all.compactMap(\.sinceLastPacket).min() ?? now - e.startedMonotonic
            if silent >= timeout {
                _ = try? await stopRecording(roomID: roomID, recordingID: e.id, reason: "no_media")
            }
        }
    }

    private static func info(_ e: RecordingEntry) -> RecordingInfo {
        let end = e.stopped ?? Date()
        let recorders = e.recorders.all
        let error = recorders.compactMap(\.error).first ?? e.finished?.compactMap(\.error).first
        let state: String
        if let finished = e.finished {
            state = finished.contains { $0.state == .failed } || finished.isEmpty ? "failed" : "ready"
        } else {
            state = recorders.contains { $0.error != nil } ? "failed" : e.stopped == nil ? "recording" : "stopped"
        }
        let playable = e.finished?.compactMap(\.playable) ?? []
        return RecordingInfo(id: e.id, room: e.room, state: state,
                             startedAt: e.started.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)),
                             durationS: (end.timeIntervalSince(e.started) * 1000).rounded() / 1000,
                             bytes: recorders.reduce(0) { $0 + $1.bytes }, packets: recorders.reduce(0) { $0 + $1.packets },
                             dropped: recorders.reduce(0) { $0 + $1.dropped },
                             files: recorders.flatMap(\.files), error: error,
                             participants: e.participants, playable: playable.first,
                             playableFiles: playable.isEmpty ? nil : playable, stopReason: e.reason)
    }

    // MARK: viewers on other workers

    /// Where a new viewer of a room homed on `home` goes: the worker with the fewest transports
    /// (joins under way included), the home one on a tie. Always home with one worker or
    /// `spreadViewers` off.
    private func placeViewer(home: Int) -> Int {
        guard configuration.spreadViewers, workers.count > 1 else { return home }
        var best = home
        var bestLoad = workers[home].load + joining[home]
        for w in workers where w.index != home {
            let load = w.load + joining[w.index]
            if load < bestLoad { (best, bestLoad) = (w.index, load) }
        }
        return best
    }

    /// The room's viewer group on worker `w` (not its home), created on first use: the rings
    /// both ways, the group registered on `w` for the room's token, attached to the room (which
    /// then feeds it), and its once-a-second tick.
    private func viewerGroup(of room: StreamingRoom, on w: Int) async -> ViewerGroup {
        if let task = groups[room.id]?[w] { return await task.value }
        let home = room.worker.index
        let down = ring(from: home, to: w), up = ring(from: w, to: home)
        let worker = workers[w]
        let events = events, interval = configuration.keyFrameInterval
        let task = Task { () -> ViewerGroup in
            let (down, up) = (await down.value, await up.value)
            let group = ViewerGroup(id: room.id, worker: worker, events: events, token: room.token, uplink: up,
                                    keyFrameInterval: interval)
            try! await worker.eventLoop.submit { worker.register(receiver: group, token: room.token) }.get()
            try! await room.worker.eventLoop.submit { room.attach(group, ring: down) }.get()
            return group
        }
        groups[room.id, default: [:]][w] = task
        let group = await task.value
        // The room may have been deleted while the group was made.
        if groups[room.id]?[w] != nil {
            groupTickers[room.id, default: []].append(
                worker.eventLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in group.tick(now: .now) })
            logger.info("viewer group created", metadata: ["room": "\(room.id)", "worker": "\(w)", "home": "\(home)"])
        }
        return group
    }

    /// The ring from worker `a` to worker `b`, created once and registered with `b` (which
    /// drains it) before anyone pushes to it.
    private func ring(from a: Int, to b: Int) -> Task<WorkerRing, Never> {
        let key = a * workers.count + b
        if let task = rings[key] { return task }
        let consumer = workers[b]
        let task = Task { () -> WorkerRing in
            let ring = WorkerRing(source: a, destination: b, wakeFD: consumer.inboxFD)
            try! await consumer.eventLoop.submit { consumer.addInbox(ring) }.get()
            return ring
        }
        rings[key] = task
        return task
    }

    private func takeToken() -> UInt32 {
        defer { nextToken &+= 1 }
        return nextToken
    }

    /// Deletes rooms that have had no participants for `roomIdleTimeout`.
    func expireIdleRooms(now: ContinuousClock.Instant) async {
        for (id, room) in rooms where !permanentRooms.contains(id) {
            var empty = true
            for part in await parts(of: id, room) where !(await onLoop(part: part, { $0.isEmpty })) { empty = false }
            if empty {
                let since = emptySince[id] ?? now
                emptySince[id] = since
                if now - since >= configuration.roomIdleTimeout {
                    try? await deleteRoom(id: id, reason: "idle")
                    logger.info("room expired", metadata: ["room": "\(id)", "idle_seconds": "\((now - since).components.seconds)"])
                }
            } else {
                emptySince[id] = nil
            }
        }
    }

    public func stats() async -> ServerStats {
        var stats = ServerStats(workers: workers.count, ports: workers.map(\.localPort), rooms: rooms.count,
                                transports: 0, datagramsReceived: 0, datagramsSent: 0, bytesReceived: 0, bytesSent: 0,
                                participants: [:], dropped: [:], forwarding: ForwardingHistogram())
        var drops = DropCounters()
        for w in workers {
            let (t, r, s, br, bs, d, f, gso) = (try? await w.eventLoop.submit {
                (w.transports.count, w.datagramsReceived, w.datagramsSent, w.bytesReceived, w.bytesSent, w.drops, w.forwarding,
                 w.segmentation)
            }.get()) ?? (0, 0, 0, 0, 0, DropCounters(), ForwardingHistogram(), (datagrams: UInt64(0), messages: UInt64(0)))
            stats.segmentedDatagrams += gso.datagrams
            stats.segmentedMessages += gso.messages
            stats.forwarding = stats.forwarding + f
            stats.transports += t
            stats.datagramsReceived += r
            stats.datagramsSent += s
            stats.bytesReceived += br
            stats.bytesSent += bs
            drops = drops + d
        }
        stats.dropped = drops.dictionary
        for (id, room) in rooms {
            for p in await info(id, room).participants { stats.participants[p.role, default: 0] += 1 }
        }
        return stats
    }

    private func onLoop<T: Sendable>(_ room: any Room, _ body: @escaping @Sendable (any Room) -> T) async -> T {
        // Only fails when the loop is shut down, which happens after every room is closed.
        try! await room.worker.eventLoop.submit {
            let result = body(room)
            // What the call queued (PLIs to a streamer, close_notify to a leaving peer) goes now,
            // not at the next read batch.
            room.worker.flush()
            return result
        }.get()
    }

    private func onLoop<T: Sendable>(part: any RoomPart, _ body: @escaping @Sendable (any RoomPart) -> T) async -> T {
        try! await part.worker.eventLoop.submit {
            let result = body(part)
            part.worker.flush()
            return result
        }.get()
    }

    private func onLoop<P: RoomPart, T: Sendable>(of part: P, _ body: @escaping @Sendable (P) -> T) async -> T {
        try! await part.worker.eventLoop.submit {
            let result = body(part)
            part.worker.flush()
            return result
        }.get()
    }

    // MARK: tests

    /// Tests only: the participant's transport skips ICE and DTLS, as if both had completed
    /// with these keys (see `WebRTCTransport.establishForTesting`).
    func establishForTesting(roomID: String, participantID: String, profile: SRTPProfile, localKey: [UInt8], localSalt: [UInt8],
                             remoteKey: [UInt8], remoteSalt: [UInt8], remote: TransportAddress) async throws {
        guard let room = rooms[roomID], let part = await part(of: roomID, room, participant: participantID) else {
            throw ControlError.participantNotFound(room: roomID, participant: participantID)
        }
        try await part.worker.eventLoop.submit {
            guard let transport = part.peer(participantID)?.transport else { return }
            try transport.establishForTesting(profile: profile, localKey: localKey, localSalt: localSalt,
                                              remoteKey: remoteKey, remoteSalt: remoteSalt, remote: remote)
            part.worker.flush()
        }.get()
    }

    /// Tests only: the worker that serves the participant.
    func workerIndex(roomID: String, participantID: String) async -> Int? {
        guard let room = rooms[roomID] else { return nil }
        return await part(of: roomID, room, participant: participantID)?.worker.index
    }

    static func randomID() -> String {
        let chars = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<12).map { _ in chars.randomElement()! })
    }
}
