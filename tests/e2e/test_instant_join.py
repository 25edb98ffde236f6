"""Instant join with headless Chromium: 20 viewers join a running stream one after another;
each shows its first video frame soon after its answer is set, because the bridge sends it
the streamer's latest key frame at once, and the streamer is not asked for a key frame per
viewer (at most one request per 2 s over the run)."""
import time

from conftest import wait_for
from test_chromium_echo import chromium  # noqa: F401  (fixture)
from test_chromium_streaming import open_page


def streamer_info(bridged, room):
    return next(p for p in bridged.get(f"/v1/rooms/{room}")[1]["participants"] if p["role"] == "streamer")


def test_twenty_viewers_one_after_another_start_at_once(bridged, chromium):
    assert bridged.post("/v1/rooms", {"id": "ij", "kind": "streaming"})[0] == 201
    streamer = open_page(chromium, bridged.base + "/?room=ij&role=streamer&autostart=1")
    wait_for(lambda: streamer_info(bridged, "ij")["bitrate_in_bps"] > 100_000, 20, what="the streamer publishing")
    time.sleep(2)
    before = streamer_info(bridged, "ij")["key_frame_requests"]
    started = time.monotonic()
    delays = []
    for i in range(20):
        page = open_page(chromium, bridged.base + "/?room=ij&role=viewer&autostart=1")
        wait_for(lambda: chromium.execute_script("return window.bridged.firstRenderAt || 0") > 0, 10, what=f"viewer {i}'s first frame")
        delays.append(chromium.execute_script("return window.bridged.firstRenderAt - window.bridged.answerAt"))
        chromium.execute_async_script("const done = arguments[0]; window.bridgedStop().then(done, done);")
        chromium.close()
        chromium.switch_to.window(streamer)
    elapsed = time.monotonic() - started
    requests = streamer_info(bridged, "ij")["key_frame_requests"] - before
    delays.sort()
    p50, p95 = delays[len(delays) // 2], delays[int(len(delays) * 0.95) - 1]
    print(f"\nfirst frame after the answer: p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {delays[-1]:.0f} ms; "
          f"{requests} key-frame requests to the streamer in {elapsed:.1f} s")
    assert p95 <= 300, delays
    assert requests <= elapsed / 2 + 1, (requests, elapsed)
