import ICE
import Logging
import NIOCore
import NIOPosix
import RTP

/// Where the data plane listens and what it announces.
public struct MediaConfiguration: Sendable {
    /// Address the UDP sockets bind to.
    public var listenAddress: String = "127.0.0.1"
    /// First UDP port; worker i listens on `port + i`. 0 picks ephemeral ports.
    public var port: Int = 40000
    /// Event loops, each with its own socket. Default: one per core.
    public var workers: Int = System.coreCount
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
    /// At most one key-frame request to a streamer per interval.
    public var keyFrameInterval: Duration = .milliseconds(500)
    /// UDP GSO: a flush sends the packets queued for one peer in one message (Linux 4.18+;
    /// turned off by itself on a route that refuses it).
    public var segmentationOffload: Bool = true

    public init() {}
}

/// The control plane's entry point into the SFU: rooms and participants, one command vocabulary
/// for every front end (HTTP API, later janus-compat). Each room lives on one worker's event loop;
/// every call here hops onto that loop.
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
    private var nextWorker = 0
    /// Per worker: the addresses its candidates carry.
    private var candidateAddresses: [[String]] = []

    public init(configuration: MediaConfiguration, logger: Logger = Logger(label: "bridged.sfu")) throws {
        self.configuration = configuration
        self.logger = logger
        let certificate = try DTLSCertificate()
        let context = try DTLSContext(certificate: certificate)
        self.certificate = certificate
        let count = configuration.endpoints.isEmpty ? max(1, configuration.workers) : configuration.endpoints.count
        let loops = (0..<count).map { MediaEventLoop(name: "media-\($0)") }
        self.loops = loops
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
            }
        }
        logger.info("media workers listening", metadata: [
            "ports": "\(workers.map(\.localPort))",
            "candidates": "\(candidateAddresses)",
        ])
    }

    public func shutdown() async {
        housekeeping?.cancel()
        for id in Array(rooms.keys) { try? await deleteRoom(id: id, reason: "shutdown") }
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

    public func createRoom(id: String?, kind: RoomKind, description: String?) async throws(ControlError) -> RoomInfo {
        let id = id ?? Self.randomID()
        guard isValidID(id) else { throw .invalidID(id) }
        guard rooms[id] == nil else { throw .roomExists(id) }
        let worker = workers[nextWorker % workers.count]
        nextWorker &+= 1
        let room: any Room = switch kind {
        case .echo: EchoRoom(id: id, description: description, worker: worker, events: events)
        case .streaming: StreamingRoom(id: id, description: description, worker: worker, events: events,
                                       keyFrameInterval: configuration.keyFrameInterval)
        }
        events.emit("room_created", room: id, kind: kind.rawValue)
        rooms[id] = room
        emptySince[id] = .now
        roomTickers[id] = worker.eventLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
            room.tick(now: .now)
        }
        logger.info("room created", metadata: ["room": "\(id)", "kind": "\(kind.rawValue)", "worker": "\(worker.index)"])
        return await onLoop(room) { $0.info }
    }

    public func listRooms() async -> [RoomInfo] {
        var out: [RoomInfo] = []
        for id in rooms.keys.sorted() { out.append(await onLoop(rooms[id]!) { $0.info }) }
        return out
    }

    public func room(id: String) async throws(ControlError) -> RoomInfo {
        guard let room = rooms[id] else { throw .roomNotFound(id) }
        return await onLoop(room) { $0.info }
    }

    public func deleteRoom(id: String, reason: String = "api") async throws(ControlError) {
        guard let room = rooms.removeValue(forKey: id) else { throw .roomNotFound(id) }
        roomTickers.removeValue(forKey: id)?.cancel()
        emptySince[id] = nil
        await onLoop(room) { $0.close() }
        events.emit("room_destroyed", room: id, reason: reason)
        logger.info("room deleted", metadata: ["room": "\(id)"])
    }

    // MARK: participants

    /// Options of a new participant.
    public struct ParticipantRequest: Sendable {
        public var offer: String
        public var role: ParticipantRole?
        public var display: String?
        /// Force a DTLS role when the offer says actpass (default: server, `a=setup:passive`).
        public var dtlsRole: DTLSConnection.Role?
        public init(offer: String, role: ParticipantRole? = nil, display: String? = nil, dtlsRole: DTLSConnection.Role? = nil) {
            self.offer = offer
            self.role = role
            self.display = display
            self.dtlsRole = dtlsRole
        }
    }

    public struct ParticipantCreated: Sendable, Codable {
        public var id: String
        public var answer: String
    }

    /// Answers a peer's offer and creates its transport in the room.
    public func addParticipant(roomID: String, _ request: ParticipantRequest) async throws(ControlError) -> ParticipantCreated {
        guard let room = rooms[roomID] else { throw .roomNotFound(roomID) }
        let offer: SessionDescription
        do { offer = try SessionDescription(parsing: request.offer) } catch {
            throw .negotiation(.invalidSDP("\(error)"))
        }
        let pid = Self.randomID()
        let port = room.worker.localPort
        let local = LocalTransportParameters(ice: ICECredentials.random(), fingerprint: certificate.sha256Fingerprint,
                                             candidates: candidateAddresses[room.worker.index].map { ($0, port) },
                                             preferredRole: request.dtlsRole ?? .server)
        let join = JoinRequest(participantID: pid, role: request.role, display: request.display, offer: offer,
                               local: local, consentTimeout: configuration.consentTimeout)
        let result: Result<String, ControlError> = await onLoop(room) { room in
            do throws(ControlError) { return .success(try room.join(join)) } catch { return .failure(error) }
        }
        switch result {
        case .success(let answer):
            logger.info("participant joined", metadata: ["room": "\(roomID)", "participant": "\(pid)",
                                                         "role": "\(request.role?.rawValue ?? "-")"])
            return ParticipantCreated(id: pid, answer: answer)
        case .failure(let error):
            throw error
        }
    }

    /// ICE restart with the participant's new offer; returns the answer.
    public func restartICE(roomID: String, participantID: String, offer text: String) async throws(ControlError) -> String {
        guard let room = rooms[roomID] else { throw .roomNotFound(roomID) }
        let offer: SessionDescription
        do { offer = try SessionDescription(parsing: text) } catch {
            throw .negotiation(.invalidSDP("\(error)"))
        }
        let port = room.worker.localPort
        let local = LocalTransportParameters(ice: ICECredentials.random(), fingerprint: certificate.sha256Fingerprint,
                                             candidates: candidateAddresses[room.worker.index].map { ($0, port) })
        let result: Result<String, ControlError> = await onLoop(room) { room in
            do throws(ControlError) {
                return .success(try room.restartICE(participantID: participantID, offer: offer, local: local))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    public func participant(roomID: String, id: String) async throws(ControlError) -> ParticipantInfo {
        guard let room = rooms[roomID] else { throw .roomNotFound(roomID) }
        guard let info = await onLoop(room, { $0.participantInfo(id) }) else {
            throw .participantNotFound(room: roomID, participant: id)
        }
        return info
    }

    public func removeParticipant(roomID: String, id: String) async throws(ControlError) {
        guard let room = rooms[roomID] else { throw .roomNotFound(roomID) }
        guard await onLoop(room, { $0.remove(participantID: id, reason: "api") }) else {
            throw .participantNotFound(room: roomID, participant: id)
        }
    }

    /// Deletes rooms that have had no participants for `roomIdleTimeout`.
    func expireIdleRooms(now: ContinuousClock.Instant) async {
        for (id, room) in rooms {
            if await onLoop(room, { $0.isEmpty }) {
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
        for room in rooms.values {
            for p in await onLoop(room, { $0.info.participants }) { stats.participants[p.role, default: 0] += 1 }
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

    static func randomID() -> String {
        let chars = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<12).map { _ in chars.randomElement()! })
    }
}
