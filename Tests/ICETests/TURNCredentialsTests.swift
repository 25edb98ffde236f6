import Testing
import ICE

/// Vectors computed independently (Python: base64(hmac.new(secret, username, sha1).digest())).
struct TURNCredentialsTests {
    @Test(arguments: [
        ("north-pole-secret", "alice", Int64(1_767_225_000), Int64(600), "1767225600:alice", "DHuaJKFySqfsvyXlIaSwLKZmVV8="),
        ("s", "", Int64(100), Int64(60), "160", "y/7XBf95kb2ufOdI1TiS49SYb3w="),
    ])
    func restAPICredentials(secret: String, user: String, now: Int64, ttl: Int64, username: String, password: String) {
        let c = TURNCredentials(secret: secret, user: user, ttl: ttl, now: now)
        #expect(c.username == username)
        #expect(c.password == password)
        #expect(c.expires == now + ttl)
    }

    @Test func anEmptyUserIsTheExpiryAlone() {
        #expect(TURNCredentials(secret: "s", user: "", ttl: 60, now: 100).username == "160")
    }
}
