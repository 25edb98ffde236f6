import Foundation
import RTP

/// Keys for plain SRTP without DTLS (an RTP source or forwarder that is encrypted), as SDES
/// writes them (RFC 4568 `a=crypto`): a suite and the master key followed by the master salt,
/// base64 (ffmpeg's `-srtp_out_suite` / `-srtp_out_params`, GStreamer's `srtpenc` key).
public struct SRTPKeying: Codable, Sendable, Equatable {
    /// `AES_CM_128_HMAC_SHA1_80` (default) or `AEAD_AES_128_GCM`.
    public var suite: String?
    /// base64 of the 16-byte master key and the 14-byte (AES-CM) or 12-byte (GCM) master salt.
    public var key: String

    public init(suite: String? = nil, key: String) {
        self.suite = suite
        self.key = key
    }

    static let suites: [String: SRTPProfile] = ["AES_CM_128_HMAC_SHA1_80": .aes128CmHmacSha1_80, "AEAD_AES_128_GCM": .aeadAes128Gcm]

    /// The suite's name as `a=crypto` writes it.
    var suiteName: String { suite?.uppercased() ?? "AES_CM_128_HMAC_SHA1_80" }

    /// The profile and the master key and salt, or why not (`what` names the field).
    func material(_ what: String) throws(SourceProblem) -> (profile: SRTPProfile, key: [UInt8], salt: [UInt8]) {
        guard let profile = Self.suites[suiteName] else {
            throw .suite(field: what, suite: suite ?? "", allowed: Self.suites.keys.sorted())
        }
        guard let data = Data(base64Encoded: key), data.count == profile.keyLength + profile.saltLength else {
            throw .key(field: what, bytes: profile.keyLength + profile.saltLength, suite: suiteName)
        }
        let bytes = [UInt8](data)
        return (profile, Array(bytes[..<profile.keyLength]), Array(bytes[profile.keyLength...]))
    }

    /// A context for one direction.
    func context(_ what: String) throws(ControlError) -> SRTPContext {
        let m: (profile: SRTPProfile, key: [UInt8], salt: [UInt8])
        do throws(SourceProblem) { m = try material(what) } catch { throw .invalidSource(error) }
        do { return try SRTPContext(profile: m.profile, masterKey: m.key, masterSalt: m.salt) } catch {
            throw .invalidSource(.unusableKeys(field: what))
        }
    }
}
