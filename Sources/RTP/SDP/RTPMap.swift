/// The `a=rtpmap` attribute (RFC 8866 § 6.6):
/// `<payload type> <encoding name>/<clock rate>[/<encoding parameters>]`, e.g. `111 opus/48000/2`.
public struct RTPMap: Equatable, Sendable {
    /// The dynamic or static payload type, 0–127.
    public var payloadType: UInt8
    /// The codec name as written, e.g. `opus`, `VP8`, `rtx`; compare case-insensitively.
    public var encodingName: String
    /// The RTP clock rate in Hz.
    public var clockRate: Int
    /// The channel count for audio, when written.
    public var channels: Int?

    /// Creates an rtpmap.
    public init(payloadType: UInt8, encodingName: String, clockRate: Int, channels: Int? = nil) {
        self.payloadType = payloadType
        self.encodingName = encodingName
        self.clockRate = clockRate
        self.channels = channels
    }

    /// Parses the attribute value; `nil` for a payload type above 127 or a malformed codec.
    public init?(value: some StringProtocol) {
        let fields = value.split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count == 2, let payloadType = parsePayloadType(fields[0]) else { return nil }
        let codec = fields[1].split(separator: "/", omittingEmptySubsequences: false)
        guard codec.count == 2 || codec.count == 3, !codec[0].isEmpty,
              let clockRate = parseDecimal(codec[1]), clockRate > 0
        else { return nil }
        var channels: Int?
        if codec.count == 3 {
            guard let count = parseDecimal(codec[2]), count > 0 else { return nil }
            channels = count
        }
        self.init(payloadType: payloadType, encodingName: String(codec[0]), clockRate: clockRate, channels: channels)
    }

    /// The attribute value.
    public var value: String {
        var text = "\(payloadType) \(encodingName)/\(clockRate)"
        if let channels { text += "/\(channels)" }
        return text
    }
}

/// A canonical non-negative decimal (no sign, no leading zeros), so values round-trip.
func parseDecimal(_ text: some StringProtocol) -> Int? {
    guard !text.isEmpty, text.count <= 18, text.allSatisfy(\.isASCIIDigit),
          text.count == 1 || text.first != "0"
    else { return nil }
    return Int(text)
}

/// An RTP payload type, 0–127 (RFC 3550 § 5.1: the PT field is 7 bits).
func parsePayloadType(_ text: some StringProtocol) -> UInt8? {
    guard let number = parseDecimal(text), number <= 127 else { return nil }
    return UInt8(number)
}
