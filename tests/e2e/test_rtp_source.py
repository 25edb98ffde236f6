"""Streaming rooms fed by plain RTP from encoders nobody here wrote (ffmpeg `-f rtp`, a GStreamer
pipeline), played by headless Chromium viewers (the JSON API and WHEP). The encoder stops for
5 s and starts again (a new SSRC, new numbering): the viewers decode on with no new offer. A
second sender on the port is refused and counted; garbage leaves the viewers playing."""
import os
import random
import socket
import subprocess
import time

from conftest import wait_for
from test_chromium_echo import chromium  # noqa: F401  (fixture)
from test_chromium_streaming import frames, open_page, stats_of
from test_events import EventLog

GST_PYTHON = "/usr/bin/python3"


def ffmpeg(video_port, audio_port=None, codec="vp8", seconds=60, srtp=None):
    """ffmpeg sending a test pattern (and a tone) as plain RTP (SRTP with `srtp`, base64 key and
    salt, AES_CM_128_HMAC_SHA1_80); RTCP muxed on each RTP port."""
    scheme, protect = ("srtp", ["-srtp_out_suite", "AES_CM_128_HMAC_SHA1_80", "-srtp_out_params", srtp]) if srtp else ("rtp", [])
    video = {"vp8": ["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "600k", "-payload_type", "96"],
             "h264": ["-c:v", "libx264", "-profile:v", "baseline", "-tune", "zerolatency", "-preset", "ultrafast",
                      "-pix_fmt", "yuv420p", "-b:v", "600k", "-payload_type", "102"]}[codec]
    args = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re",
            "-f", "lavfi", "-i", f"testsrc=size=640x360:rate=30:duration={seconds}",
            "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
            "-map", "0:v", *video, "-g", "30", "-f", "rtp", *protect, f"{scheme}://127.0.0.1:{video_port}?rtcpport={video_port}"]
    if audio_port:
        args += ["-map", "1:a", "-c:a", "libopus", "-payload_type", "111", "-f", "rtp", *protect,
                 f"{scheme}://127.0.0.1:{audio_port}?rtcpport={audio_port}"]
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def source_room(bridged, room, video="vp8", audio="opus", srtp=None):
    rtp = {"video": {"codec": video}}
    if audio:
        rtp["audio"] = {"codec": audio}
    if srtp:
        rtp["srtp"] = {"suite": "AES_CM_128_HMAC_SHA1_80", "key": srtp}
    status, info = bridged.post("/v1/rooms", {"id": room, "kind": "streaming", "source": {"rtp": rtp}})
    assert status == 201, info
    tracks = {t["kind"]: t for t in info["source"]["tracks"]}
    assert all(t["state"] == "waiting" for t in tracks.values())
    return tracks


def source_track(bridged, room, kind="video"):
    return next(t for t in bridged.get(f"/v1/rooms/{room}")[1]["source"]["tracks"] if t["kind"] == kind)


def stop(proc):
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_ffmpeg_vp8_opus_source_survives_a_restart_and_a_stray_sender(bridged, chromium):
    log = EventLog(bridged.events_url())
    tracks = source_room(bridged, "enc")
    viewer = open_page(chromium, bridged.base + "/?room=enc&role=viewer&autostart=1")
    player = open_page(chromium, bridged.base + "/?room=enc&role=viewer&whep=1&autostart=1")
    enc = ffmpeg(tracks["video"]["port"], tracks["audio"]["port"])
    try:
        for page in (viewer, player):
            wait_for(lambda: frames(chromium, page) >= 60, 30, what="a viewer decoding ffmpeg's stream")
            s = stats_of(chromium, page)
            assert (s["video"]["frameWidth"], s["video"]["frameHeight"]) == (640, 360), s
            wait_for(lambda: (stats_of(chromium, page).get("audio", {}).get("packetsReceived") or 0) > 50, 10, what="audio")
        video = source_track(bridged, "enc")
        assert video["state"] == "live" and video["sender"].startswith("127.0.0.1:") and video["packets"] > 60

        # A second sender on the video port, and garbage: refused and dropped, the viewers play on.
        stray = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        rng = random.Random(7)
        for i in range(2000):
            datagram = bytes([0x80, 96]) + i.to_bytes(2, "big") + bytes(rng.getrandbits(8) for _ in range(rng.randint(8, 300)))
            stray.sendto(datagram, ("127.0.0.1", tracks["video"]["port"]))
        stray.close()
        before = frames(chromium, viewer)
        wait_for(lambda: frames(chromium, viewer) >= before + 60, 15, what="decoding through the stray sender")
        video = source_track(bridged, "enc")
        assert video["refused"] >= 1900, video  # a few may be lost on the loopback under load, none taken
        assert bridged.get("/v1/stats")[1]["dropped"].get("rtp_source_foreign_sender", 0) >= 1900

        # The encoder stops for 5 s: the source is reported stopped; a new ffmpeg (another
        # source port, a new SSRC and numbering) is taken and the viewers decode on, no new offer.
        ssrc = video["ssrc"]
        stop(enc)
        time.sleep(5)
        video = source_track(bridged, "enc")
        assert video["state"] == "stopped" and video.get("sender") is None, video
        assert ("source_stopped", None) in log.types("enc")
        ids = [p["id"] for p in bridged.get("/v1/rooms/enc")[1]["participants"]]
        before = [frames(chromium, p) for p in (viewer, player)]
        enc = ffmpeg(tracks["video"]["port"], tracks["audio"]["port"])
        for page, n in zip((viewer, player), before):
            wait_for(lambda: frames(chromium, page) >= n + 60, 20, what="decoding the restarted encoder")
        video = source_track(bridged, "enc")
        assert video["state"] == "live" and video["ssrc"] != ssrc and video["restarts"] == 1, video
        assert [p["id"] for p in bridged.get("/v1/rooms/enc")[1]["participants"]] == ids
        started = [e for e in log.events if e["type"] == "source_started" and e.get("kind") == "video"]
        assert len(started) == 2 and started[0]["address"] != started[1]["address"], started
    finally:
        stop(enc)
        log.close()


def test_ffmpeg_h264_source(bridged, chromium):
    tracks = source_room(bridged, "avc", video="h264", audio=None)
    viewer = open_page(chromium, bridged.base + "/?room=avc&role=viewer&autostart=1")
    enc = ffmpeg(tracks["video"]["port"], codec="h264")
    try:
        wait_for(lambda: frames(chromium, viewer) >= 60, 30, what="a viewer decoding H.264")
        s = stats_of(chromium, viewer)
        assert (s["video"]["frameWidth"], s["video"]["frameHeight"]) == (640, 360), s
        assert s["video"]["codec"] == "video/H264", s
        # The viewer's track says what it is sent, not the first codec of its section.
        p = bridged.get("/v1/rooms/avc")[1]["participants"][0]
        assert [t["codec"] for t in p["tracks"] if t["kind"] == "video"] == ["H264/90000"], p
    finally:
        stop(enc)


def test_ffmpeg_srtp_source(bridged, chromium):
    """An encrypted feed: ffmpeg's SRTP with the keys given to the room; plain RTP sent to the
    same port by another sender is refused, and the viewer decodes what authenticates."""
    import base64
    key = base64.b64encode(os.urandom(30)).decode()
    tracks = source_room(bridged, "secret", srtp=key)
    viewer = open_page(chromium, bridged.base + "/?room=secret&role=viewer&autostart=1")
    enc = ffmpeg(tracks["video"]["port"], tracks["audio"]["port"], srtp=key)
    try:
        wait_for(lambda: frames(chromium, viewer) >= 60, 30, what="a viewer decoding the SRTP feed")
        video = source_track(bridged, "secret")
        assert video["state"] == "live" and video["malformed"] == 0 and video["packets"] > 60, video
    finally:
        stop(enc)
    # The same stream with the wrong keys: nothing authenticates, nothing is taken.
    wrong = base64.b64encode(os.urandom(30)).decode()
    time.sleep(4)  # the first sender let go
    enc = ffmpeg(tracks["video"]["port"], srtp=wrong, seconds=3)
    try:
        enc.wait(15)
        video = source_track(bridged, "secret")
        assert video["state"] == "stopped" and video["malformed"] > 30, video
    finally:
        stop(enc)


GST_PIPELINE = r"""
import sys, time, gi
gi.require_version("Gst", "1.0")
from gi.repository import Gst
Gst.init(None)
v, a = sys.argv[1], sys.argv[2]
p = Gst.parse_launch(
    "videotestsrc is-live=true pattern=smpte ! video/x-raw,width=320,height=240,framerate=30/1 ! videoconvert "
    "! vp8enc deadline=1 keyframe-max-dist=30 ! rtpvp8pay pt=96 ! udpsink host=127.0.0.1 port=" + v + " "
    "audiotestsrc is-live=true ! audioconvert ! audioresample ! opusenc ! rtpopuspay pt=111 ! udpsink host=127.0.0.1 port=" + a)
p.set_state(Gst.State.PLAYING)
time.sleep(float(sys.argv[3]))
p.set_state(Gst.State.NULL)
"""


def test_gstreamer_pipeline_source(bridged, chromium):
    tracks = source_room(bridged, "gst")
    viewer = open_page(chromium, bridged.base + "/?room=gst&role=viewer&autostart=1")
    enc = subprocess.Popen([GST_PYTHON, "-c", GST_PIPELINE, str(tracks["video"]["port"]), str(tracks["audio"]["port"]), "30"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: frames(chromium, viewer) >= 60, 30, what="a viewer decoding the GStreamer pipeline")
        s = stats_of(chromium, viewer)
        assert (s["video"]["frameWidth"], s["video"]["frameHeight"]) == (320, 240), s
        wait_for(lambda: (stats_of(chromium, viewer).get("audio", {}).get("packetsReceived") or 0) > 50, 10, what="audio")
    finally:
        stop(enc)


def test_bad_sources_are_refused_with_their_codes(bridged):
    def create(source, kind="streaming"):
        return bridged.post("/v1/rooms", {"kind": kind, "source": source})
    cases = [
        ({"rtp": {"video": {"codec": "mpeg2"}}}, 400, "invalid_source", "is not one of av1, h264, vp8, vp9"),
        ({"rtp": {"audio": {"codec": "vp8"}}}, 400, "invalid_source", "is not one of opus"),
        ({"rtp": {}}, 400, "invalid_source", "a video or an audio track"),
        ({"rtp": {"video": {"codec": "vp8", "port": 80}}}, 400, "invalid_source", "outside the bridge's RTP source ports 20000-29999"),
        ({"rtp": {"video": {"codec": "vp8", "payload_type": 200}}}, 400, "invalid_source", "payload_type 200"),
        ({"rtp": {"video": {"codec": 5}}}, 400, "invalid_body", "source.rtp.video.codec"),
        ({}, 400, "invalid_source", "needs \"rtp\""),
    ]
    for source, status, code, words in cases:
        s, body = create(source)
        assert (s, body["error"]["code"]) == (status, code), (source, body)
        assert words in body["error"]["message"], (source, body)
    s, body = create({"rtp": {"video": {"codec": "vp8"}}}, kind="conference")
    assert s == 400 and body["error"]["code"] == "invalid_source"
    s, room = bridged.post("/v1/rooms", {"id": "taken", "kind": "streaming", "source": {"rtp": {"video": {"codec": "vp8", "port": 24680}}}})
    assert s == 201 and room["source"]["tracks"][0]["port"] == 24680
    s, body = create({"rtp": {"video": {"codec": "vp8", "port": 24680}}})
    assert s == 409 and body["error"]["code"] == "port_in_use"
    offer = open(os.path.join(os.path.dirname(__file__), "..", "fixtures", "offers", "chromium_sendrecv.sdp"), newline="").read()
    s, body = bridged.post("/v1/rooms/taken/participants", {"role": "streamer", "offer": offer})
    assert s == 409 and body["error"]["code"] == "room_has_source"
    assert [r["id"] for r in bridged.get("/v1/rooms")[1]["rooms"]] == ["taken"]
