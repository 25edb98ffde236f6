import ICE
import NIOCore

extension TransportAddress {
    /// The allocation-free key of a NIO socket address; nil for Unix domain sockets.
    @inlinable
    public init?(_ address: SocketAddress) {
        switch address {
        case .v4(let a):
            self = .v4(UInt32(bigEndian: a.address.sin_addr.s_addr), port: UInt16(bigEndian: a.address.sin_port))
        case .v6(let a):
            var storage = a.address.sin6_addr
            let (hi, lo) = withUnsafeBytes(of: &storage) { raw in
                (UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                 UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
            }
            self = .v6(hi, lo, port: UInt16(bigEndian: a.address.sin6_port))
        case .unixDomainSocket:
            return nil
        }
    }
}
