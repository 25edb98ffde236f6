import Foundation
import RTP
import Testing
@testable import SFU

/// Instant join: a viewer that joins a running stream is sent the latest key frame and what
/// followed at once, with no key-frame request to the streamer; without one at hand (nothing
/// since the stream began, or too much since) the streamer is asked as before.
@Suite struct InstantJoinTests {
    static func delta(_ marker: UInt8, sequence: UInt16, ssrc: UInt32) -> RTPPacket {
        RTPPacket(payloadType: 96, sequenceNumber: sequence, timestamp: UInt32(sequence) * 3000, ssrc: ssrc,
                  payload: [0x10, 0x01, marker] + [UInt8](repeating: marker, count: 100))
    }

    /// Whether a key-frame request (PSFB: PLI or FIR) reaches `peer` within `window` (the other
    /// RTCP it gets, receiver reports every second, is skipped).
    static func keyFrameRequested(_ peer: SRTPTestPeer, within window: Duration = .milliseconds(1500)) throws -> Bool {
        let deadline = ContinuousClock.now + window
        while ContinuousClock.now < deadline, let r = try peer.receive() {
            if case .rtcp(let bytes) = r, bytes.count >= 8, bytes[1] == 206 { return true }
        }
        return false
    }

    /// The next `n` video packets' markers and sequence numbers.
    static func video(_ peer: SRTPTestPeer, _ n: Int) throws -> [(marker: UInt8, sequence: UInt16)] {
        var out: [(UInt8, UInt16)] = []
        while out.count < n, let p = try peer.receiveRTP() {
            if p.payloadType != 111, p.payload.count > 2 { out.append((p.payload[2], p.sequenceNumber)) }
        }
        return out
    }

    @Test func aJoiningViewerGetsTheCachedKeyFrameAtOnce() async throws {
        let server = try await RoomGovernanceTests.server()
        let port = server.workers[0].localPort
        _ = try await server.createRoom(id: "live", kind: .streaming, description: nil)
        let s = try await server.addParticipant(roomID: "live", .init(offer: try StreamingOffers.streamer(), role: .streamer))
        let streamer = try SRTPTestPeer(seed: 0x70, bridgePort: port)
        try await streamer.establish(server, room: "live", participant: s.id)
        let ssrc: UInt32 = 0xA000_0001

        // Only deltas so far: the first viewer needs a key frame, and the streamer is asked.
        try streamer.sendRTP(Self.delta(0xA0, sequence: 1, ssrc: ssrc))
        try await Task.sleep(for: .milliseconds(700))  // past the streamer's own key-frame request limit
        while try Self.keyFrameRequested(streamer, within: .milliseconds(300)) {}  // the requests so far (the streamer's start)
        let v1 = try await server.addParticipant(roomID: "live", .init(offer: try StreamingOffers.viewer(), role: .viewer))
        let first = try SRTPTestPeer(seed: 0x71, bridgePort: port)
        try await first.establish(server, room: "live", participant: v1.id)
        #expect(try Self.keyFrameRequested(streamer), "no key-frame request for a viewer with nothing cached")

        // A key frame and two deltas: the first viewer decodes them as they come...
        try streamer.sendRTP(RoomGovernanceTests.frame(0xA1, sequence: 2, ssrc: ssrc))
        try streamer.sendRTP(Self.delta(0xA2, sequence: 3, ssrc: ssrc))
        try streamer.sendRTP(Self.delta(0xA3, sequence: 4, ssrc: ssrc))
        #expect(try Self.video(first, 3).map(\.marker) == [0xA1, 0xA2, 0xA3])

        // ...and a second viewer gets all three at once, before anything new, and nobody asks the
        // streamer for a key frame.
        try await Task.sleep(for: .milliseconds(700))
        // Every request made for the first viewer (at its join and when it connected) is read.
        while try Self.keyFrameRequested(streamer, within: .milliseconds(300)) {}
        let v2 = try await server.addParticipant(roomID: "live", .init(offer: try StreamingOffers.viewer(), role: .viewer))
        let second = try SRTPTestPeer(seed: 0x72, bridgePort: port)
        try await second.establish(server, room: "live", participant: v2.id)
        let replayed = try Self.video(second, 3)
        #expect(replayed.map(\.marker) == [0xA1, 0xA2, 0xA3])
        // The live stream continues right after, its numbering continuous.
        try streamer.sendRTP(Self.delta(0xA4, sequence: 5, ssrc: ssrc))
        let next = try Self.video(second, 1)
        #expect(next.map(\.marker) == [0xA4])
        let sequences = (replayed + next).map(\.sequence)
        #expect(zip(sequences, sequences.dropFirst()).allSatisfy { $1 == $0 &+ 1 }, "\(sequences)")
        #expect(try !Self.keyFrameRequested(streamer), "a key-frame request although one was cached")
        await server.shutdown()
    }

    @Test func theCacheHoldsFromTheLatestKeyFrameAndGoesStale() {
        let cache = KeyFrameCache(capacity: 4096, maxPackets: 3)
        cache.prepare()
        let now = ContinuousClock.now
        func store(_ bytes: [UInt8], ssrc: UInt32 = 1, key: Bool) {
            bytes.withUnsafeBytes { cache.store($0, ssrc: ssrc, startsKeyFrame: key, codec: .vp8, clockRate: 90000, now: now) }
        }
        func held() -> [[UInt8]] {
            var out: [[UInt8]] = []
            cache.forEach { out.append(Array($0)) }
            return out
        }
        store([1], key: false)
        #expect(!cache.isFresh)  // nothing before a key frame
        store([2], key: true)
        store([3], key: false)
        #expect(held() == [[2], [3]])
        store([4], key: true)  // a newer key frame replaces it all
        #expect(held() == [[4]])
        store([5], key: false)
        store([6], key: false)
        store([7], key: false)  // a fourth packet: too much since the key frame
        #expect(!cache.isFresh && held().isEmpty)
        store([8], key: true)
        store([9], ssrc: 2, key: false)  // another stream: stale
        #expect(!cache.isFresh)
        store([10], key: true)
        store([UInt8](repeating: 0, count: 5000), key: false)  // over the byte capacity: stale
        #expect(!cache.isFresh)
    }
}
