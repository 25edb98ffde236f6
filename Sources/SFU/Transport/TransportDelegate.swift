import RTP

/// What a transport reports upward to the room that owns it. All calls happen on the transport's
/// event loop, synchronously, in the call stack of the datagram that caused them.
public protocol TransportDelegate: AnyObject {
    /// ICE selected a pair and DTLS finished: media can flow.
    func transportDidConnect(_ transport: WebRTCTransport)
    /// A decrypted RTP packet. The view points into the worker's scratch buffer: valid only
    /// during the call, and the delegate may rewrite it in place.
    func transport(_ transport: WebRTCTransport, didReceiveRTP packet: RTPPacketView)
    /// A decrypted RTCP compound packet, valid only during the call.
    func transport(_ transport: WebRTCTransport, didReceiveRTCP packet: UnsafeMutableRawBufferPointer)
    /// The peer's address changed (it moved networks): packets were lost on the way, decoders
    /// downstream need a key frame.
    func transportDidChangeRemoteAddress(_ transport: WebRTCTransport)
    /// Consent expired, DTLS failed or closed, or the transport was closed by the bridge.
    func transport(_ transport: WebRTCTransport, didChangeState state: TransportState)
}

/// The connection state of one peer, as the API reports it.
public enum TransportState: Sendable, Equatable {
    case new
    case connecting
    case connected
    /// No valid ICE check for the consent timeout (RFC 7675); media stopped, may come back.
    case disconnected
    case failed(String)
    case closed

    public var name: String {
        switch self {
        case .new: "new"
        case .connecting: "connecting"
        case .connected: "connected"
        case .disconnected: "disconnected"
        case .failed: "failed"
        case .closed: "closed"
        }
    }
}
