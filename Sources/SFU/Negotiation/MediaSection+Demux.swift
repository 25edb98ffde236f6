import RTP

extension Array where Element == NegotiatedMedia {
    /// The section a received packet belongs to, among those passing `filter`: named by its MID
    /// header extension, else the first whose payload types include the packet's (RFC 8843 §9.2).
    /// Slow path: used once per new SSRC, which is then routed by integer.
    func section(of packet: RTPPacketView, where filter: (NegotiatedMedia) -> Bool) -> NegotiatedMedia? {
        for m in self where filter(m) {
            if let extID = m.midExtensionID, let value = packet.headerExtension(id: extID),
               String(decoding: UnsafeRawBufferPointer(value), as: UTF8.self) == m.mid {
                return m
            }
        }
        return first { m in
            filter(m) && (m.codecs.contains { $0.payloadType == packet.payloadType } || m.repairedPayloadType(packet.payloadType) != nil)
        }
    }
}
