import Glibc

/// Why a recording cannot start or its manifest cannot be written, in words for the API caller.
public enum RecordingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The recording directory is empty or holds a NUL byte.
    case invalidDirectory
    /// No eventfd to wake the writer thread with (errno).
    case noWakeUp(Int32)
    /// A manifest could not be written (its path, errno).
    case cannotWrite(String, Int32)
    /// A manifest could not be encoded (its path).
    case cannotEncode(String)

    public var message: String {
        switch self {
        case .invalidDirectory: "invalid recording directory"
        case .noWakeUp(let e): "eventfd failed: \(String(cString: strerror(e)))"
        case .cannotWrite(let path, let e): "cannot write \(path): \(String(cString: strerror(e)))"
        case .cannotEncode(let path): "cannot encode the manifest \(path)"
        }
    }

    public var description: String { message }
}
