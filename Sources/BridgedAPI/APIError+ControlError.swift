import Hummingbird
import SFU

extension APIError {
    /// The one place an SFU control error becomes an API answer: its status here, its code and
    /// message as the SFU names them.
    init(_ error: ControlError) {
        let status: HTTPResponse.Status = switch error {
        case .roomExists, .streamerPresent, .recordingExists, .alreadyJoined: .conflict
        case .roomNotFound, .participantNotFound, .recordingNotFound, .trackNotFound: .notFound
        case .invalidID, .negotiation, .invalidRole, .notRecordable, .invalidSignal, .notConference, .invalidOption: .badRequest
        case .roomFull, .wrongPin, .wrongSecret, .banned, .notAllowed: .forbidden
        case .transport, .recordingFailed: .internalServerError
        }
        self.init(status, error.code, error.message)
    }

    /// Runs an SFU call, its `ControlError` answered as above.
    static func mapping<T>(_ body: () async throws(ControlError) -> T) async throws(APIError) -> T {
        do { return try await body() } catch { throw APIError(error) }
    }
}
