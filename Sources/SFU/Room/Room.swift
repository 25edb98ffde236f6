import ICE
import RTP

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
    func remove(participantID: String, reason: String) -> Bool
    /// A participant's transport and negotiated media.
    func peer(_ participantID: String) -> Peer?
    var isEmpty: Bool { get }
    func close()
}

/// Every room kind, as the control plane sees it; lives on its (home) worker's loop.
protocol Room: RoomPart {
    var info: RoomInfo { get }
    /// Periodic work (RTCP reports), once a second on the room's loop.
    func tick(now: ContinuousClock.Instant)
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
                streamID: "bridged-\(participantID)", cname: "bridged-\(participantID)")
        } catch {
            throw .negotiation(error)
        }
        transport.restartICE(local: local.ice, remote: answer.remote.ice)
        return answer.sdp.serialized()
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
            throw .transport("cannot create the DTLS transport: \(error)")
        }
    }
}
