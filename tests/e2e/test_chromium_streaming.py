"""Streaming rooms with headless Chromium: one streamer page (fake camera), viewer pages that
only receive. Every viewer decodes the streamer's video at its resolution and receives audio;
when the streamer changes, viewers keep decoding with no new offer or answer."""
import os
import re
import time

import pytest

from conftest import ROOT, wait_for
from test_chromium_echo import chromium, page_stats  # noqa: F401  (fixture)


def open_page(driver, url):
    driver.switch_to.new_window("tab")
    driver.get(url)
    wait_for(lambda: driver.execute_script("return window.bridged.state") in ("connected", "error"), 20, what="page connected")
    assert driver.execute_script("return window.bridged.error") is None
    return driver.current_window_handle


def stats_of(driver, handle):
    driver.switch_to.window(handle)
    return page_stats(driver)


def frames(driver, handle):
    return stats_of(driver, handle).get("video", {}).get("framesDecoded", 0) or 0


def test_streamer_and_three_viewers(bridged, chromium):
    assert bridged.post("/v1/rooms", {"id": "live", "kind": "streaming"})[0] == 201
    t0 = time.monotonic()
    streamer = open_page(chromium, bridged.base + "/?room=live&role=streamer&autostart=1")
    viewers = [open_page(chromium, bridged.base + "/?room=live&role=viewer&autostart=1") for _ in range(3)]
    for v in viewers:
        wait_for(lambda: frames(chromium, v) >= 30, 20, what="viewer decoding")
    elapsed = time.monotonic() - t0
    print(f"\nstreamer + 3 viewers decoding after {elapsed:.1f} s")
    assert elapsed < 25
    for v in viewers:
        s = stats_of(chromium, v)
        assert (s["video"]["frameWidth"], s["video"]["frameHeight"]) == (640, 480)
        assert s["audio"]["packetsReceived"] > 20
    # RTCP: each viewer gets sender reports for both tracks (mapped into its timestamp space),
    # the streamer gets receiver reports for both of its streams.
    for v in viewers:
        wait_for(lambda: len(stats_of(chromium, v).get("senderReports", {})) == 2, 10, what="SRs at a viewer")
    wait_for(lambda: len(stats_of(chromium, streamer).get("receiverReports", {})) == 2, 10, what="RRs at the streamer")
    rr = stats_of(chromium, streamer)["receiverReports"]["video"]
    assert rr["packetsLost"] == 0
    status, room = bridged.get("/v1/rooms/live")
    assert status == 200
    roles = sorted(p["role"] for p in room["participants"])
    assert roles == ["streamer", "viewer", "viewer", "viewer"]
    # Bitrates over the last second: what the streamer sends comes out to each viewer.
    for p in room["participants"]:
        rate = p["bitrate_in_bps"] if p["role"] == "streamer" else p["bitrate_out_bps"]
        assert rate > 50_000, p
    assert all(p["state"] == "connected" for p in room["participants"])
    # A second streamer while one is live: 409 naming the current one.
    streamer_id = next(p["id"] for p in room["participants"] if p["role"] == "streamer")
    offer = open(os.path.join(ROOT, "tests", "fixtures", "offers", "chromium_sendrecv.sdp"), newline="").read()
    status, body = bridged.post("/v1/rooms/live/participants", {"role": "streamer", "offer": offer})
    assert status == 409, body
    assert body["error"]["code"] == "streamer_present" and streamer_id in body["error"]["message"]


def test_viewers_spread_over_two_workers(chromium):
    """Two workers: each viewer goes to the least-loaded one (the other worker, then the room's
    on a tie, and so on), is answered with that worker's port and decodes as on one worker; its
    worker gets the streamer's packets from the room's worker through a ring. A new streamer
    reaches the viewers on both workers."""
    from conftest import Bridged
    b = Bridged("--workers", "2")
    try:
        assert b.post("/v1/rooms", {"id": "wide", "kind": "streaming"})[0] == 201
        first = open_page(chromium, b.base + "/?room=wide&role=streamer&autostart=1")
        viewers = [open_page(chromium, b.base + "/?room=wide&role=viewer&autostart=1") for _ in range(4)]
        for v in viewers:
            wait_for(lambda: frames(chromium, v) >= 30, 20, what="viewer decoding")
        for v in viewers:
            wait_for(lambda: len(stats_of(chromium, v).get("senderReports", {})) == 2, 10, what="SRs at a viewer")
        stats = b.get("/v1/stats")[1]
        assert len(stats["ports"]) == 2 and stats["participants"]["viewer"] == 4
        joined = re.findall(r"role=viewer room=wide worker=(\d)", b.logs())
        assert sorted(joined) == ["0", "0", "1", "1"], joined
        assert stats["dropped"].get("worker_ring_full", 0) == 0
        # A new streamer: every viewer, on either worker, decodes it with no new offer.
        chromium.switch_to.window(first)
        chromium.execute_async_script("const done = arguments[0]; window.bridgedStop().then(done, done);")
        before = [frames(chromium, v) for v in viewers]
        open_page(chromium, b.base + "/?room=wide&role=streamer&autostart=1")
        for v, n in zip(viewers, before):
            wait_for(lambda: frames(chromium, v) >= n + 60, 20, what="viewer decoding the second streamer")
        room = b.get("/v1/rooms/wide")[1]
        assert len(room["participants"]) == 5 and all(p["state"] == "connected" for p in room["participants"])
    finally:
        b.stop()


def test_streamer_change_keeps_viewers_decoding(bridged, chromium):
    assert bridged.post("/v1/rooms", {"id": "relay", "kind": "streaming"})[0] == 201
    first = open_page(chromium, bridged.base + "/?room=relay&role=streamer&autostart=1")
    viewers = [open_page(chromium, bridged.base + "/?room=relay&role=viewer&autostart=1") for _ in range(2)]
    for v in viewers:
        wait_for(lambda: frames(chromium, v) >= 30, 20, what="viewer decoding the first streamer")
    # The first streamer leaves (through the page, which deletes its participant).
    chromium.switch_to.window(first)
    chromium.execute_async_script("const done = arguments[0]; window.bridgedStop().then(done, done);")
    status, room = bridged.get("/v1/rooms/relay")
    assert [p["role"] for p in room["participants"]] == ["viewer", "viewer"]
    before = [frames(chromium, v) for v in viewers]
    # A second streamer joins; the viewers' pages do nothing.
    open_page(chromium, bridged.base + "/?room=relay&role=streamer&autostart=1")
    for v, b in zip(viewers, before):
        wait_for(lambda: frames(chromium, v) >= b + 60, 20, what="viewer decoding the second streamer")
    status, room = bridged.get("/v1/rooms/relay")
    assert sorted(p["role"] for p in room["participants"]) == ["streamer", "viewer", "viewer"]


def test_viewer_ice_restart_keeps_decoding(bridged, chromium):
    assert bridged.post("/v1/rooms", {"id": "ir", "kind": "streaming"})[0] == 201
    open_page(chromium, bridged.base + "/?room=ir&role=streamer&autostart=1")
    viewer = open_page(chromium, bridged.base + "/?room=ir&role=viewer&autostart=1")
    wait_for(lambda: frames(chromium, viewer) >= 30, 20, what="viewer decoding")
    pid = chromium.execute_script("return window.bridged.participant")
    before_ufrag = [p for p in bridged.get("/v1/rooms/ir")[1]["participants"] if p["id"] == pid]
    answer = chromium.execute_async_script(
        "const done = arguments[0]; window.bridgedRestartIce().then(done, (e) => done('error: ' + e));")
    assert not answer.startswith("error"), answer
    assert "a=ice-ufrag:" in answer
    before = frames(chromium, viewer)
    wait_for(lambda: frames(chromium, viewer) >= before + 60, 20, what="decoding after the ICE restart")
    # Same participant, still connected; a restart with an unknown participant is a 404.
    status, p = bridged.get(f"/v1/rooms/ir/participants/{pid}")
    assert status == 200 and p["state"] == "connected"
    assert before_ufrag
    status, body = bridged.post("/v1/rooms/ir/participants/nobody/ice-restart", {"offer": answer.replace("a=sendonly", "a=recvonly")})
    assert status == 404 and body["error"]["code"] == "participant_not_found"


def test_request_flood_and_udp_garbage_leave_viewers_playing(bridged, chromium):
    import json as _json
    import random
    import socket
    import threading
    import urllib.request
    assert bridged.post("/v1/rooms", {"id": "storm", "kind": "streaming"})[0] == 201
    open_page(chromium, bridged.base + "/?room=storm&role=streamer&autostart=1")
    viewer = open_page(chromium, bridged.base + "/?room=storm&role=viewer&autostart=1")
    wait_for(lambda: frames(chromium, viewer) >= 30, 20, what="viewer decoding")
    before = frames(chromium, viewer)
    rng = random.Random(3)
    bodies = [b"{", b"[]", b"null", b'{"kind": 5}', b'{"offer": 1}', b"\xff\xfe", b'{"role": "streamer", "offer": "v=0"}',
              b'{"id": "' + b"x" * 500 + b'", "kind": "echo"}']
    paths = ["/v1/rooms", "/v1/rooms/storm/participants", "/v1/rooms/storm/participants/x/ice-restart", "/v1/rooms/%00"]
    statuses = []

    def flood():
        for i in range(300):
            req = urllib.request.Request(bridged.base + rng.choice(paths), data=rng.choice(bodies), method="POST",
                                         headers={"content-type": "application/json"})
            try:
                urllib.request.urlopen(req, timeout=5)
                statuses.append(200)
            except urllib.error.HTTPError as e:
                statuses.append(e.code)
                _json.loads(e.read() or b"{}")  # every error body is JSON

    def garbage():
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for i in range(5000):
            s.sendto(bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 300))), ("127.0.0.1", bridged.media_port))

    threads = [threading.Thread(target=flood), threading.Thread(target=garbage)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert statuses and all(400 <= s < 500 for s in statuses), sorted(set(statuses))
    wait_for(lambda: frames(chromium, viewer) >= before + 60, 15, what="viewer still decoding after the storm")
    assert bridged.get("/v1/health")[0] == 200
    assert bridged.proc.poll() is None


def test_viewer_without_a_common_video_codec_gets_audio_and_a_reason(bridged, chromium):
    assert bridged.post("/v1/rooms", {"id": "codecs", "kind": "streaming"})[0] == 201
    open_page(chromium, bridged.base + "/?room=codecs&role=streamer&autostart=1")  # sends VP8 first
    viewer = open_page(chromium, bridged.base + "/?room=codecs&role=viewer&autostart=1&codec=AV1")
    pid = chromium.execute_script("return window.bridged.participant")
    wait_for(lambda: (stats_of(chromium, viewer).get("audio", {}).get("packetsReceived") or 0) > 50, 20, what="audio")
    status, p = bridged.get(f"/v1/rooms/codecs/participants/{pid}")
    assert status == 200
    streamer_video = [t for t in bridged.get("/v1/rooms/codecs")[1]["participants"][0]["tracks"] if t["kind"] == "video"][0]
    if streamer_video["codec"].lower().startswith("av1"):
        pytest.skip("the streamer chose AV1 itself")
    assert "no video codec in common" in (p.get("notice") or ""), p
    assert (stats_of(chromium, viewer).get("video", {}).get("framesDecoded") or 0) == 0


@pytest.mark.parametrize("codec", ["VP9", "H264", "AV1"])
def test_streaming_other_codecs(bridged, chromium, codec):
    chromium.get("about:blank")
    supported = chromium.execute_script(
        "return RTCRtpSender.getCapabilities('video').codecs.map(c => c.mimeType.toLowerCase())")
    if f"video/{codec.lower()}" not in supported:
        pytest.skip(f"this Chromium cannot send {codec}")
    room = f"c{codec.lower()}"
    assert bridged.post("/v1/rooms", {"id": room, "kind": "streaming"})[0] == 201
    open_page(chromium, bridged.base + f"/?room={room}&role=streamer&autostart=1&codec={codec}")
    viewer = open_page(chromium, bridged.base + f"/?room={room}&role=viewer&autostart=1")
    wait_for(lambda: frames(chromium, viewer) >= 30, 20, what=f"viewer decoding {codec}")
    tracks = bridged.get(f"/v1/rooms/{room}")[1]["participants"][0]["tracks"]
    assert [t for t in tracks if t["kind"] == "video"][0]["codec"].upper().startswith(codec)


def test_streamer_without_pli_gets_fir(bridged, chromium):
    assert bridged.post("/v1/rooms", {"id": "fir", "kind": "streaming"})[0] == 201
    open_page(chromium, bridged.base + "/?room=fir&role=streamer&autostart=1&nopli=1")
    viewer = open_page(chromium, bridged.base + "/?room=fir&role=viewer&autostart=1")
    wait_for(lambda: frames(chromium, viewer) >= 30, 20, what="viewer decoding")
    # The viewer started from the cached key frame (instant join): nothing was asked yet. A
    # moderator's video mute and unmute needs a fresh key frame: a FIR, since the streamer did
    # not negotiate PLI.
    streamer = [p for p in bridged.get("/v1/rooms/fir")[1]["participants"] if p["role"] == "streamer"][0]
    for muted in (True, False):
        status, _ = bridged.post(f"/v1/rooms/fir/participants/{streamer['id']}/mute", {"kind": "video", "muted": muted})
        assert status == 204
    wait_for(lambda: [p for p in bridged.get("/v1/rooms/fir")[1]["participants"] if p["role"] == "streamer"][0]["key_frame_requests"] >= 1,
             10, what="a key-frame request (FIR) to the streamer")
    before = frames(chromium, viewer)
    wait_for(lambda: frames(chromium, viewer) >= before + 30, 20, what="viewer decoding after the FIR")
