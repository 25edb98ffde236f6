/// The `a=candidate` attribute (RFC 8839 § 5.1):
///
/// ```
/// candidate-attribute = "candidate" ":" foundation SP component-id SP transport SP
///                       priority SP connection-address SP port SP "typ" SP cand-type
///                       [SP rel-addr] [SP rel-port] *(SP extension-att-name SP extension-att-value)
/// ```
///
/// e.g. `657069557 1 udp 2122260223 127.0.0.1 57028 typ host generation 0 network-id 1`.
public struct ICECandidateAttribute: Sendable {
    /// The candidate type (RFC 8445 § 5.1.1).
    public enum CandidateType: String, CaseIterable, Sendable {
        case host, srflx, prflx, relay
    }

    /// Identifies candidates of the same type, base and server (1–32 ice-chars).
    public var foundation: String
    /// 1 for RTP, 2 for RTCP without rtcp-mux.
    public var component: Int
    /// `udp` or `tcp`, as written (some stacks write `UDP`).
    public var transport: String
    /// The candidate priority (RFC 8445 § 5.1.2).
    public var priority: UInt32
    /// An IP address or an mDNS `.local` name.
    public var address: String
    /// The port; `9` for active TCP candidates (RFC 6544).
    public var port: Int
    /// host, srflx, prflx or relay.
    public var type: CandidateType
    /// `raddr`, for reflexive and relayed candidates.
    public var relatedAddress: String?
    /// `rport`, for reflexive and relayed candidates.
    public var relatedPort: Int?
    /// The remaining name/value pairs in order: `tcptype`, `generation`, `ufrag`,
    /// `network-id`, `network-cost`...
    public var extensions: [(key: String, value: String)]

    /// Creates a candidate.
    public init(
        foundation: String, component: Int = 1, transport: String = "udp", priority: UInt32,
        address: String, port: Int, type: CandidateType,
        relatedAddress: String? = nil, relatedPort: Int? = nil,
        extensions: [(key: String, value: String)] = []
    ) {
        self.foundation = foundation
        self.component = component
        self.transport = transport
        self.priority = priority
        self.address = address
        self.port = port
        self.type = type
        self.relatedAddress = relatedAddress
        self.relatedPort = relatedPort
        self.extensions = extensions
    }

    /// Parses the attribute value, also accepting the `candidate:` prefix that
    /// `RTCIceCandidate.candidate` carries in trickle ICE.
    public init?(value text: some StringProtocol) {
        var text = Substring(text)
        if text.hasPrefix("candidate:") { text = text.dropFirst("candidate:".count) }
        let fields = text.split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count >= 8, fields.count % 2 == 0, fields.allSatisfy({ !$0.isEmpty }),
              fields[6] == "typ",
              let component = parseDecimal(fields[1]), (1...256).contains(component),
              let priority = parseDecimal(fields[3]), priority <= Int(UInt32.max),
              let port = parseDecimal(fields[5]), port <= 65535,
              let type = CandidateType(rawValue: String(fields[7]))
        else { return nil }
        var relatedAddress: String?, relatedPort: Int?
        var extensions: [(key: String, value: String)] = []
        var index = 8
        while index < fields.count {
            let key = String(fields[index]), value = fields[index + 1]
            switch key {
            case "raddr" where relatedAddress == nil && relatedPort == nil && extensions.isEmpty:
                relatedAddress = String(value)
            case "rport" where relatedPort == nil && extensions.isEmpty:
                guard let number = parseDecimal(value), number <= 65535 else { return nil }
                relatedPort = number
            default:
                extensions.append((key, String(value)))
            }
            index += 2
        }
        self.init(
            foundation: String(fields[0]), component: component, transport: String(fields[2]),
            priority: UInt32(priority), address: String(fields[4]), port: port, type: type,
            relatedAddress: relatedAddress, relatedPort: relatedPort, extensions: extensions)
    }

    /// The attribute value (without the `candidate:` prefix).
    public var value: String {
        var text = "\(foundation) \(component) \(transport) \(priority) \(address) \(port) typ \(type.rawValue)"
        if let relatedAddress { text += " raddr \(relatedAddress)" }
        if let relatedPort { text += " rport \(relatedPort)" }
        for (key, value) in extensions { text += " \(key) \(value)" }
        return text
    }

    /// The value of the first extension called `key`, e.g. `extension("tcptype")` → `"active"`.
    public func extensionValue(_ key: String) -> String? {
        extensions.first { $0.key == key }?.value
    }
}

extension ICECandidateAttribute: Equatable {
    /// Field-wise equality; `extensions` compare pairwise, in order.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.foundation == rhs.foundation && lhs.component == rhs.component
            && lhs.transport == rhs.transport && lhs.priority == rhs.priority
            && lhs.address == rhs.address && lhs.port == rhs.port && lhs.type == rhs.type
            && lhs.relatedAddress == rhs.relatedAddress && lhs.relatedPort == rhs.relatedPort
            && lhs.extensions.elementsEqual(rhs.extensions) { $0.key == $1.key && $0.value == $1.value }
    }
}
