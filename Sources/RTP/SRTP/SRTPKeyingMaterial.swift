/// Splits the RFC 5764 §4.2 keying material export
/// (`client_write_SRTP_master_key | server_write_SRTP_master_key | client_write_SRTP_master_salt | server_write_SRTP_master_salt`)
/// into the two directions. The server (the SFU, DTLS passive) protects with the server pair and unprotects with the client pair.
public struct SRTPKeyingMaterial: Sendable, Equatable {
    public var clientKey: [UInt8]
    public var clientSalt: [UInt8]
    public var serverKey: [UInt8]
    public var serverSalt: [UInt8]

    /// The export length `SSL_export_keying_material` must produce for `profile`: 2 × (key + salt).
    public static func exportLength(for profile: SRTPProfile) -> Int {
        2 * (profile.keyLength + profile.saltLength)
    }

    /// Fails unless `exported` is exactly `exportLength(for: profile)` bytes.
    public init?(exported: [UInt8], profile: SRTPProfile) {
        let k = profile.keyLength
        let s = profile.saltLength
        guard exported.count == 2 * (k + s) else { return nil }
        clientKey = Array(exported[0..<k])
        serverKey = Array(exported[k..<(2 * k)])
        clientSalt = Array(exported[(2 * k)..<(2 * k + s)])
        serverSalt = Array(exported[(2 * k + s)..<(2 * k + 2 * s)])
    }
}
