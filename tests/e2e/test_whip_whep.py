"""WHIP ingest and WHEP playback with clients nobody here wrote: GStreamer's webrtcbin as the
encoder (its default max-bundle policy offers the audio section bundle-only), Chromium through
`fetch` as a WHIP streamer and as a WHEP player. Viewers decode what the WHIP streamer sends;
trickle and ICE restarts go through PATCH; DELETE ends the session and the signaling server
is told (events)."""
import json
import os
import socket
import subprocess
import time
import urllib.request

import pytest

from conftest import ROOT, Bridged, free_port, wait_for
from test_chromium_echo import chromium  # noqa: F401  (fixture)
from test_chromium_streaming import frames, open_page, stats_of
from test_events import EventLog

GST_CLIENT = os.path.join(ROOT, "tests", "e2e", "gst_whip_client.py")
# Debian's python, where python3-gst-1.0 is installed (pytest may run under another one).
GST_PYTHON = "/usr/bin/python3"
# libnice gathers no loopback candidate and does not reach 127.0.0.1 from another address: the
# GStreamer peer gets a veth pair inside the test's network namespace, and bridged listens there.
VETH = (("brw0", "10.203.0.1"), ("brw1", "10.203.0.2"))


@pytest.fixture(scope="module")
def veth():
    made = subprocess.run(["ip", "link", "show", VETH[0][0]], capture_output=True).returncode != 0
    if made:
        subprocess.run(["ip", "link", "add", VETH[0][0], "type", "veth", "peer", "name", VETH[1][0]], check=True)
        for dev, address in VETH:
            subprocess.run(["ip", "addr", "add", address + "/24", "dev", dev], check=True)
            subprocess.run(["ip", "link", "set", dev, "up"], check=True)
    yield VETH[0][1]
    if made:
        subprocess.run(["ip", "link", "del", VETH[0][0]])


def run_gst_client(url, *args):
    return subprocess.Popen([GST_PYTHON, GST_CLIENT, url, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def steps(proc, timeout):
    out, err = proc.communicate(timeout=timeout)
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert proc.returncode == 0, f"gst client: rc={proc.returncode}\n{out}\n{err[-2000:]}"
    return lines


@pytest.mark.parametrize("trickle", [False, True], ids=["complete-offer", "trickle-patch"])
def test_gstreamer_whip_streamer_reaches_chromium_and_whep_viewers(veth, chromium, trickle):
    port = free_port(socket.SOCK_DGRAM)
    b = Bridged("--udp", f"{veth}:{port}")
    log = EventLog(b.events_url())
    try:
        assert b.post("/v1/rooms", {"id": "enc", "kind": "streaming"})[0] == 201
        viewer = open_page(chromium, b.base + "/?room=enc&role=viewer&autostart=1")
        player = open_page(chromium, b.base + "/?room=enc&role=viewer&whep=1&autostart=1")
        proc = run_gst_client(b.base + "/v1/rooms/enc/whip", "--seconds", "20", *(["--trickle"] if trickle else []))
        for page in (viewer, player):
            wait_for(lambda: frames(chromium, page) >= 60, 30, what="a viewer decoding the GStreamer streamer")
        for page in (viewer, player):
            s = stats_of(chromium, page)
            assert (s["video"]["frameWidth"], s["video"]["frameHeight"]) == (320, 240), s
            assert s["audio"]["packetsReceived"] > 50, s
        room = b.get("/v1/rooms/enc")[1]
        streamer = next(p for p in room["participants"] if p["role"] == "streamer")
        assert streamer["state"] == "connected"
        assert sorted(t["kind"] for t in streamer["tracks"]) == ["audio", "video"]
        lines = steps(proc, 40)
        post = lines[0]
        assert post["step"] == "post" and post["status"] == 201, lines
        assert post["bundle_only"], "webrtcbin offered no bundle-only section: the test no longer covers RFC 8843"
        assert post["location"] == f"/v1/rooms/enc/whip/{streamer['id']}" and post["etag"].startswith('"')
        patches = [x["status"] for x in lines if x["step"] == "patch"]
        if trickle:
            assert post["candidates_in_offer"] == 0 and patches and all(s == 204 for s in patches), lines
        else:
            assert post["candidates_in_offer"] > 0 and not patches
        assert any(x["step"] == "state" and x["connection"] == "connected" for x in lines), lines
        assert lines[-1] == {"step": "delete", "status": 200}, lines
        # DELETE ended the session: the streamer left, and the signaling server was told.
        wait_for(lambda: ("participant_left", "streamer") in log.types("enc"), 5, what="participant_left")
        changed = [e for e in log.events if e["type"] == "streamer_changed" and e.get("room") == "enc"]
        assert changed and changed[-1].get("streamer") is None, changed
        assert [p["role"] for p in b.get("/v1/rooms/enc")[1]["participants"]] == ["viewer", "viewer"]
    finally:
        log.close()
        b.stop()


def test_chromium_whip_streamer_and_whep_player_with_an_ice_restart(bridged, chromium):
    assert bridged.post("/v1/rooms", {"id": "web", "kind": "streaming"})[0] == 201
    log = EventLog(bridged.events_url())
    try:
        streamer = open_page(chromium, bridged.base + "/?room=web&role=streamer&whip=1&autostart=1")
        player = open_page(chromium, bridged.base + "/?room=web&role=viewer&whep=1&autostart=1")
        viewer = open_page(chromium, bridged.base + "/?room=web&role=viewer&autostart=1")
        for page in (player, viewer):
            wait_for(lambda: frames(chromium, page) >= 30, 20, what="decoding the WHIP streamer")
            s = stats_of(chromium, page)
            assert (s["video"]["frameWidth"], s["video"]["frameHeight"]) == (640, 480)
        chromium.switch_to.window(streamer)
        assert chromium.execute_script("return window.bridged.etag").startswith('"')
        assert all(s == 204 for s in chromium.execute_script("return window.bridged.trickled"))
        # The WHEP player restarts ICE through PATCH and keeps decoding, same session.
        chromium.switch_to.window(player)
        pid = chromium.execute_script("return window.bridged.participant")
        etag = chromium.execute_script("return window.bridged.etag")
        answer = chromium.execute_async_script(
            "const done = arguments[0]; window.bridgedRestartIce().then(done, (e) => done('error: ' + e));")
        assert not answer.startswith("error"), answer
        assert chromium.execute_script("return window.bridged.etag") not in (None, etag)
        before = frames(chromium, player)
        wait_for(lambda: frames(chromium, player) >= before + 60, 20, what="decoding after the ICE restart")
        status, p = bridged.get(f"/v1/rooms/web/participants/{pid}")
        assert status == 200 and p["state"] == "connected" and p["role"] == "viewer"
        # The streamer's page DELETEs its session: the room has no streamer, the events say so.
        chromium.switch_to.window(streamer)
        chromium.execute_async_script("const done = arguments[0]; window.bridgedStop().then(done, done);")
        wait_for(lambda: ("participant_left", "streamer") in log.types("web"), 5, what="participant_left")
        assert sorted(p["role"] for p in bridged.get("/v1/rooms/web")[1]["participants"]) == ["viewer", "viewer"]
    finally:
        log.close()


def test_whip_refusals_over_http(bridged):
    """What a WHIP client sees when it gets it wrong (the in-process tests have the full table)."""
    assert bridged.post("/v1/rooms", {"id": "r", "kind": "streaming"})[0] == 201
    offer = open(os.path.join(ROOT, "tests", "fixtures", "offers", "webrtcbin_max_bundle.sdp"), newline="").read()
    status, body = bridged.request("POST", "/v1/rooms/r/whip", raw=offer.encode())  # content-type: application/json
    assert status == 415 and body["error"]["code"] == "unsupported_media_type"
    status, body = bridged.request("POST", "/v1/rooms/r/whip", raw=b"v=0\r\nnonsense", headers={"content-type": "application/sdp"})
    assert status == 400 and body["error"]["code"] == "invalid_offer"
    status, body = bridged.request("DELETE", "/v1/rooms/r/whep/nobody")
    assert status == 404 and body["error"]["code"] == "session_not_found"
    # A real webrtcbin offer is answered (its bundle-only audio accepted, with a fingerprint).
    req = urllib.request.Request(bridged.base + "/v1/rooms/r/whip", data=offer.encode(), method="POST",
                                 headers={"content-type": "application/sdp"})
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 201 and r.headers["content-type"] == "application/sdp"
        answer = r.read().decode()
    audio = answer.split("m=audio")[1]
    assert audio.split()[0] != "0" and "a=fingerprint:sha-256" in audio
    assert bridged.proc.poll() is None
