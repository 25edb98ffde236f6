import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// The control API's request context: hummingbird's basic one plus the client's address, which
/// the audit log records, and who calls (`AccessMiddleware`).
struct APIRequestContext: RequestContext, RemoteAddressRequestContext, CallerContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?
    let callerBox = CallerBox()

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

/// The WebSocket routes' context: the caller and the client's address, like the API's.
struct WebSocketAPIContext: WebSocketRequestContext, RemoteAddressRequestContext, CallerContext {
    var coreContext: CoreRequestContextStorage
    let webSocket: WebSocketHandlerReference<Self>
    let remoteAddress: SocketAddress?
    let callerBox = CallerBox()

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        remoteAddress = source.channel.remoteAddress
    }
}
