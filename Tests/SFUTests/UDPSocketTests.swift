import ICE
import Testing
@testable import SFU

/// The send batch coalesces per destination into UDP GSO messages; receivers must see exactly
/// the datagrams queued, in order per destination, whatever the grouping.
struct UDPSocketTests {
    /// (destination index, size) in queue order.
    static let cases: [(name: String, queue: [(Int, Int)], segmented: UInt64)] = [
        ("a frame to two viewers, interleaved", [(0, 1000), (1, 1000), (0, 1000), (1, 1000), (0, 1000), (0, 400)], 6),
        ("a short packet ends a message", [(0, 1000), (0, 300), (0, 1000), (0, 1000)], 4),
        ("a larger packet after the first starts a new message", [(0, 500), (0, 900), (0, 900)], 2),
        ("one packet per destination: nothing to coalesce", [(0, 1200), (1, 1200)], 0),
        ("more than 64 segments split", Array(repeating: (0, 200), count: 70), 70),
        ("more than 64 KiB split", Array(repeating: (0, 1200), count: 60), 60),
    ]

    @Test(arguments: [true, false])
    func everyDatagramArrivesInOrder(gso: Bool) throws {
        for c in Self.cases {
            let sender = try UDPSocket(host: "127.0.0.1", port: 0, segmentationOffload: gso)
            let receivers = [try UDPSocket(host: "127.0.0.1", port: 0), try UDPSocket(host: "127.0.0.1", port: 0)]
            for (i, (d, size)) in c.queue.enumerated() {
                let slot = sender.nextSendSlot()
                slot.initializeMemory(as: UInt8.self, repeating: UInt8(i), count: size)
                sender.commitSend(length: size, to: .v4(0x7F00_0001, port: UInt16(receivers[d].localPort)))
            }
            sender.flush()
            #expect(sender.sendFailures == 0, "\(c.name)")
            #expect(sender.segmentedDatagrams == (gso ? c.segmented : 0), "\(c.name)")
            for (d, receiver) in receivers.enumerated() {
                let expected = c.queue.enumerated().filter { $0.element.0 == d }.map { (index: $0.offset, size: $0.element.1) }
                var got: [(index: Int, size: Int)] = []
                while true {
                    let n = receiver.receiveBatch()
                    if n == 0 { break }
                    for i in 0..<n {
                        let dg = receiver.datagram(i)
                        let bytes = UnsafeRawBufferPointer(start: dg.bytes, count: dg.length)
                        #expect(bytes.allSatisfy { $0 == bytes.first }, "\(c.name): a datagram mixes two packets")
                        got.append((Int(bytes.first ?? 255), dg.length))
                    }
                }
                #expect(got.map(\.index) == expected.map(\.index), "\(c.name), destination \(d)")
                #expect(got.map(\.size) == expected.map(\.size), "\(c.name), destination \(d)")
            }
        }
    }
}
