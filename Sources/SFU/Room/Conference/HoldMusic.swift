import NIOCore
import RTP

/// Music on hold: an Ogg Opus file's packets sent as they are (no decoding), one RTP packet
/// every 20 ms, looped, to a conference member alone in its room. A track of the bridge's own
/// (`hold`), offered like any other and retired when someone joins. On the room's loop.
final class HoldMusic {
    static let trackID = "hold"
    static let payloadType: UInt8 = 111
    let ogg: OggOpus
    let track: Producer
    weak var room: ConferenceRoom?
    private var timer: RepeatedTask?
    private var index = 0
    private var sequence = UInt16.random(in: 0...UInt16.max)
    private var timestamp = UInt32.random(in: 0...UInt32.max)
    private let ssrc = UInt32.random(in: 1...UInt32.max)
    private let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1500 + 12, alignment: 16)
    private(set) var packetsSent: UInt64 = 0

    init(ogg: OggOpus) {
        self.ogg = ogg
        let media = NegotiatedMedia(mid: Self.trackID, kind: .audio, direction: .sendonly,
                                    codecs: [.init(payloadType: Self.payloadType, name: "opus", clockRate: 48000, channels: 2)],
                                    extensions: [:], remoteSSRCs: [], localSSRC: nil, rejected: false)
        track = Producer(id: Self.trackID, media: media, source: .hold, peer: nil)
    }

    deinit {
        timer?.cancel()
        buffer.deallocate()
    }

    var playing: Bool { timer != nil }

    func start() {
        guard timer == nil, let room else { return }
        timer = room.worker.eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(20)) { [weak self] _ in
            self?.sendNext()
        }
    }

    func stop() {
        timer?.cancel()
        timer = nil
    }

    private func sendNext() {
        guard let room else { return }
        let (payload, samples) = ogg.packets[index]
        index = (index + 1) % ogg.packets.count
        defer {
            sequence &+= 1
            timestamp &+= UInt32(samples)
        }
        guard track.consumers.activeCount > 0, payload.count <= 1500 else { return }
        buffer.storeBytes(of: 0x80, as: UInt8.self)
        buffer.storeBytes(of: Self.payloadType, toByteOffset: 1, as: UInt8.self)
        buffer.storeBytes(of: sequence.bigEndian, toByteOffset: 2, as: UInt16.self)
        buffer.storeBytes(of: timestamp.bigEndian, toByteOffset: 4, as: UInt32.self)
        buffer.storeBytes(of: ssrc.bigEndian, toByteOffset: 8, as: UInt32.self)
        payload.withUnsafeBytes { (buffer + 12).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        guard let view = try? RTPPacketView(parsing: UnsafeMutableRawBufferPointer(start: buffer, count: 12 + payload.count)) else { return }
        _ = track.consumers.forward(view, codec: .opus, clockRate: 48000, now: MediaClock.elapsed(.now))
        packetsSent &+= 1
        room.worker.flush()
    }
}
