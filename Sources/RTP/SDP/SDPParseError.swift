/// Why an SDP session description (RFC 8866) could not be parsed.
///
/// Line numbers are 1-based and count every line of the input, including blank ones.
/// Malformed *attribute values* are not errors here: attributes are kept verbatim and the
/// typed accessors simply skip values their parser rejects.
public enum SDPParseError: Error, Equatable, Sendable {
    /// The description does not start with a `v=` line.
    case missingVersion
    /// The `v=` line is not `v=0`.
    case unsupportedVersion(lineNumber: Int)
    /// No `o=` line before the first `m=` line.
    case missingOrigin
    /// No `s=` line before the first `m=` line.
    case missingSessionName
    /// No `t=` line before the first `m=` line.
    case missingTiming
    /// A line that is not `<letter>=<text>`, or whose type letter is unknown.
    case invalidLine(lineNumber: Int)
    /// A session-only line (`v`, `o`, `s`, `t`, ...) that appears twice or inside a media section.
    case unexpectedLine(lineNumber: Int)
    /// An `o=` line without its six fields.
    case invalidOrigin(lineNumber: Int)
    /// A `c=` line without `<nettype> <addrtype> <address>`.
    case invalidConnection(lineNumber: Int)
    /// A `b=` line that is not `<bwtype>:<bandwidth>`.
    case invalidBandwidth(lineNumber: Int)
    /// An `m=` line that is not `<media> <port>[/<n>] <proto> <fmt> ...`.
    case invalidMediaLine(lineNumber: Int)
}

extension SDPParseError: CustomStringConvertible {
    /// What is wrong, for the one who sent the description.
    public var description: String {
        switch self {
        case .missingVersion: "it does not start with v=0"
        case .unsupportedVersion(let n): "line \(n): only v=0 is supported"
        case .missingOrigin: "no o= line before the first m= line"
        case .missingSessionName: "no s= line before the first m= line"
        case .missingTiming: "no t= line before the first m= line"
        case .invalidLine(let n): "line \(n) is not <type>=<value> with a known type"
        case .unexpectedLine(let n): "line \(n) repeats a session line or puts it inside a media section"
        case .invalidOrigin(let n): "line \(n): o= needs six fields"
        case .invalidConnection(let n): "line \(n): c= needs <nettype> <addrtype> <address>"
        case .invalidBandwidth(let n): "line \(n): b= needs <bwtype>:<bandwidth>"
        case .invalidMediaLine(let n): "line \(n): m= needs <media> <port> <proto> <fmt> ..."
        }
    }
}
