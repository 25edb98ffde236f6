// RFC 8445 §5.3 / RFC 8839 §5.4: ICE credentials.
//
// "ice-ufrag-att = "ice-ufrag:" ice-char 4*255ice-char;  ice-pwd-att = "ice-pwd:" ice-char 22*255ice-char"
// "ice-char = ALPHA / DIGIT / "+" / "/""

/// A username fragment and password pair (one side's ICE credentials).
public struct ICECredentials: Hashable, Sendable {
    /// The username fragment (`a=ice-ufrag`).
    public var ufrag: String
    /// The password (`a=ice-pwd`); its UTF-8 bytes are the MESSAGE-INTEGRITY key.
    public var password: String

    /// Creates credentials from SDP values.
    public init(ufrag: String, password: String) {
        self.ufrag = ufrag
        self.password = password
    }

    /// The 64 `ice-char`s.
    static let iceChars: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Fresh random credentials: an 8-character ufrag (≥ 4 required) and a 24-character password
    /// (≥ 22 required; 24 × 6 bits = 144 bits ≥ the 128 bits RFC 8445 §5.3 asks for).
    public static func random() -> ICECredentials {
        var rng = SystemRandomNumberGenerator()
        return random(using: &rng)
    }

    /// Fresh random credentials from a given generator (tests).
    public static func random<G: RandomNumberGenerator>(using rng: inout G) -> ICECredentials {
        func string(_ count: Int) -> String {
            // 64 symbols: the low 6 bits of a random byte are uniform.
            String(decoding: (0..<count).map { _ in iceChars[Int(UInt8.random(in: 0...255, using: &rng) & 63)] },
                   as: UTF8.self)
        }
        return ICECredentials(ufrag: string(8), password: string(24))
    }

    /// Whether every character is an `ice-char` and the lengths are within RFC 8839's bounds.
    public var isValid: Bool {
        let valid = { (s: String, min: Int) in
            s.utf8.count >= min && s.utf8.count <= 256 && s.utf8.allSatisfy { ICECredentials.iceChars.contains($0) }
        }
        return valid(ufrag, 4) && valid(password, 22)
    }
}
