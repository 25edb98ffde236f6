/// One media section (RFC 8866 § 5.14): an `m=` line and the `i=`, `c=`, `b=`, `k=` and
/// `a=` lines that follow it up to the next `m=` line.
///
/// `attributes` is the source of truth: typed accessors such as ``mid`` or ``rtpMaps``
/// are computed from it, so unknown attributes and their order survive a round trip.
public struct MediaDescription: Equatable, Sendable {
    /// `audio`, `video` or `application`.
    public var kind: String
    /// The transport port; `9` (discard) in JSEP offers without candidates, `0` for a rejected section.
    public var port: Int
    /// The `/<number of ports>` suffix of the port, when written.
    public var numberOfPorts: Int?
    /// The transport protocol, e.g. `UDP/TLS/RTP/SAVPF` or `UDP/DTLS/SCTP`.
    public var proto: String
    /// The format list: RTP payload types as text, or e.g. `webrtc-datachannel`.
    public var formats: [String]
    /// The `i=` line (media title), if any.
    public var information: String?
    /// The `c=` line, if any.
    public var connection: Connection?
    /// The `b=` lines in order.
    public var bandwidths: [Bandwidth]
    /// The `k=` line (obsolete), if any; kept so such input round-trips.
    public var encryptionKey: String?
    /// The `a=` lines in order.
    public var attributes: [SDPAttribute]

    /// Creates a media section with no connection, bandwidth or attributes.
    public init(kind: String, port: Int, proto: String, formats: [String]) {
        self.kind = kind
        self.port = port
        self.proto = proto
        self.formats = formats
        self.bandwidths = []
        self.attributes = []
    }

    /// Parses the text after `m=`: `<media> <port>[/<number of ports>] <proto> <fmt> ...`.
    public init?(mediaLine text: some StringProtocol) {
        let fields = text.split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count >= 3, fields.allSatisfy({ !$0.isEmpty }) else { return nil }
        let portFields = fields[1].split(separator: "/", omittingEmptySubsequences: false)
        guard portFields.count <= 2, let port = parseDecimal(portFields[0]), port <= 65535 else { return nil }
        self.init(kind: String(fields[0]), port: port, proto: String(fields[2]), formats: fields[3...].map { String($0) })
        if portFields.count == 2 {
            guard let count = parseDecimal(portFields[1]) else { return nil }
            numberOfPorts = count
        }
    }

    /// The text after `m=`.
    public var mediaLine: String {
        var portText = String(port)
        if let numberOfPorts { portText += "/\(numberOfPorts)" }
        return ([kind, portText, proto] + formats).joined(separator: " ")
    }

    /// Values of every `a=<name>:<value>` line, in order.
    public func attributeValues(_ name: String) -> [String] { attributes.values(named: name) }

    /// The value of the first `a=<name>:<value>` line.
    public func attribute(_ name: String) -> String? { attributes.firstValue(named: name) }

    /// Whether an `a=<name>` or `a=<name>:<value>` line is present.
    public func hasAttribute(_ name: String) -> Bool { attributes.contains(named: name) }

    /// Appends `a=<name>` (when `value` is `nil`) or `a=<name>:<value>`.
    public mutating func append(_ name: String, _ value: String? = nil) {
        attributes.append(SDPAttribute(name: name, value: value))
    }

    /// Removes every attribute called `name`.
    public mutating func removeAttributes(_ name: String) {
        attributes.removeAll { $0.name == name }
    }
}
