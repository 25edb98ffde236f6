import Testing
@testable import Recording

extension PlayableTests {
    /// Frame assembly by timestamp and marker, holes, waiting for key frames, the reorder buffer.
    struct FrameAssemblerTests {
        /// A payload format for the tables: byte 0 is flags (0x01 starts a frame, 0x02 key frame),
        /// the rest is frame data.
        struct Flags: Depacketizer {
            var clockRate: Int { 90000 }
            var packetIsFrame: Bool { false }
            func startsFrame(_ payload: [UInt8]) -> Bool { payload.first.map { $0 & 0x01 != 0 } ?? false }
            func depacketize(_ payloads: [[UInt8]]) -> Depacketized {
                .frame(.init(data: payloads.flatMap { $0.dropFirst() }, isKeyFrame: payloads[0][0] & 0x02 != 0))
            }
        }

        /// (sequence number, timestamp, marker, payload)
        typealias P = (UInt16, UInt32, Bool, [UInt8])

        static let key: UInt8 = 0x03, start: UInt8 = 0x01, more: UInt8 = 0x00

        static func frames(_ packets: [P], arrivals: [UInt32]? = nil) -> (frames: [[UInt8]], timestamps: [UInt32], dropped: Int) {
            var reorder = ReorderBuffer()
            var assembler = FrameAssembler(Flags())
            var sequenced: [ReorderBuffer.Sequenced] = []
            var out: [FrameAssembler.Frame] = []
            for (i, p) in packets.enumerated() {
                reorder.insert(RecordedPacket(sequenceNumber: p.0, timestamp: p.1, marker: p.2, payload: p.3,
                                              milliseconds: arrivals?[i] ?? UInt32(i)), into: &sequenced)
            }
            reorder.drain(into: &sequenced)
            for s in sequenced { assembler.append(s, into: &out) }
            assembler.finish(into: &out)
            return (out.map(\.frame.data), out.map(\.timestamp), assembler.dropped)
        }

        static let cases: [(name: String, packets: [P], frames: [[UInt8]], dropped: Int)] = [
            ("three whole frames",
             [(1, 0, false, [key, 1]), (2, 0, true, [more, 2]),
              (3, 3000, true, [start, 3]),
              (4, 6000, false, [start, 4]), (5, 6000, true, [more, 5])],
             [[1, 2], [3], [4, 5]], 0),
            ("the marker bit missing: the next packet ends the frame",
             [(1, 0, false, [key, 1]), (2, 3000, false, [start, 2]), (3, 6000, true, [start, 3])],
             [[1], [2], [3]], 0),
            ("a packet missing inside a frame: dropped, then frames up to the next key frame",
             [(1, 0, false, [key, 1]), (2, 0, true, [more, 2]),
              (3, 3000, false, [start, 3]), /* 4 lost */ (5, 3000, true, [more, 5]),
              (6, 6000, true, [start, 6]),
              (7, 9000, true, [key, 7])],
             [[1, 2], [7]], 2),
            ("a whole frame lost between two: the next inter frame waits for a key frame",
             [(1, 0, true, [key, 1]), /* 2 lost */ (3, 6000, true, [start, 3]), (4, 9000, true, [key, 4])],
             [[1], [4]], 1),
            ("the first packet of a frame lost",
             [(1, 0, true, [key, 1]), /* 2 lost */ (3, 3000, true, [more, 3]), (4, 6000, true, [key, 4])],
             [[1], [4]], 1),
            ("the last packet of a frame lost (no marker), the next frame a key frame",
             [(1, 0, false, [key, 1]), (2, 0, true, [more, 2]), (3, 3000, false, [start, 3]), /* 4 lost */
              (5, 6000, true, [key, 5])],
             [[1, 2], [5]], 1),
            ("the file starts on an inter frame: frames wait for the first key frame",
             [(1, 0, true, [start, 1]), (2, 3000, true, [start, 2]), (3, 6000, true, [key, 3]), (4, 9000, true, [start, 4])],
             [[3], [4]], 2),
            ("the file ends mid-frame (a recording killed with kill -9)",
             [(1, 0, true, [key, 1]), (2, 3000, false, [start, 2])],
             [[1]], 1),
            ("reordered packets inside and across frames",
             [(1, 0, false, [key, 1]), (3, 3000, false, [start, 3]), (2, 0, true, [more, 2]),
              (5, 6000, true, [start, 5]), (4, 3000, true, [more, 4])],
             [[1, 2], [3, 4], [5]], 0),
            ("a duplicate (retransmitted twice) is ignored",
             [(1, 0, false, [key, 1]), (2, 0, true, [more, 2]), (2, 0, true, [more, 2]), (3, 3000, true, [start, 3])],
             [[1, 2], [3]], 0),
            ("padding-only packets take a sequence number and nothing else",
             [(1, 0, true, [key, 1]), (2, 0, false, []), (3, 0, false, []), (4, 3000, true, [start, 4])],
             [[1], [4]], 0),
            ("sequence numbers wrap",
             [(65534, 0, false, [key, 1]), (65535, 0, true, [more, 2]), (0, 3000, false, [start, 3]), (1, 3000, true, [more, 4])],
             [[1, 2], [3, 4]], 0),
        ]

        @Test(arguments: cases.indices)
        func assemble(_ i: Int) {
            let c = Self.cases[i]
            let r = Self.frames(c.packets)
            #expect(r.frames == c.frames, "\(c.name)")
            #expect(r.dropped == c.dropped, "\(c.name)")
        }

        /// Flags, then a frame number (byte 1, mod 256), as VP8's picture ID.
        struct Numbered: Depacketizer {
            var clockRate: Int { 90000 }
            var packetIsFrame: Bool { false }
            func startsFrame(_ payload: [UInt8]) -> Bool { payload.first.map { $0 & 0x01 != 0 } ?? false }
            func frameNumber(_ payload: [UInt8]) -> (value: Int, modulus: Int)? { payload.count > 1 ? (Int(payload[1]), 256) : nil }
            func depacketize(_ payloads: [[UInt8]]) -> Depacketized {
                .frame(.init(data: payloads.map { $0[1] }, isKeyFrame: payloads[0][0] & 0x02 != 0))
            }
        }

        /// A hole between two frames numbered one apart lost no frame (a padding packet the
        /// publisher never sent again): the next frame is kept. One apart by more: a frame was
        /// lost, the next ones wait for a key frame.
        @Test(arguments: [(UInt8(11), [UInt8]([10, 11, 12]), 0), (12, [10], 2)])
        func holesBetweenNumberedFrames(next: UInt8, frames: [UInt8], dropped: Int) {
            var reorder = ReorderBuffer()
            var assembler = FrameAssembler(Numbered())
            var sequenced: [ReorderBuffer.Sequenced] = []
            var out: [FrameAssembler.Frame] = []
            let packets: [(UInt16, UInt32, Bool, [UInt8])] = [
                (1, 0, true, [0x03, 10]), /* 2 lost: padding, or a frame */ (3, 3000, true, [0x01, next]),
                (4, 6000, true, [0x01, next &+ 1]),
            ]
            for (i, p) in packets.enumerated() {
                reorder.insert(RecordedPacket(sequenceNumber: p.0, timestamp: p.1, marker: p.2, payload: p.3,
                                              milliseconds: UInt32(i) * 1000), into: &sequenced)
            }
            reorder.drain(into: &sequenced)
            for s in sequenced { assembler.append(s, into: &out) }
            assembler.finish(into: &out)
            #expect(out.map { $0.frame.data[0] } == frames)
            #expect(assembler.dropped == dropped)
        }

        /// Opus: every packet is a frame; a loss drops nothing else.
        @Test func audioPacketsAreFrames() {
            var reorder = ReorderBuffer()
            var assembler = FrameAssembler(OpusDepacketizer())
            var sequenced: [ReorderBuffer.Sequenced] = []
            var out: [FrameAssembler.Frame] = []
            for (seq, ts) in [(UInt16(1), UInt32(0)), (2, 960), (4, 2880), (5, 3840)] {
                reorder.insert(RecordedPacket(sequenceNumber: seq, timestamp: ts, marker: false, payload: [0xFC, 0x00]),
                               into: &sequenced)
            }
            reorder.drain(into: &sequenced)
            for s in sequenced { assembler.append(s, into: &out) }
            assembler.finish(into: &out)
            #expect(out.map(\.timestamp) == [0, 960, 2880, 3840])
            #expect(assembler.dropped == 0)
        }

        /// A missing packet is waited for 500 ms of arrivals, then given up; one that comes later
        /// still is dropped as late.
        @Test func reorderBufferGivesUpAfter500Milliseconds() {
            var reorder = ReorderBuffer()
            var out: [ReorderBuffer.Sequenced] = []
            func insert(_ seq: UInt16, at ms: UInt32) {
                reorder.insert(RecordedPacket(sequenceNumber: seq, timestamp: 0, marker: false, payload: [1], milliseconds: ms),
                               into: &out)
            }
            insert(1, at: 0)
            insert(3, at: 10)
            insert(4, at: 20)
            #expect(out.map(\.index) == [1])
            insert(2, at: 400)  // a retransmission within the wait
            #expect(out.map(\.index) == [1, 2, 3, 4])
            insert(6, at: 410)
            insert(7, at: 900)
            #expect(out.map(\.index) == [1, 2, 3, 4])
            insert(8, at: 911)  // 501 ms behind 5: given up
            #expect(out.map(\.index) == [1, 2, 3, 4, 6, 7, 8])
            insert(5, at: 950)
            #expect(reorder.late == 1)
            insert(8, at: 960)
            #expect(reorder.late == 2)  // already released: counted as late, not held
        }

        @Test func reorderBufferGivesUpAfter512Packets() {
            var reorder = ReorderBuffer()
            var out: [ReorderBuffer.Sequenced] = []
            for seq in [UInt16(1)] + (3...514).map(UInt16.init) {  // 512 held behind the hole
                reorder.insert(RecordedPacket(sequenceNumber: seq, timestamp: 0, marker: false, payload: [1]), into: &out)
            }
            #expect(out.count == 1)
            reorder.insert(RecordedPacket(sequenceNumber: 515, timestamp: 0, marker: false, payload: [1]), into: &out)
            #expect(out.map(\.index) == [1] + (3...515).map(Int64.init))
        }
    }
}
