import Hummingbird
import SFU

extension Parameters {
    /// The `{id}` room of the path, checked on every route that has one (before it reaches
    /// the SFU, a file name or the store): 400 `invalid_id` naming the problem.
    func roomID() throws -> String { try checkedID(require("room"), what: "room") }

    /// The `{pid}` participant of the path.
    func participantID() throws -> String { try require("participant") }
}

/// An id chosen by a caller: 1-64 characters from A-Z a-z 0-9 _ -; 400 `invalid_id` otherwise.
func checkedID(_ id: String, what: String) throws(APIError) -> String {
    guard isValidID(id) else {
        let shown = id.unicodeScalars.map { $0.value < 0x20 ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined()
        throw APIError(.badRequest, "invalid_id", "invalid \(what) id \"\(shown)\": use 1-64 characters from A-Z a-z 0-9 _ -")
    }
    return id
}
