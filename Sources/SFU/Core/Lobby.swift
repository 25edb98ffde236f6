/// Who waits in a room's lobby (a streaming room's viewers, a conference's members): connected,
/// exchanging no media, until a moderator admits them. One state machine for every room kind;
/// the room applies what a transition means for its media.
struct Lobby {
    private(set) var waiting: Set<String> = []

    enum Transition: Equatable {
        /// It waited and may now receive and be received.
        case admitted
        /// It is refused: the room removes it.
        case denied
        /// It was admitted and waits again.
        case sentBack
        /// Nothing changes (admitting one who does not wait, sending back one who does).
        case none
    }

    func contains(_ id: String) -> Bool { waiting.contains(id) }

    /// It joins waiting.
    mutating func enter(_ id: String) { waiting.insert(id) }

    /// It left the room.
    mutating func leave(_ id: String) { waiting.remove(id) }

    mutating func apply(_ action: LobbyAction, to id: String) -> Transition {
        switch action {
        case .admit: return waiting.remove(id) != nil ? .admitted : .none
        case .deny:
            waiting.remove(id)
            return .denied
        case .wait: return waiting.insert(id).inserted ? .sentBack : .none
        }
    }

    /// The event a transition (or a join that waits: `.sentBack`) gives.
    static func announce(_ transition: Transition, room: String, participant: String, display: String?, events: EventBus) {
        switch transition {
        case .admitted: events.emit(.lobbyAdmitted(room: room, participant: participant))
        case .denied: events.emit(.lobbyDenied(room: room, participant: participant))
        case .sentBack: events.emit(.lobbyWaiting(room: room, participant: participant, display: display))
        case .none: break
        }
    }
}
