/// An SDP session description (RFC 8866) as used by JSEP (RFC 8829): session-level lines,
/// then one ``MediaDescription`` per `m=` line.
///
/// ```
/// v=0
/// o=- 4175016037055384101 2 IN IP4 127.0.0.1
/// s=-
/// t=0 0
/// a=group:BUNDLE 0 1
/// m=audio 9 UDP/TLS/RTP/SAVPF 111
/// ...
/// ```
///
/// Parse with ``init(parsing:)`` and write with ``serialized()``. The ordered `attributes`
/// are the source of truth, so a description written in RFC 8866 § 5 line order (as every
/// browser writes it) serializes back byte for byte.
public struct SessionDescription: Equatable, Sendable {
    /// `v=`; always 0.
    public var version: Int
    /// `o=`.
    public var origin: Origin
    /// `s=`; JSEP writes `-`.
    public var sessionName: String
    /// `i=`, if any.
    public var information: String?
    /// `u=`, if any.
    public var uri: String?
    /// `e=` lines.
    public var emails: [String]
    /// `p=` lines.
    public var phones: [String]
    /// The session-level `c=`, if any.
    public var connection: Connection?
    /// Session-level `b=` lines.
    public var bandwidths: [Bandwidth]
    /// The text after `t=`; JSEP writes `0 0`.
    public var timing: String
    /// Raw `r=` lines after `t=`, kept for round trips.
    public var repeatTimes: [String]
    /// `z=`, if any.
    public var timeZones: String?
    /// `k=` (obsolete), if any.
    public var encryptionKey: String?
    /// Session-level `a=` lines, in order.
    public var attributes: [SDPAttribute]
    /// The media sections, in `m=` line order.
    public var media: [MediaDescription]

    /// Creates an empty description, for building an answer:
    /// `v=0`, the given `o=` and `s=`, `t=0 0`, no attributes and no media.
    public init(origin: Origin, sessionName: String = "-") {
        self.version = 0
        self.origin = origin
        self.sessionName = sessionName
        self.emails = []
        self.phones = []
        self.bandwidths = []
        self.timing = "0 0"
        self.repeatTimes = []
        self.attributes = []
        self.media = []
    }

    /// Values of every session-level `a=<name>:<value>` line, in order.
    public func attributeValues(_ name: String) -> [String] { attributes.values(named: name) }

    /// The value of the first session-level `a=<name>:<value>` line.
    public func attribute(_ name: String) -> String? { attributes.firstValue(named: name) }

    /// Whether a session-level `a=<name>` or `a=<name>:<value>` line is present.
    public func hasAttribute(_ name: String) -> Bool { attributes.contains(named: name) }

    /// Appends a session-level `a=<name>` (when `value` is `nil`) or `a=<name>:<value>`.
    public mutating func append(_ name: String, _ value: String? = nil) {
        attributes.append(SDPAttribute(name: name, value: value))
    }
}

/// Typed views of the session-level attributes.
extension SessionDescription {
    /// The mids of every `a=group:BUNDLE` line (RFC 9143), e.g. `[["0", "1"]]`.
    public var bundleGroups: [[String]] {
        attributeValues("group").compactMap { value in
            let fields = value.split(separator: " ").map(String.init)
            guard fields.first == "BUNDLE" else { return nil }
            return Array(fields.dropFirst())
        }
    }

    /// `a=ice-lite` (RFC 8839 § 5.3).
    public var iceLite: Bool { hasAttribute("ice-lite") }
    /// The session-level `a=fingerprint`, if valid.
    public var fingerprint: Fingerprint? { attributeValues("fingerprint").lazy.compactMap { Fingerprint(value: $0) }.first }
    /// The session-level `a=setup`.
    public var setup: SetupRole? { attribute("setup").flatMap { SetupRole(rawValue: $0) } }
    /// The session-level `a=ice-ufrag`.
    public var iceUfrag: String? { attribute("ice-ufrag") }
    /// The session-level `a=ice-pwd`.
    public var icePwd: String? { attribute("ice-pwd") }
    /// The tokens of the session-level `a=ice-options`.
    public var iceOptions: [String] { tokens(attributeValues("ice-options")) }
    /// The tokens of `a=msid-semantic` (RFC 8830 draft form, as Chromium writes it with a
    /// leading space), e.g. `["WMS", "f5f323c0-..."]`.
    public var msidSemantic: [String] { tokens(attributeValues("msid-semantic")) }

    /// The media section whose `a=mid` is `mid`.
    public func media(withMid mid: String) -> MediaDescription? { media.first { $0.mid == mid } }
}
