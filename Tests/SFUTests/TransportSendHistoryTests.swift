import Testing
@testable import SFU

/// The bridge's own transport-wide numbers: each packet sent gets the next one, written into it;
/// its send time and size come back for feedback while it is in the ring, and never after.
@Suite struct TransportSendHistoryTests {
    @Test func numbersPacketsAndRemembersThem() throws {
        var history = TransportSendHistory(extensionID: 3)
        defer { history.deallocate() }
        let first = history.next
        var buffer = [UInt8](repeating: 0, count: 64)
        var sizes: [Int] = []
        for i in 0..<3000 {
            // A 20-byte RTP packet without an extension: it gains an 8-byte block.
            buffer.replaceSubrange(0..<12, with: [0x80, 96, 0, UInt8(i & 0xFF), 0, 0, 0, 0, 0, 0, 0, 1])
            let n = buffer.withUnsafeMutableBytes {
                history.stamp($0.baseAddress!, length: 20, capacity: $0.count, now: 5_000_000_000 + Int64(i) * 1000)
            }
            sizes.append(n)
            #expect(buffer[12...15] == [0xBE, 0xDE, 0, 1] && buffer[16] == 0x31)
            #expect(UInt16(buffer[17]) << 8 | UInt16(buffer[18]) == first &+ UInt16(i))
        }
        #expect(history.stamped == 3000 && sizes.allSatisfy { $0 == 28 })
        // The last 2048 are known, with their times (µs) and sizes.
        let last = try #require(history.sent(first &+ 2999))
        #expect(last.at == 5_000_000_000 + 2_999_000 && last.size == 28)
        let oldest = try #require(history.sent(first &+ 952))
        #expect(oldest.at == 5_000_000_000 + 952_000)
        // Older ones were overwritten; the next one is not sent yet.
        #expect(history.sent(first &+ 951) == nil)
        #expect(history.sent(first &+ 3000) == nil)
    }

    @Test func aPacketThatCannotCarryANumberIsSentAsItIs() {
        var history = TransportSendHistory(extensionID: 3)
        defer { history.deallocate() }
        var buffer: [UInt8] = [0x80, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xAA]
        let n = buffer.withUnsafeMutableBytes { history.stamp($0.baseAddress!, length: 13, capacity: 13, now: 0) }
        #expect(n == 13 && history.stamped == 0 && history.sent(history.next &- 1) == nil)
    }
}
