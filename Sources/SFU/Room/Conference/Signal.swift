import RTP

/// A message from a conference member's signaling channel.
public enum SignalMessage: Sendable {
    /// Its answer to the bridge's offer of `revision`.
    case answer(SessionDescription, revision: Int)
    /// An offer of its own (a screen share); `sources` says what each new section is, by mid.
    case offer(SessionDescription, sources: [String: TrackSource])
}

/// What the bridge tells a conference member on its signaling channel.
public enum SignalOut: Sendable, Equatable {
    /// The tracks it receives changed: answer with the same `revision`.
    case offer(sdp: String, revision: Int)
    /// The answer to the member's own offer.
    case answer(sdp: String)
    /// Its last message could not be applied.
    case error(ControlError)
    /// Where it stands in the room's lobby.
    case lobby(LobbyState)
    /// A moderator muted (or unmuted) its audio or video.
    case muted(kind: MediaKind, muted: Bool)
    /// It became (or stopped being) a moderator.
    case moderator(Bool)
}

/// A member's place in the lobby, as it is told.
public enum LobbyState: String, Sendable {
    case admitted, denied
    /// Waiting to be admitted.
    case waiting
}
