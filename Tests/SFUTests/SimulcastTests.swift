import Foundation
import RTP
import Testing
@testable import SFU

/// Simulcast through the fan-out's table: each subscriber gets one encoding, moves to the one
/// it may have at that encoding's key frame, with its sequence numbers, picture IDs and
/// TL0PICIDX continuous, and VP8 temporal layers above its bound left out without a gap.
@Suite struct SimulcastTests {
    typealias Bench = ConsumerTableTests.Bench

    /// A VP8 packet of encoding `layer` (of 3): SSRC 0xA0 + layer, picture ID and TL0PICIDX
    /// of that encoding's own numbering, temporal layer `tid`.
    static func forward(_ bench: Bench, layer: UInt8, sequence: UInt16, picture: UInt16, tl0: UInt8, tid: UInt8 = 0, sync: Bool = false,
                        key: Bool, now: Duration) async throws -> Bool {
        let descriptor: [UInt8] = [0x90, 0xE0, 0x80 | UInt8(picture >> 8), UInt8(picture & 0xFF), tl0, tid << 6 | (sync ? 0x20 : 0)]
        let header: [UInt8] = key ? [0x00, 0x00, 0x00, 0x9D, 0x01, 0x2A, 0x80, 0x02, 0x68, 0x01] : [0x01, 0, 0]
        let p = RTPPacket(payloadType: 96, sequenceNumber: sequence, timestamp: UInt32(sequence) * 3000, ssrc: 0xA0 + UInt32(layer),
                          payload: descriptor + header + [UInt8](repeating: layer, count: 40))
        let bytes = p.serialized()
        let (table, worker) = (bench.table, bench.worker)
        return try await bench.loop.submit {
            var copy = bytes
            let waiting = copy.withUnsafeMutableBytes { raw in
                let view = try! RTPPacketView(parsing: raw)
                let w = table.forward(view, codec: .vp8, clockRate: 90000, now: now, layer: layer, layers: 3)
                // The source's descriptor is put back as it came, for the next one.
                #expect(Array(view.payload.prefix(6)) == descriptor)
                return w
            }
            worker.flush()
            return waiting
        }.get()
    }

    /// What a subscriber received: its encoding (from the payload's filler), sequence number,
    /// picture ID and TL0PICIDX.
    static func received(_ peer: SRTPTestPeer) throws -> (layer: UInt8, sequence: UInt16, picture: UInt16, tl0: UInt8)? {
        guard let p = try peer.receiveRTP() else { return nil }
        return (p.payload.last!, p.sequenceNumber, UInt16(p.payload[2] & 0x7F) << 8 | UInt16(p.payload[3]), p.payload[4])
    }

    @Test func eachSubscriberGetsItsEncodingAndSwitchesAtAKeyFrame() async throws {
        let bench = try await Bench(subscribers: 2)
        let (a, b) = (bench.consumers[0], bench.consumers[1])
        try await bench.loop.submit { b.maxSpatial = 0 }.get()
        // Key frames on every encoding: A starts on the best, B on the lowest.
        for layer: UInt8 in [0, 1, 2] {
            _ = try await Self.forward(bench, layer: layer, sequence: 10, picture: 100 * UInt16(layer + 1), tl0: 10 * (layer + 1),
                                       key: true, now: .zero)
        }
        let a1 = try #require(try Self.received(bench.peers[0]))
        let b1 = try #require(try Self.received(bench.peers[1]))
        #expect(a1.layer == 2 && b1.layer == 0)
        #expect(try await bench.loop.submit { (a.layer, b.layer) }.get() == (2, 0))
        // A may have the lowest only: its best goes on until the lowest's key frame, and a
        // delta frame of the lowest says a key frame is wanted.
        try await bench.loop.submit { a.maxSpatial = 0 }.get()
        #expect(try await Self.forward(bench, layer: 0, sequence: 11, picture: 101, tl0: 10, key: false, now: .milliseconds(33)))
        _ = try await Self.forward(bench, layer: 2, sequence: 11, picture: 301, tl0: 30, key: false, now: .milliseconds(33))
        let a2 = try #require(try Self.received(bench.peers[0]))
        #expect(a2.layer == 2 && a2.sequence == a1.sequence &+ 1 && a2.picture == 301)
        #expect(try Self.received(bench.peers[1])?.layer == 0)  // B's delta frame
        _ = try await Self.forward(bench, layer: 0, sequence: 12, picture: 102, tl0: 11, key: true, now: .milliseconds(66))
        let a3 = try #require(try Self.received(bench.peers[0]))
        #expect(a3.layer == 0)
        #expect(a3.sequence == a2.sequence &+ 1)  // no gap to NACK
        #expect(a3.picture == 302 && a3.tl0 == 31)  // continuous with the best encoding's numbering
        #expect(try await bench.loop.submit { a.layer }.get() == 0)
        _ = try await Self.forward(bench, layer: 2, sequence: 12, picture: 302, tl0: 31, key: false, now: .milliseconds(66))
        _ = try await Self.forward(bench, layer: 0, sequence: 13, picture: 103, tl0: 11, key: false, now: .milliseconds(99))
        #expect(try Self.received(bench.peers[0])?.layer == 0)  // the best no longer reaches it
        await bench.shutdown()
    }

    @Test func temporalLayersAboveTheBoundCloseUp() async throws {
        let bench = try await Bench(subscribers: 1)
        let c = bench.consumers[0]
        try await bench.loop.submit { c.maxTemporal = 0 }.get()
        _ = try await Self.forward(bench, layer: 2, sequence: 1, picture: 1, tl0: 1, tid: 0, key: true, now: .zero)
        let first = try #require(try Self.received(bench.peers[0]))
        _ = try await Self.forward(bench, layer: 2, sequence: 2, picture: 2, tl0: 1, tid: 1, key: false, now: .milliseconds(33))
        _ = try await Self.forward(bench, layer: 2, sequence: 3, picture: 3, tl0: 2, tid: 0, key: false, now: .milliseconds(66))
        let next = try #require(try Self.received(bench.peers[0]))
        #expect(next.sequence == first.sequence &+ 1)  // TID 1 left out, no gap
        #expect(next.tl0 == first.tl0 &+ 1)
        #expect(next.picture == first.picture &+ 1)  // and no picture missing
        await bench.shutdown()
    }

    /// A lower temporal bound applies at the next frame; a higher one only from a frame the
    /// receiver can decode from there (TL0, or the layer-sync bit), since a frame of a higher
    /// layer may refer to one of its layer it never got. Each layer's rate is measured.
    @Test func aTemporalBoundRisesOnlyAtASyncFrame() async throws {
        let bench = try await Bench(subscribers: 1)
        let c = bench.consumers[0]
        let table = bench.table
        try await bench.loop.submit {
            c.maxSpatial = 0
            c.estimateTemporal = 0
            table.measureLayers(now: .zero)
        }.get()
        // (sequence, TID, layer sync, delivered?) with the bound at 0, then raised, then lowered.
        let steps: [(UInt16, UInt8, Bool, Bool)] = [(1, 0, false, true), (2, 2, true, false), (3, 1, false, false), (4, 2, false, false)]
        let raised: [(UInt16, UInt8, Bool, Bool)] = [(5, 2, false, false), (6, 1, false, false), (7, 2, true, true), (8, 0, false, true),
                                                     (9, 2, false, true), (10, 1, false, true)]
        let lowered: [(UInt16, UInt8, Bool, Bool)] = [(11, 2, false, false), (12, 0, false, true)]
        var tl0: UInt8 = 0
        func run(_ frames: [(UInt16, UInt8, Bool, Bool)]) async throws {
            for (sequence, tid, sync, _) in frames {
                if tid == 0 { tl0 &+= 1 }
                _ = try await Self.forward(bench, layer: 0, sequence: sequence, picture: sequence, tl0: tl0, tid: tid, sync: sync,
                                           key: sequence == 1, now: .milliseconds(Int(sequence) * 33))
            }
        }
        try await run(steps)
        #expect(try await bench.loop.submit { c.temporal }.get() == 0)
        try await bench.loop.submit { c.estimateTemporal = nil }.get()
        try await run(raised)
        #expect(try await bench.loop.submit { c.temporal }.get() == nil)
        try await bench.loop.submit { c.estimateTemporal = 1 }.get()
        try await run(lowered)
        // Which frames came (by timestamp: the source's is 3000 per sequence number), and
        // with no gap in the sequence numbers.
        var came: [UInt16] = []
        var sequences: [UInt16] = []
        var first: UInt32?
        while came.last != 12, let p = try bench.peers[0].receiveRTP() {
            first = first ?? p.timestamp
            came.append(UInt16((p.timestamp &- first!) / 3000) + 1)
            sequences.append(p.sequenceNumber)
        }
        #expect(came == (steps + raised + lowered).filter(\.3).map(\.0))
        #expect(zip(sequences, sequences.dropFirst()).allSatisfy { $1 == $0 &+ 1 })
        // TL0, TL1 and TL2 bytes were counted apart: the rate up to each layer grows.
        let measured = try await bench.loop.submit {
            table.measureLayers(now: .seconds(1))
            return table.temporalRates(of: 0)
        }.get()
        #expect(measured.count == 3)
        #expect(measured.rates[0] > 0 && measured.rates[1] > measured.rates[0] && measured.rates[2] > measured.rates[1])
        await bench.shutdown()
    }
}
