"""RTP forwarders into ffmpeg: a Chromium streamer's media leaves the bridge as plain RTP, ffmpeg
reads it with the SDP the API gives and writes a file; ffprobe reads the codecs and a duration
within 10% of the forwarded time, and across a streamer change the file stays one continuous
stream (one video and one audio stream, timestamps only going forward)."""
import json
import os
import signal
import socket
import subprocess
import tempfile
import time

from conftest import wait_for
from test_chromium_echo import chromium  # noqa: F401  (fixture)
from test_chromium_streaming import frames, open_page


def port_pair():
    """A free even UDP port whose next one is free too (RTP, RTCP)."""
    while True:
        a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        a.bind(("127.0.0.1", 0))
        port = a.getsockname()[1]
        b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            b.bind(("127.0.0.1", port + 1))
            return port
        except OSError:
            continue
        finally:
            a.close()
            b.close()


def ffprobe(path, *args):
    out = subprocess.run(["ffprobe", "-v", "error", "-of", "json", *args, path], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def forwarder_to_ffmpeg(bridged, room, extra=None, protocols="file,udp,rtp"):
    """A forwarder of `room` to two fresh port pairs on loopback, and ffmpeg reading its SDP into
    a Matroska file: (forwarder, SDP text, ffmpeg process, output path)."""
    video_port, audio_port = port_pair(), None
    while audio_port is None or abs(audio_port - video_port) < 2:
        audio_port = port_pair()
    status, fwd = bridged.post(f"/v1/rooms/{room}/forwarders",
                               {"host": "127.0.0.1", "video_port": video_port, "audio_port": audio_port, **(extra or {})})
    assert status == 201, fwd
    sdp = urllib_get(bridged.base + f"/v1/rooms/{room}/forwarders/{fwd['id']}/sdp")
    assert f"m=video {video_port} RTP/" in sdp and f"m=audio {audio_port} RTP/" in sdp
    work = tempfile.mkdtemp(prefix="bridged-fwd-")
    sdp_path, out_path = os.path.join(work, f"{room}.sdp"), os.path.join(work, "out.mkv")
    with open(sdp_path, "w") as f:
        f.write(sdp)
    reader = subprocess.Popen(["ffmpeg", "-hide_banner", "-loglevel", "error", "-protocol_whitelist", protocols,
                               "-i", sdp_path, "-c", "copy", "-y", out_path], stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    return fwd, sdp, reader, out_path


def test_forwarder_feeds_ffmpeg_across_a_streamer_change(bridged, chromium):
    assert bridged.post("/v1/rooms", {"id": "fw", "kind": "streaming"})[0] == 201
    first = open_page(chromium, bridged.base + "/?room=fw&role=streamer&autostart=1")
    wait_for(lambda: any(p["role"] == "streamer" and p["bitrate_in_bps"] > 50_000
                         for p in bridged.get("/v1/rooms/fw")[1]["participants"]), 20, what="the streamer publishing")
    fwd, sdp, ffmpeg, out_path = forwarder_to_ffmpeg(bridged, "fw")
    assert "RTP/AVP" in sdp
    started = time.monotonic()
    try:
        time.sleep(1)
        # A viewer joining asks the streamer for a key frame: ffmpeg (listening now) starts on it.
        viewer = open_page(chromium, bridged.base + "/?room=fw&role=viewer&autostart=1")
        wait_for(lambda: frames(chromium, viewer) >= 30, 20, what="the viewer decoding")
        time.sleep(3)
        # The streamer changes: the forwarder goes on with the same SSRCs and numbering.
        chromium.switch_to.window(first)
        chromium.execute_async_script("const done = arguments[0]; window.bridgedStop().then(done, done);")
        open_page(chromium, bridged.base + "/?room=fw&role=streamer&autostart=1")
        before = frames(chromium, viewer)
        wait_for(lambda: frames(chromium, viewer) >= before + 60, 20, what="the viewer decoding the second streamer")
        time.sleep(2)
    finally:
        ffmpeg.send_signal(signal.SIGINT)
        _, err = ffmpeg.communicate(timeout=20)
    forwarded = time.monotonic() - started
    status, stopped = bridged.delete(f"/v1/rooms/fw/forwarders/{fwd['id']}")
    assert status == 200 and all(t["packets"] > 100 for t in stopped["tracks"]), stopped
    assert os.path.getsize(out_path) > 50_000, err
    streams = ffprobe(out_path, "-show_streams")["streams"]
    assert sorted(s["codec_name"] for s in streams) == ["opus", "vp8"], streams
    duration = float(ffprobe(out_path, "-show_format")["format"]["duration"])
    print(f"\nforwarded {forwarded:.1f} s, file {duration:.1f} s")
    assert abs(duration - forwarded) <= 0.1 * forwarded, (duration, forwarded)
    video = [float(p["pts_time"]) for p in
             ffprobe(out_path, "-select_streams", "v", "-show_entries", "packet=pts_time")["packets"] if "pts_time" in p]
    gaps = [b - a for a, b in zip(video, video[1:])]
    assert video and min(gaps) >= 0 and max(gaps) < 3, (min(gaps), max(gaps))
    decoded = subprocess.run(["ffmpeg", "-v", "error", "-i", out_path, "-map", "0:v", "-f", "null", "-"], capture_output=True, text=True)
    assert decoded.returncode == 0, decoded.stderr[-2000:]


def test_srtp_forwarder_feeds_ffmpeg(bridged):
    """An encrypted forwarder of a room fed by ffmpeg: the SDP carries the keys (a=crypto) and
    ffmpeg decrypts; the file has both codecs and the forwarded duration."""
    import base64
    from test_rtp_source import ffmpeg as feed, source_room, stop
    tracks = source_room(bridged, "sec")
    encoder = feed(tracks["video"]["port"], tracks["audio"]["port"], seconds=30)
    key = base64.b64encode(os.urandom(30)).decode()
    fwd, sdp, reader, out_path = forwarder_to_ffmpeg(bridged, "sec", {"srtp": {"key": key}}, protocols="file,udp,rtp,srtp")
    assert "RTP/SAVP" in sdp and f"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{key}" in sdp
    started = time.monotonic()
    try:
        time.sleep(6)
    finally:
        reader.send_signal(signal.SIGINT)
        _, err = reader.communicate(timeout=20)
        stop(encoder)
    forwarded = time.monotonic() - started
    streams = ffprobe(out_path, "-show_streams")["streams"]
    assert sorted(s["codec_name"] for s in streams) == ["opus", "vp8"], (streams, err)
    duration = float(ffprobe(out_path, "-show_format")["format"]["duration"])
    # The encoder sends a key frame every second: the file starts at the first after ffmpeg listens.
    assert forwarded - 1.5 <= duration <= forwarded * 1.1, (duration, forwarded)


def test_forwarder_destination_outside_the_allow_list(bridged):
    assert bridged.post("/v1/rooms", {"id": "fw", "kind": "streaming"})[0] == 201
    status, body = bridged.post("/v1/rooms/fw/forwarders", {"host": "192.0.2.10", "video_port": 5004})
    assert status == 400 and body["error"]["code"] == "destination_not_allowed", body
    assert "forward_networks" in body["error"]["message"]
    assert bridged.get("/v1/rooms/fw/forwarders")[1]["forwarders"] == []


def urllib_get(url):
    import urllib.request
    with urllib.request.urlopen(url, timeout=10) as r:
        assert r.headers["content-type"] == "application/sdp"
        return r.read().decode()
