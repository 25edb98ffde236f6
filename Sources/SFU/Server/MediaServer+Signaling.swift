import Foundation

/// Conference members' signaling channels and what they receive.
extension MediaServer {
    private func conference(_ roomID: String) throws(ControlError) -> any Room {
        let room = try entry(roomID).room
        guard room.kind == .conference else { throw .notConference(roomID) }
        return room
    }

    /// A member's signaling channel connected: `send` carries the bridge's messages to it (an
    /// offer still waiting for its answer goes at once).
    public func attachSignal(roomID: String, participantID: String,
                             send: @escaping @Sendable (SignalOut) -> Void) async throws(ControlError) {
        let room = try conference(roomID)
        guard await onLoop(room, { $0.attachSignal(member: participantID, send) }) else {
            throw .participantNotFound(room: roomID, participant: participantID)
        }
    }

    public func detachSignal(roomID: String, participantID: String) async {
        guard let room = try? conference(roomID) else { return }
        await onLoop(room) { $0.detachSignal(member: participantID) }
    }

    /// A message from a member's signaling channel (its answer, or an offer of its own).
    /// Errors in applying it go back on the channel.
    public func signal(roomID: String, participantID: String, _ message: SignalMessage) async throws(ControlError) {
        let room = try conference(roomID)
        await onLoop(room) { $0.signal(from: participantID, message) }
    }

    /// Pauses or resumes tracks a member receives, and/or sets its last-N video limit.
    public func setSubscriptions(roomID: String, participantID: String, tracks: [String], paused: Bool?,
                                 maxVideo: Int??) async throws(ControlError) -> [TrackInfo] {
        let room = try conference(roomID)
        return try await onLoop(room, throwing: { r throws(ControlError) in
            var out: [TrackInfo] = []
            if let paused { out = try r.setPaused(member: participantID, tracks: tracks, paused: paused) }
            if let maxVideo { out = try r.setMaxVideo(member: participantID, count: maxVideo) }
            if paused == nil && maxVideo == nil { out = try r.setPaused(member: participantID, tracks: [], paused: false) }
            return out
        })
    }
}

extension MediaServer {
    /// Bounds a participant's received video (simulcast encoding, VP8 temporal layer) or
    /// pauses it: a streaming room's viewer, a conference member (every video it receives),
    /// an echo participant. Returns its video sections after.
    public func setVideo(roomID: String, participantID: String, _ layers: VideoLayers) async throws(ControlError) -> [TrackInfo] {
        _ = try entry(roomID)
        guard let part = await part(of: roomID, participant: participantID),
              let tracks = await onLoop(part: part, { $0.setVideo(participantID: participantID, layers) }) else {
            throw .participantNotFound(room: roomID, participant: participantID)
        }
        return tracks
    }
}
