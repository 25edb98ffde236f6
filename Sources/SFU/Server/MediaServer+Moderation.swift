import Foundation
import RTP

/// Who participants are (user ids, moderators), room protection, and what moderators do.
extension MediaServer {
    /// The user id a participant joined with, if it is in the room.
    public func userID(roomID: String, participantID: String) -> String? {
        rooms[roomID]?.access.people[participantID]?.userID
    }

    /// Whether `user` is in the room as a moderator now (granted at join or since, not revoked).
    public func isModerator(roomID: String, user: String) async -> Bool {
        guard rooms[roomID] != nil else { return false }
        for pid in await presentParticipants(of: user, in: roomID) where rooms[roomID]?.access.people[pid]?.moderator == true {
            return true
        }
        return false
    }

    /// Grants or revokes moderator: `moderator_granted` / `moderator_revoked`, and a conference
    /// member is told on its signaling channel.
    public func setModerator(roomID: String, participantID: String, moderator: Bool) async throws(ControlError) {
        let room = try entry(roomID).room
        guard await part(of: roomID, participant: participantID) != nil else {
            throw .participantNotFound(room: roomID, participant: participantID)
        }
        let before = rooms[roomID]?.access.people[participantID]?.moderator ?? false
        rooms[roomID]?.access.people[participantID, default: .init(userID: nil, moderator: false, joining: false)].moderator = moderator
        await onLoop(room) { $0.moderatorChanged(participantID: participantID, moderator: moderator) }
        if before != moderator {
            events.emit(moderator ? .moderatorGranted(room: roomID, participant: participantID)
                                  : .moderatorRevoked(room: roomID, participant: participantID))
        }
    }

    /// Who a participant is: its user id and whether it moderates (added to the room's view of it).
    func annotate(_ p: inout ParticipantInfo, roomID: String) {
        guard let person = rooms[roomID]?.access.people[p.id] else { return }
        p.userId = person.userID
        p.moderator = person.moderator ? true : nil
    }

    /// Managing a room with a secret needs it (`X-Room-Secret`).
    public func checkSecret(roomID: String, secret: String?) throws(ControlError) {
        guard RoomAccess.matches(try entry(roomID).access.secret, secret) else { throw .wrongSecret(roomID) }
    }

    /// Closes the participant's transport (`participant_left` reason `kicked`); the user id it
    /// joined with may not rejoin for `ban`.
    public func kick(roomID: String, participantID: String, ban: Duration?) async throws(ControlError) {
        try await removeParticipant(roomID: roomID, id: participantID, reason: .kicked)
        if let ban, ban > .zero, let user = rooms[roomID]?.access.people[participantID]?.userID {
            rooms[roomID]?.access.ban(user, until: .now + ban)
        }
        rooms[roomID]?.access.people[participantID] = nil
        logger.info("participant kicked", metadata: ["room": "\(roomID)", "participant": "\(participantID)",
                                                     "ban_seconds": "\(ban?.components.seconds ?? 0)"])
    }

    /// Admits a participant waiting in the lobby (a conference member, a streaming room's
    /// viewer), denies it, or sends it back there.
    public func lobby(roomID: String, participantID: String, action: LobbyAction) async throws(ControlError) {
        let room = try entry(roomID).room
        // Every room with a lobby has its viewers wait there (echo rooms have none).
        guard room.hasLobby(for: .viewer) else { throw .notConference(roomID) }
        guard let part = await part(of: roomID, participant: participantID),
              await onLoop(part: part, { $0.lobby(participantID: participantID, action: action) }) else {
            throw .participantNotFound(room: roomID, participant: participantID)
        }
    }

    /// Stops (or resumes) forwarding a publisher's audio or video; it is told (conference
    /// members on their signaling channel) and a `participant_muted` event goes out.
    public func setMuted(roomID: String, participantID: String, kind: MediaKind, muted: Bool) async throws(ControlError) {
        let room = try entry(roomID).room
        guard await onLoop(room, { $0.setMuted(publisher: participantID, kind: kind, muted: muted) }) else {
            throw .participantNotFound(room: roomID, participant: participantID)
        }
        events.emit(.participantMuted(room: roomID, participant: participantID, kind: kind, muted: muted))
    }
}
