"""Recording a streaming room: a Chromium streamer (the demo page, fake camera and microphone)
streams into a room being recorded; the .mjr files janus-pp-rec converts must hold about as many
video frames as Chromium sent while the recording ran, and the Opus must decode."""
import os
import subprocess
import tempfile
import time

from conftest import Bridged, wait_for
from test_chromium_echo import chromium  # noqa: F401  (fixture)
from test_chromium_streaming import frames, open_page


def frames_sent(driver, handle):
    """Video frames the streamer page has sent (outbound-rtp framesSent from getStats)."""
    driver.switch_to.window(handle)
    return driver.execute_async_script("""
        const done = arguments[0];
        pc.getStats().then((r) => { let n = 0;
            r.forEach((s) => { if (s.type === "outbound-rtp" && s.kind === "video") n += s.framesSent || 0; });
            done(n); }, () => done(-1));""")


def run(*args):
    return subprocess.run(args, capture_output=True, text=True, timeout=60)


def count_frames(path):
    r = run("ffprobe", "-v", "error", "-count_frames", "-select_streams", "0",
            "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path)
    assert r.returncode == 0, r.stderr
    return int(r.stdout.strip())


def test_recording_a_streaming_room(chromium):
    directory = tempfile.mkdtemp(prefix="bridged-rec-")
    b = Bridged(env={"BRIDGED_RECORDING_DIR": directory})
    try:
        assert b.post("/v1/rooms", {"id": "rec", "kind": "streaming"})[0] == 201
        streamer = open_page(chromium, b.base + "/?room=rec&role=streamer&autostart=1")
        viewer = open_page(chromium, b.base + "/?room=rec&role=viewer&autostart=1")
        wait_for(lambda: frames(chromium, viewer) >= 30, 20, what="viewer decoding")

        sent_before = frames_sent(chromium, streamer)
        t0 = time.monotonic()
        status, rec = b.post("/v1/rooms/rec/recordings", {})
        assert status == 201, rec
        assert rec["state"] == "recording" and rec["id"]
        rid = rec["id"]
        # A second recording of the same room: 409.
        status, body = b.post("/v1/rooms/rec/recordings", {})
        assert status == 409 and body["error"]["code"] == "recording_exists", body
        time.sleep(6)
        status, listed = b.get("/v1/rooms/rec/recordings")
        assert status == 200
        [r] = listed["recordings"]
        assert r["id"] == rid and r["state"] == "recording" and r["duration_s"] >= 5
        assert len(r["files"]) == 2 and r["bytes"] > 0, r  # flushed at least once a second
        sent_after = frames_sent(chromium, streamer)
        status, stopped = b.delete(f"/v1/rooms/rec/recordings/{rid}")
        elapsed = time.monotonic() - t0
        assert status == 200 and stopped["state"] == "stopped", stopped
        assert stopped["dropped"] == 0
        files = stopped["files"]
        assert all(os.path.dirname(f) == directory for f in files), files
        video = next(f for f in files if f.endswith("-video.mjr"))
        audio = next(f for f in files if f.endswith("-audio.mjr"))

        webm, opus = os.path.join(directory, "v.webm"), os.path.join(directory, "a.opus")
        r = run("janus-pp-rec", video, webm)
        assert r.returncode == 0, r.stdout + r.stderr
        r = run("janus-pp-rec", audio, opus)
        assert r.returncode == 0, r.stdout + r.stderr
        got = count_frames(webm)
        expected = sent_after - sent_before
        print(f"\nrecording {elapsed:.1f} s: Chromium sent {expected} video frames while recording "
              f"({expected / 6:.1f} fps over the 6 s window), the .webm has {got}")
        # The file starts at the first key frame after the recording started (asked for at once).
        assert expected > 60
        assert abs(got - expected) <= 0.15 * expected, (got, expected)
        r = run("ffmpeg", "-v", "error", "-xerror", "-i", opus, "-f", "null", "-")
        assert r.returncode == 0, r.stderr
        assert count_frames(opus) > 200  # 20 ms Opus frames: about 300 in 6 s

        # Errors: unknown room, unknown recording, bad room id.
        assert b.post("/v1/rooms/nope/recordings", {})[0] == 404
        assert b.get("/v1/rooms/nope/recordings")[0] == 404
        status, body = b.delete("/v1/rooms/rec/recordings/nope")
        assert status == 404 and body["error"]["code"] == "recording_not_found"
        status, body = b.post("/v1/rooms/bad.id/recordings", {})
        assert status == 400 and body["error"]["code"] == "invalid_id", body
        assert b.post("/v1/rooms", {"id": "echo1", "kind": "echo"})[0] == 201
        status, body = b.post("/v1/rooms/echo1/recordings", {})
        assert status == 400 and body["error"]["code"] == "room_not_recordable", body
        assert "recording stopped" in b.logs() and rid in b.logs()
    finally:
        b.stop()


def test_recording_follows_the_room_across_a_streamer_change(chromium):
    """The first streamer leaves, a second one starts: the same two files continue, and the
    video converts to one .webm with the frames of both streamers."""
    directory = tempfile.mkdtemp(prefix="bridged-rec-")
    b = Bridged(env={"BRIDGED_RECORDING_DIR": directory})
    try:
        assert b.post("/v1/rooms", {"id": "swap", "kind": "streaming"})[0] == 201
        first = open_page(chromium, b.base + "/?room=swap&role=streamer&autostart=1")
        wait_for(lambda: frames_sent(chromium, first) >= 30, 20, what="first streamer sending")
        status, rec = b.post("/v1/rooms/swap/recordings")
        assert status == 201, rec
        before = frames_sent(chromium, first)
        time.sleep(3)
        sent = frames_sent(chromium, first) - before
        chromium.switch_to.window(first)
        chromium.execute_async_script("const done = arguments[0]; window.bridgedStop().then(done, done);")
        second = open_page(chromium, b.base + "/?room=swap&role=streamer&autostart=1")
        wait_for(lambda: frames_sent(chromium, second) >= 1, 20, what="second streamer sending")
        before = frames_sent(chromium, second)
        time.sleep(3)
        sent += frames_sent(chromium, second) - before
        status, stopped = b.delete(f"/v1/rooms/swap/recordings/{rec['id']}")
        assert status == 200 and len(stopped["files"]) == 2, stopped
        assert len(os.listdir(directory)) == 2
        video = next(f for f in stopped["files"] if f.endswith("-video.mjr"))
        webm = os.path.join(directory, "v.webm")
        r = run("janus-pp-rec", video, webm)
        assert r.returncode == 0, r.stdout + r.stderr
        got = count_frames(webm)
        print(f"\nstreamer change: {sent} frames sent by the two streamers while recording, the .webm has {got}")
        assert abs(got - sent) <= 0.15 * sent, (got, sent)
    finally:
        b.stop()
