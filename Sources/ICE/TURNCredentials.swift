// TURN REST API credentials (draft-uberti-behave-turn-rest-00), what coturn's
// `use-auth-secret` / `static-auth-secret` checks: the username is "<expiry>:<user>" (expiry in
// Unix seconds), the password is base64(HMAC-SHA1(shared secret, username)). The TURN server
// needs no per-user state; a credential stops working at its expiry.

import Foundation

public struct TURNCredentials: Sendable, Equatable, Codable {
    public var username: String
    public var password: String
    /// Unix seconds after which the TURN server refuses the credential.
    public var expires: Int64

    /// Credentials for `user`, valid for `ttl` seconds from `now` (Unix seconds; time passed in).
    public init(secret: String, user: String, ttl: Int64, now: Int64) {
        expires = now + ttl
        username = user.isEmpty ? "\(expires)" : "\(expires):\(user)"
        let mac = Array(username.utf8).withUnsafeBytes { MessageIntegrity.hmacSHA1(key: Array(secret.utf8), data: $0) }
        password = Data(mac).base64EncodedString()
    }
}
