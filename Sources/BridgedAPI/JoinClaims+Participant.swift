import Access
import SFU

extension JoinClaims {
    /// What a join asked for beyond its role, for the token to allow or refuse.
    struct Asked {
        var moderator: Bool?
        var record: Bool?
        var userID: String?
    }

    /// A join with a token: the token's claims decide the user id, name, role, moderator,
    /// lobby, recording and single access; the body may only ask for less (a viewer instead of
    /// a publisher). 403 `not_allowed` for more.
    func apply(to request: inout MediaServer.ParticipantRequest, asked body: Asked) throws(APIError) {
        if let r = role {
            guard let granted = ParticipantRole(rawValue: r), granted != .echo else {
                throw APIError(.forbidden, "not_allowed", "the token's role \"\(r)\" is not one of member, viewer, streamer")
            }
            if let asked = request.role, asked != granted, asked != .viewer {
                throw APIError(.forbidden, "not_allowed", "the token allows role \(r), not \(asked.rawValue)")
            }
            request.role = request.role ?? granted
        }
        if body.moderator == true, !moderator {
            throw APIError(.forbidden, "not_allowed", "the token does not make its holder a moderator")
        }
        if body.record == true, !record {
            throw APIError(.forbidden, "not_allowed", "the token does not allow recording")
        }
        if let asked = body.userID, asked != userID {
            throw APIError(.forbidden, "not_allowed", "the user id comes from the token (\(userID ?? "none")), not the body")
        }
        request.userID = userID
        request.display = name ?? request.display
        request.moderator = moderator
        request.lobby = request.lobby || lobby
        request.record = record
        request.singleAccess = request.singleAccess || singleAccess
        request.tokenAdmitted = true
    }
}
