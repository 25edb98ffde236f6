extension RTPPacketView {
    /// Rewrites every header extension element's ID in place through `map` (indexed by the
    /// current ID): a forwarded packet must carry the IDs its receiver negotiated (RFC 8285 §5).
    /// An element whose new ID is 0, or does not fit the block's form, is turned into padding
    /// bytes (ID 0, RFC 8285 §4.2/§4.3), so the receiver skips it. Allocation-free.
    @inlinable
    public func remapHeaderExtensionIDs(_ map: UnsafeBufferPointer<UInt8>) {
        guard let form = extensionForm else { return }
        let bytes = self.bytes
        walkExtensions { idOffset, id, valueOffset, length in
            let new = Int(id) < map.count ? map[Int(id)] : 0
            if new == 0 || !form.canEncode(id: new) {
                for i in idOffset..<(valueOffset &+ length) { bytes[i] = 0 }
            } else {
                switch form {
                case .oneByte: bytes[idOffset] = new << 4 | (bytes[idOffset] & 0x0F)
                case .twoByte: bytes[idOffset] = new
                }
            }
            return true
        }
    }
}
