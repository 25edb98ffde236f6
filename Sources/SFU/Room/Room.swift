import ICE
import RTP
import Rings

/// A participant's role, as the API names it.
public enum ParticipantRole: String, Sendable, Codable {
    case echo, streamer, viewer
    /// A conference member: publishes and receives the others.
    case member
}

/// What a join request carries once the control plane has parsed it.
struct JoinRequest: Sendable {
    var participantID: String
    var role: ParticipantRole?
    var display: String?
    var offer: SessionDescription
    var local: LocalTransportParameters
    var consentTimeout: Duration
    /// Conference members: the source of each published section, by mid (default: audio a
    /// microphone, the first video a camera, further videos screens).
    var sources: [String: TrackSource] = [:]
    /// Conference rooms: waits in the lobby until a moderator admits it.
    var lobby = false
    /// Streaming rooms with a `streamers` permission: a streamer arriving while another streams
    /// waits (connected, not forwarded) and takes over when it leaves, instead of a 409.
    var standby = false
    /// What it may publish at most, in bits per second (its own or the room's `max_bitrate`).
    var maxBitrate: UInt64?
}

/// The participants of a room that one worker serves: the whole room, or (streaming rooms with
/// viewers spread over workers) one `ViewerGroup`. Confined to `worker`'s event loop: the
/// `MediaServer` calls these only from inside `worker.eventLoop.submit`.
protocol RoomPart: AnyObject, Sendable {
    var id: String { get }
    var worker: MediaWorker { get }
    var events: EventBus { get }
    /// Negotiates, creates the transport and adds the participant; returns the answer.
    func join(_ request: JoinRequest) throws(ControlError) -> String
    func participantInfo(_ id: String) -> ParticipantInfo?
    /// Closes the participant's transport and tells `participant_left` with `reason`.
    func remove(participantID: String, reason: LeaveReason) -> Bool
    /// A participant's transport and negotiated media.
    func peer(_ participantID: String) -> Peer?
    /// The lobby: admits a participant waiting there, denies it, or sends it back (it is told);
    /// false if this part has no such participant or no lobby.
    func lobby(participantID: String, action: LobbyAction) -> Bool
    /// Bounds the video a participant receives (simulcast encoding, VP8 temporal layer) or
    /// pauses it; its video sections after, or nil if this part has no such participant.
    func setVideo(participantID: String, _ layers: VideoLayers) -> [TrackInfo]?
    var isEmpty: Bool { get }
    /// Streaming rooms' viewers in this part (other kinds: 0).
    var viewerCount: Int { get }
    func close()
}

/// How a room is recorded.
enum RecordingPlan: Sendable {
    /// One recording of the room's stream (a streaming room: whoever streams).
    case room
    /// Files of their own for each member, made as members publish.
    case perMember
}

/// Where a room's recorded packets go, as its `RecordingPlan` says.
enum RecordingSinks: Sendable {
    case room(any RecordingSink)
    /// Makes the sink of a member (nil: that member is not recorded).
    case perMember(@Sendable (String) -> (any RecordingSink)?)
}

/// Every room kind, as the control plane sees it; lives on its (home) worker's loop. What only
/// some kinds do has a default that does nothing: the server asks `kind` (or the result) and
/// never downcasts.
protocol Room: RoomPart {
    var kind: RoomKind { get }
    var info: RoomInfo { get }
    /// `info` with the viewers that groups on other workers serve (`viewers`, with when each
    /// joined), in join order.
    func info(withRemoteViewers viewers: [(joined: ContinuousClock.Instant, info: ParticipantInfo)]) -> RoomInfo
    /// Periodic work (RTCP reports), every `reportInterval` on the room's loop.
    func tick(now: ContinuousClock.Instant)
    /// Whether a participant joining with `role` may wait in a lobby.
    func hasLobby(for role: ParticipantRole?) -> Bool
    /// The room's token on the workers' rings when its viewers may be served by other workers
    /// (`ViewerGroup`s it feeds); nil: every participant is on the room's worker.
    var spreadToken: UInt32? { get }
    /// Feeds a viewer group on another worker through `ring` (home → there).
    func attach(_ group: ViewerGroup, ring: WorkerRing)
    /// A moderator stops (or resumes) forwarding a publisher's audio or video; false if it has
    /// no such publisher.
    func setMuted(publisher: String, kind: MediaKind, muted: Bool) -> Bool
    /// A participant became (or stopped being) a moderator: it is told, if the room can.
    func moderatorChanged(participantID: String, moderator: Bool)
    /// How it is recorded (nil: it cannot be).
    var recordingPlan: RecordingPlan? { get }
    /// From now on its recorded packets also go to `sinks`; video is asked for a key frame.
    func startRecording(_ sinks: RecordingSinks, now: ContinuousClock.Instant)
    /// No more packets go to the recording (which the caller then stops).
    func stopRecording()
    /// Conference members' signaling channels and what they receive (other kinds: none).
    func attachSignal(member: String, _ send: @escaping @Sendable (SignalOut) -> Void) -> Bool
    func detachSignal(member: String)
    func signal(from member: String, _ message: SignalMessage)
    func setPaused(member: String, tracks: [String], paused: Bool) throws(ControlError) -> [TrackInfo]
    func setMaxVideo(member: String, count: Int?) throws(ControlError) -> [TrackInfo]
    /// Streaming rooms: fed from now on by plain RTP on ports bound on `host` (before anyone joins).
    func attachSource(_ settings: RTPSourceSettings, host: String, ports: ClosedRange<Int>, silence: Duration) throws(ControlError)
    /// Streaming rooms: plain RTP copies of their media (`rtp_forward`).
    func addForwarder(id: String, host: String, video: TransportAddress?, audio: TransportAddress?, ssrc: UInt32,
                      srtp: SRTPKeying?) throws(ControlError) -> ForwarderInfo
    func removeForwarder(id: String) -> ForwarderInfo?
    var forwarderInfos: [ForwarderInfo] { get }
    func forwarderSDP(id: String) -> String?
}

extension Room {
    func info(withRemoteViewers viewers: [(joined: ContinuousClock.Instant, info: ParticipantInfo)]) -> RoomInfo { info }
    func hasLobby(for role: ParticipantRole?) -> Bool { false }
    var spreadToken: UInt32? { nil }
    func attach(_ group: ViewerGroup, ring: WorkerRing) {}
    func setMuted(publisher: String, kind: MediaKind, muted: Bool) -> Bool { false }
    func moderatorChanged(participantID: String, moderator: Bool) {}
    var recordingPlan: RecordingPlan? { nil }
    func startRecording(_ sinks: RecordingSinks, now: ContinuousClock.Instant) {}
    func stopRecording() {}
    func attachSignal(member: String, _ send: @escaping @Sendable (SignalOut) -> Void) -> Bool { false }
    func detachSignal(member: String) {}
    func signal(from member: String, _ message: SignalMessage) {}
    func setPaused(member: String, tracks: [String], paused: Bool) throws(ControlError) -> [TrackInfo] { throw .notConference(id) }
    func setMaxVideo(member: String, count: Int?) throws(ControlError) -> [TrackInfo] { throw .notConference(id) }
    func attachSource(_ settings: RTPSourceSettings, host: String, ports: ClosedRange<Int>, silence: Duration) throws(ControlError) {
        throw .invalidSource(.streamingOnly)
    }
    func addForwarder(id: String, host: String, video: TransportAddress?, audio: TransportAddress?, ssrc: UInt32,
                      srtp: SRTPKeying?) throws(ControlError) -> ForwarderInfo {
        throw .notStreaming(self.id)
    }
    func removeForwarder(id: String) -> ForwarderInfo? { nil }
    var forwarderInfos: [ForwarderInfo] { [] }
    func forwarderSDP(id: String) -> String? { nil }
}

extension RoomPart {
    func lobby(participantID: String, action: LobbyAction) -> Bool { false }
    var viewerCount: Int { 0 }
}

extension RoomPart {
    /// ICE restart (RFC 8839 §4.4.1.1.1): the participant's new offer carries new credentials;
    /// the answer gives ours. Media sections, SSRCs, DTLS and SRTP stay as they are.
    func restartICE(participantID: String, offer: SessionDescription, local: LocalTransportParameters) throws(ControlError) -> String {
        guard let peer = peer(participantID) else {
            throw .participantNotFound(room: id, participant: participantID)
        }
        let (transport, media) = (peer.transport, peer.sections)
        let answer: Answer
        do {
            answer = try makeAnswer(
                to: offer, local: LocalTransportParameters(ice: local.ice, fingerprint: local.fingerprint, candidates: local.candidates,
                                                           preferredRole: transport.dtlsRole),
                bridgeSends: { kind in media.contains { $0.kind == kind && $0.sends } },
                localSSRC: { kind, mid in
                    media.first { $0.mid == mid }?.localSSRC ?? media.first { $0.kind == kind }?.localSSRC ?? UInt32.random(in: 1...UInt32.max)
                },
                localRTXSSRC: { mid in media.first { $0.mid == mid }?.localRTXSSRC ?? UInt32.random(in: 1...UInt32.max) },
                streamID: "bridged-\(participantID)", cname: "bridged-\(participantID)")
        } catch {
            throw .negotiation(error)
        }
        transport.restartICE(local: local.ice, remote: answer.remote.ice)
        return answer.sdp.serialized()
    }

    /// ICE restart from credentials alone (a WHIP/WHEP `PATCH` with an SDP fragment, RFC 9725
    /// §4.4.2): the peer's new ufrag and password; ours are `local`. Returns the mids of the
    /// participant's accepted sections (where the answer fragment lists our candidates).
    func restartICE(participantID: String, remote: ICECredentials, local: ICECredentials) throws(ControlError) -> [String] {
        guard let peer = peer(participantID) else {
            throw .participantNotFound(room: id, participant: participantID)
        }
        peer.transport.restartICE(local: local, remote: remote)
        return peer.sections.filter { !$0.rejected }.map(\.mid)
    }

    /// Answers `request.offer` and creates the participant's transport on this room's worker.
    func negotiate(_ request: JoinRequest, bridgeSends: (MediaKind) -> Bool, singleCodec: Bool = false) throws(ControlError) -> (Answer, WebRTCTransport) {
        let pid = request.participantID
        let answer: Answer
        do {
            answer = try makeAnswer(to: request.offer, local: request.local, bridgeSends: bridgeSends,
                                    localSSRC: { _, _ in UInt32.random(in: 1...UInt32.max) },
                                    streamID: "bridged-\(pid)", cname: "bridged-\(pid)", singleCodec: singleCodec)
        } catch {
            throw .negotiation(error)
        }
        do {
            let transport = try worker.makeTransport(
                id: pid, iceCredentials: request.local.ice, remoteCredentials: answer.remote.ice,
                dtlsRole: answer.remote.dtlsRole, remoteFingerprint: answer.remote.fingerprint,
                consentTimeout: request.consentTimeout)
            return (answer, transport)
        } catch {
            throw .transport(error)
        }
    }
}

extension RoomPart {
    /// Every video copy the participant receives gets the bounds; pausing stops it, resuming
    /// restarts it on a key frame.
    func setVideo(participantID: String, _ layers: VideoLayers) -> [TrackInfo]? {
        guard let peer = peer(participantID) else { return nil }
        for c in peer.consumers.values where c.kind == .video {
            c.apply(layers)
            if let paused = layers.paused { c.setPaused(paused) }
        }
        return peer.info.tracks.filter { $0.kind == .video }
    }
}
