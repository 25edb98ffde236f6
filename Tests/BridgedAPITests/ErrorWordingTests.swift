import Hummingbird
import SFU
import Testing
@testable import BridgedAPI

/// How the SFU's typed refusals are answered: status, code and the message a caller reads. The
/// SFU says what was wrong in values; the wording is the API layer's, one row per reason.
struct ErrorWordingTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var error: ControlError
        var status: HTTPResponse.Status
        var code: String
        var message: String
        var testDescription: String { message }
    }

    static let rows: [Row] = [
        .init(error: .transport(.context("no memory")), status: .internalServerError, code: "transport_error",
              message: "cannot create the DTLS transport: DTLS context: no memory"),
        .init(error: .invalidRole(.notInRoom(.echo, role: .viewer)), status: .badRequest, code: "invalid_role",
              message: "an echo room has no viewer; omit role or use \"echo\""),
        .init(error: .invalidRole(.notInRoom(.streaming, role: nil)), status: .badRequest, code: "invalid_role",
              message: "a streaming room needs \"role\": \"streamer\" or \"viewer\""),
        .init(error: .invalidRole(.notInRoom(.conference, role: .streamer)), status: .badRequest, code: "invalid_role",
              message: "a conference room's participants have \"role\": \"member\" (or \"viewer\": receives, may not publish)"),
        .init(error: .invalidRole(.notRecorded(.viewer)), status: .badRequest, code: "invalid_role",
              message: "only a streamer or a conference member can be recorded (\"record\": true)"),
        .init(error: .invalidOption(.lobbyInEchoRoom), status: .badRequest, code: "invalid_option",
              message: "lobby is for conference and streaming rooms"),
        .init(error: .invalidOption(.streamingOnly("max_viewers")), status: .badRequest, code: "invalid_option",
              message: "max_viewers is a streaming room's option"),
        .init(error: .invalidOption(.streamersList), status: .badRequest, code: "invalid_option",
              message: "streamers must list user ids (1-64 characters from A-Z a-z 0-9 _ - . @), \"*\" or \"moderators\""),
        .init(error: .invalidOption(.maxViewers(0)), status: .badRequest, code: "invalid_option",
              message: "max_viewers must be at least 1, not 0"),
        .init(error: .invalidOption(.maxMembers(900, limit: 100)), status: .badRequest, code: "invalid_option",
              message: "max_members must be between 1 and 100 (the bridge's max_members_per_room), not 900"),
        .init(error: .invalidOption(.musicOnHoldWithoutFile), status: .badRequest, code: "invalid_option",
              message: "music_on_hold needs an Ogg Opus file in the configuration (music_on_hold_file)"),
        .init(error: .invalidOption(.maxBitrate(5, allowed: 10_000...20_000)), status: .badRequest, code: "invalid_option",
              message: "max_bitrate must be between 10000 and 20000 bits per second, not 5"),
        .init(error: .invalidOption(.singleAccess("maybe")), status: .badRequest, code: "invalid_option",
              message: "single_access must be \"refuse\" or \"replace\", not \"maybe\""),
        .init(error: .notAllowed(.notAStreamer(user: nil, room: "live")), status: .forbidden, code: "not_allowed",
              message: "user (none: no user_id) may not stream in room live: only its streamers may"),
        .init(error: .notAllowed(.notAStreamer(user: "ann", room: "live")), status: .forbidden, code: "not_allowed",
              message: "user ann may not stream in room live: only its streamers may"),
        .init(error: .notAllowed(.viewerPublishes), status: .forbidden, code: "not_allowed",
              message: "a viewer may not publish: offer recvonly sections only"),
        .init(error: .invalidSource(.streamingOnly), status: .badRequest, code: "invalid_source",
              message: "source is a streaming room's option"),
        .init(error: .invalidSource(.missingRTP), status: .badRequest, code: "invalid_source", message: "source needs \"rtp\""),
        .init(error: .invalidSource(.withStreamers), status: .badRequest, code: "invalid_source",
              message: "a room fed by an RTP source has no streamers"),
        .init(error: .invalidSource(.codec(field: "source.rtp.audio", codec: "pcmu", allowed: ["opus"])), status: .badRequest,
              code: "invalid_source", message: "source.rtp.audio.codec \"pcmu\" is not one of opus"),
        .init(error: .invalidSource(.port(field: "source.rtp.video", port: 5004, allowed: 31000...31999)), status: .badRequest,
              code: "invalid_source",
              message: "source.rtp.video.port 5004 is outside the bridge's RTP source ports 31000-31999 (rtp_source_ports)"),
        .init(error: .invalidSource(.payloadType(field: "source.rtp.video", 72)), status: .badRequest, code: "invalid_source",
              message: "source.rtp.video.payload_type 72 must be 0-63 or 96-127 (64-95 would be taken for RTCP)"),
        .init(error: .invalidSource(.samePort(31500)), status: .badRequest, code: "invalid_source",
              message: "source.rtp.video and source.rtp.audio need different ports (both ask for 31500)"),
        .init(error: .invalidSource(.noTracks), status: .badRequest, code: "invalid_source",
              message: "source.rtp needs a video or an audio track (or both)"),
        .init(error: .invalidSource(.noFreePort(31000...31001)), status: .badRequest, code: "invalid_source",
              message: "no free port left in the bridge's RTP source ports 31000-31001"),
        .init(error: .invalidSource(.unusableKeys(field: "source.rtp.srtp")), status: .badRequest, code: "invalid_source",
              message: "source.rtp.srtp: the SRTP layer refused these keys; generate a new master key and salt"),
        .init(error: .invalidForwarder(.noPorts), status: .badRequest, code: "invalid_forwarder",
              message: "a forwarder needs video_port, audio_port or both"),
        .init(error: .invalidForwarder(.port(0)), status: .badRequest, code: "invalid_forwarder",
              message: "port 0 must be 1-65534 (RTCP goes to the port above)"),
        .init(error: .invalidForwarder(.portsTooClose), status: .badRequest, code: "invalid_forwarder",
              message: "video_port and audio_port need 2 apart (each sends RTCP on the port above)"),
        .init(error: .invalidForwarder(.host("example.com")), status: .badRequest, code: "invalid_forwarder",
              message: "host must be an IPv4 or IPv6 address, not \"example.com\""),
        .init(error: .invalidForwarder(.keys(.key(field: "srtp", bytes: 30, suite: "AES_CM_128_HMAC_SHA1_80"))), status: .badRequest,
              code: "invalid_forwarder", message: "srtp.key must be base64 of 30 bytes (master key and salt) for AES_CM_128_HMAC_SHA1_80"),
        .init(error: .invalidForwarder(.keys(.suite(field: "srtp", suite: "NULL", allowed: ["A", "B"]))), status: .badRequest,
              code: "invalid_forwarder", message: "srtp.suite \"NULL\" is not one of A, B"),
    ]

    @Test(arguments: rows) func answered(_ row: Row) {
        #expect(APIError(row.error) == APIError(row.status, row.code, row.message))
    }
}
