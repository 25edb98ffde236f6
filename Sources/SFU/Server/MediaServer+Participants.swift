import Foundation
import ICE
import RTP

extension MediaServer {
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
        /// The most it may publish, in bits per second (the room's `max_bitrate` still bounds it).
        public var maxBitrate: Int?
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
        let entry = try entry(roomID)
        let room = entry.room
        let offer: SessionDescription
        do { offer = try SessionDescription(parsing: request.offer) } catch {
            throw .negotiation(.invalidSDP(error.description))
        }
        guard request.tokenAdmitted || RoomAccess.matches(entry.access.pin, request.pin) else { throw .wrongPin(roomID) }
        if let until = entry.access.isBanned(request.userID, now: .now) {
            throw .banned(room: roomID, seconds: Int((until - .now).components.seconds) + 1)
        }
        var standby = false
        if room.kind == .streaming, request.role == .streamer, entry.access.streamers != nil {
            guard entry.access.mayStream(userID: request.userID, moderator: request.moderator) else {
                throw .notAllowed(.notAStreamer(user: request.userID, room: roomID))
            }
            standby = true
        }
        if let user = request.userID, request.singleAccess || entry.access.singleAccess != nil {
            let present = await presentParticipants(of: user, in: roomID)
            if !present.isEmpty {
                switch entry.access.singleAccess ?? .refuse {
                case .refuse:
                    throw .alreadyJoined(room: roomID, user: user)
                case .replace:
                    for other in present {
                        try? await removeParticipant(roomID: roomID, id: other, reason: .replaced)
                        rooms[roomID]?.access.people[other] = nil
                    }
                }
            }
        }
        // A streaming room's viewer limit: joins under way count, so concurrent joins never exceed it.
        var countedViewer = false
        if request.role == .viewer, let limit = entry.maxViewers {
            rooms[roomID]?.viewersJoining += 1
            countedViewer = true
            var n = rooms[roomID]?.viewersJoining ?? 1
            for part in await parts(of: roomID) { n += await onLoop(part: part) { $0.viewerCount } }
            if n > limit {
                rooms[roomID]?.viewersJoining -= 1
                throw .viewerLimit(room: roomID, limit: limit)
            }
        }
        defer { if countedViewer { rooms[roomID]?.viewersJoining -= 1 } }
        if request.record {
            guard room.recordingPlan != nil else { throw .notRecordable(roomID) }
            guard request.role == .streamer || request.role == .member else {
                throw .invalidRole(.notRecorded(request.role))
            }
        }
        if let n = request.maxBitrate { try Self.checkBitrate(n) }
        let pid = Self.randomID()
        var part: any RoomPart = room
        if request.role == .viewer, room.spreadToken != nil {
            let w = placeViewer(home: room.worker.index)
            if w != room.worker.index { part = await viewerGroup(of: room, on: w) }
        }
        let worker = part.worker
        let port = worker.localPort
        let local = LocalTransportParameters(ice: ICECredentials.random(), fingerprint: certificate.sha256Fingerprint,
                                             candidates: candidateAddresses[worker.index].map { ($0, port) },
                                             preferredRole: request.dtlsRole ?? .server)
        // Conference members and streaming rooms' viewers may wait in the lobby.
        let waits = room.hasLobby(for: request.role) && (request.lobby || (entry.access.lobby && !request.moderator))
        let join = JoinRequest(participantID: pid, role: request.role, display: request.display, offer: offer,
                               local: local, consentTimeout: configuration.consentTimeout, sources: request.sources, lobby: waits,
                               standby: standby,
                               maxBitrate: [request.maxBitrate, entry.maxBitrate].compactMap { $0 }.min().map { UInt64($0) })
        rooms[roomID]?.access.people[pid] = .init(userID: request.userID, moderator: request.moderator, joining: true)
        joining[worker.index] += 1
        let result: Result<String, ControlError> = await onLoop(part: part) { part in
            do throws(ControlError) { return .success(try part.join(join)) } catch { return .failure(error) }
        }
        joining[worker.index] -= 1
        switch result {
        case .success(let answer):
            rooms[roomID]?.access.people[pid]?.joining = false
            logger.info("participant joined", metadata: ["room": "\(roomID)", "participant": "\(pid)",
                                                         "role": "\(request.role?.rawValue ?? "-")", "worker": "\(worker.index)"])
            let running = rooms[roomID]?.runningRecording != nil
            let recordsEveryone = rooms[roomID]?.recordsEveryone ?? false
            if request.role == .streamer || request.role == .member, request.record || recordsEveryone, !running {
                // Recorded from the moment it publishes: the files start with its first packet.
                do {
                    _ = try await startRecording(roomID: roomID, participants: request.record ? [pid] : nil)
                } catch {
                    logger.error("cannot start the room's recording", metadata: ["room": "\(roomID)", "error": "\(error)"])
                }
            }
            return ParticipantCreated(id: pid, answer: answer, lobby: waits ? true : nil)
        case .failure(let error):
            rooms[roomID]?.access.people[pid] = nil
            throw error
        }
    }

    /// The participants in the room that joined as `user` (joins under way count); entries of
    /// those that left are dropped.
    func presentParticipants(of user: String, in roomID: String) async -> [String] {
        var out: [String] = []
        for pid in rooms[roomID]?.access.participants(of: user) ?? [] {
            if rooms[roomID]?.access.people[pid]?.joining == true {
                out.append(pid)
            } else if await part(of: roomID, participant: pid) != nil {
                out.append(pid)
            } else {
                rooms[roomID]?.access.people[pid] = nil
            }
        }
        return out
    }

    /// ICE restart with the participant's new offer; returns the answer.
    public func restartICE(roomID: String, participantID: String, offer text: String) async throws(ControlError) -> String {
        _ = try entry(roomID)
        let offer: SessionDescription
        do { offer = try SessionDescription(parsing: text) } catch {
            throw .negotiation(.invalidSDP(error.description))
        }
        guard let part = await part(of: roomID, participant: participantID) else {
            throw .participantNotFound(room: roomID, participant: participantID)
        }
        let port = part.worker.localPort
        let local = LocalTransportParameters(ice: ICECredentials.random(), fingerprint: certificate.sha256Fingerprint,
                                             candidates: candidateAddresses[part.worker.index].map { ($0, port) })
        return try await onLoop(part: part, throwing: { part throws(ControlError) in
            try part.restartICE(participantID: participantID, offer: offer, local: local)
        })
    }

    /// What an ICE restart from credentials gives back: the bridge's new credentials and
    /// candidates, and the mids of the participant's sections.
    public struct ICERestartResult: Sendable {
        public var local: ICECredentials
        public var candidates: [(address: String, port: Int)]
        public var mids: [String]
    }

    /// A participant's ICE session as WHIP and WHEP see it: its role, the bridge's and the
    /// peer's current credentials. Nil when it is not (or no longer) in the room.
    public struct ICESession: Sendable {
        public var role: ParticipantRole
        public var local: ICECredentials
        public var remote: ICECredentials?
    }

    public func iceSession(roomID: String, participantID: String) async -> ICESession? {
        guard rooms[roomID] != nil, let part = await part(of: roomID, participant: participantID) else { return nil }
        return await onLoop(part: part) { part in
            part.peer(participantID).map { ICESession(role: $0.role, local: $0.transport.ice.local, remote: $0.transport.ice.remote) }
        }
    }

    /// ICE restart with the peer's new credentials only (no full offer): WHIP and WHEP.
    public func restartICE(roomID: String, participantID: String, remote: ICECredentials) async throws(ControlError) -> ICERestartResult {
        _ = try entry(roomID)
        guard let part = await part(of: roomID, participant: participantID) else {
            throw .participantNotFound(room: roomID, participant: participantID)
        }
        let local = ICECredentials.random()
        let port = part.worker.localPort
        let candidates = candidateAddresses[part.worker.index].map { ($0, port) }
        let mids = try await onLoop(part: part, throwing: { part throws(ControlError) in
            try part.restartICE(participantID: participantID, remote: remote, local: local)
        })
        return ICERestartResult(local: local, candidates: candidates, mids: mids)
    }

    public func participant(roomID: String, id: String) async throws(ControlError) -> ParticipantInfo {
        _ = try entry(roomID)
        for part in await parts(of: roomID) {
            if var info = await onLoop(part: part, { $0.participantInfo(id) }) {
                annotate(&info, roomID: roomID)
                return info
            }
        }
        throw .participantNotFound(room: roomID, participant: id)
    }

    public func removeParticipant(roomID: String, id: String, reason: LeaveReason = .api) async throws(ControlError) {
        _ = try entry(roomID)
        for part in await parts(of: roomID) where await onLoop(part: part, { $0.remove(participantID: id, reason: reason) }) {
            return
        }
        throw .participantNotFound(room: roomID, participant: id)
    }
}
