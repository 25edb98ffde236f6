import Foundation
import NIOCore
import NIOPosix

/// Where the data plane listens and what it announces.
public struct MediaConfiguration: Sendable {
    /// Address the UDP sockets bind to.
    public var listenAddress: String = "127.0.0.1"
    /// First UDP port; worker i listens on `port + i`. 0 picks ephemeral ports.
    public var port: Int = 40000
    /// Event loops, each with its own socket. Default: one per core.
    public var workers: Int = System.coreCount
    /// With more than one worker: a streaming room's viewers go to the least-loaded worker (not
    /// only the room's), which takes the streamer's packets from the room's worker through a
    /// ring and does their rewriting, encryption and sending on its own core. Off: a room and
    /// all its participants share one worker.
    public var spreadViewers: Bool = true
    /// Explicit sockets, one worker each (overrides listenAddress, port and workers), e.g.
    /// two addresses of a multi-homed host.
    public var endpoints: [(host: String, port: Int)] = []
    /// Addresses written into candidates instead of the local ones (NAT 1:1).
    public var announcedAddresses: [String] = []
    /// Offer 127.0.0.1 when listening on all addresses (always offered when listening on loopback).
    public var loopbackCandidates: Bool = false
    /// RFC 7675: no valid check for this long means the peer is gone.
    public var consentTimeout: Duration = .seconds(30)
    /// Period of the per-worker timer (transport-cc feedback, consent, DTLS retransmission):
    /// 50 ms, how often libwebrtc sends transport-cc feedback at a few hundred kbit/s and up.
    public var tickInterval: Duration = .milliseconds(50)
    /// Period of each room's timer: receiver reports to publishers, sender reports to
    /// subscribers, speaker detection.
    public var reportInterval: Duration = .seconds(1)
    /// A room with no participants for this long is deleted.
    public var roomIdleTimeout: Duration = .seconds(300)
    /// No conference room has more members than this (a room's `max_members` may be lower).
    public var maxMembersPerRoom: Int = 100
    /// Music on hold for conference rooms that ask for it (an Ogg Opus file, loaded at start).
    public var holdMusic: OggOpus?
    /// Speaker detection thresholds (RFC 6464 audio levels): `speaking` and `dominant_speaker` events.
    public var speech = SpeechDetection()
    /// Streaming rooms fed by plain RTP: the ports their sources may listen on, and how long a
    /// sender may be silent before its port takes the next one.
    public var rtpSourcePorts: ClosedRange<Int> = 20000...29999
    public var rtpSourceSilence: Duration = .seconds(3)
    /// Where forwarders may send (default: loopback only).
    public var forwardNetworks: [IPNetwork] = [IPNetwork("127.0.0.0/8")!, IPNetwork("::1/128")!]
    /// At most one key-frame request to a streamer per interval.
    public var keyFrameInterval: Duration = .milliseconds(500)
    /// UDP GSO: a flush sends the packets queued for one peer in one message (Linux 4.18+;
    /// turned off by itself on a route that refuses it).
    public var segmentationOffload: Bool = true
    /// Where recordings go (created when the first recording starts).
    public var recordingDirectory: String = "/tmp/bridged-recordings"
    /// Run with a recording's files once its playable file is ready (command, then arguments).
    public var recordingHook: [String] = []
    /// A hook still running after this long is killed.
    public var recordingHookTimeout: Duration = .seconds(600)
    /// A recording whose tracks have been silent this long stops (nil: never). A recording
    /// request may set its own.
    public var recordingNoMediaTimeout: Duration?

    public init() {}
}
