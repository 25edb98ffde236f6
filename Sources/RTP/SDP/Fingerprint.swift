/// The `a=fingerprint` attribute (RFC 8122 § 5): `<hash-func> <hex:hex:...>`,
/// e.g. `sha-256 1F:DB:F3:...`.
public struct Fingerprint: Equatable, Sendable {
    /// The hash function name as written, e.g. `sha-256` (RFC 8122 lowercases it).
    public var hashFunction: String
    /// Colon-separated hex bytes as written, e.g. `AB:CD:...`.
    public var value: String

    /// Creates a fingerprint from the name and its textual hex form.
    public init(hashFunction: String, value: String) {
        self.hashFunction = hashFunction
        self.value = value
    }

    /// Creates a fingerprint from raw digest bytes, written in uppercase hex as browsers do.
    public init(hashFunction: String, bytes: [UInt8]) {
        let digits: [Character] = Array("0123456789ABCDEF")
        let hex = bytes.map { String([digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]]) }
        self.init(hashFunction: hashFunction, value: hex.joined(separator: ":"))
    }

    /// Parses the attribute value; `nil` unless it is `<token> <non-empty token>`.
    public init?(value attributeValue: some StringProtocol) {
        let fields = attributeValue.split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count == 2, !fields[0].isEmpty, !fields[1].isEmpty else { return nil }
        self.init(hashFunction: String(fields[0]), value: String(fields[1]))
    }

    /// The attribute value: `<hash-func> <hex>`.
    public var attributeValue: String { "\(hashFunction) \(value)" }

    /// The digest bytes, or `nil` if `value` is not colon-separated pairs of hex digits.
    public var bytes: [UInt8]? {
        var result: [UInt8] = []
        for pair in value.split(separator: ":", omittingEmptySubsequences: false) {
            guard pair.count == 2, let byte = UInt8(pair, radix: 16) else { return nil }
            result.append(byte)
        }
        return result
    }
}
