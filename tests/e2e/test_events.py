"""The events WebSocket reports the whole life of a room, in order."""
import json
import threading

import websocket  # websocket-client, installed with selenium

from conftest import wait_for
from test_chromium_echo import chromium  # noqa: F401  (fixture)
from test_chromium_streaming import open_page, frames


class EventLog:
    def __init__(self, url):
        self.events = []
        self.ws = websocket.create_connection(url, timeout=5)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while True:
            try:
                message = self.ws.recv()
            except websocket.WebSocketTimeoutException:
                continue  # quiet for a while: keep listening
            except Exception:
                return
            if not message:
                return
            self.events.append(json.loads(message))

    def types(self, room):
        return [(e["type"], e.get("role")) for e in self.events if e.get("room") == room]

    def close(self):
        self.ws.close()


def test_events_tell_the_life_of_a_room(bridged, chromium):
    log = EventLog(bridged.base.replace("http://", "ws://") + "/v1/events")
    try:
        assert bridged.post("/v1/rooms", {"id": "life", "kind": "streaming"})[0] == 201
        streamer = open_page(chromium, bridged.base + "/?room=life&role=streamer&autostart=1")
        viewer = open_page(chromium, bridged.base + "/?room=life&role=viewer&autostart=1")
        wait_for(lambda: frames(chromium, viewer) >= 10, 20, what="viewer decoding")
        chromium.switch_to.window(streamer)
        chromium.execute_async_script("const done = arguments[0]; window.bridgedStop().then(done, done);")
        assert bridged.delete("/v1/rooms/life")[0] == 204
        wait_for(lambda: ("room_destroyed", None) in log.types("life"), 5, what="room_destroyed")
        events = [e for e in log.events if e.get("room") == "life"]
        seqs = [e["seq"] for e in log.events]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)  # in order, no duplicates
        types = log.types("life")
        assert types[0] == ("room_created", None)
        assert types[-1] == ("room_destroyed", None)
        streamer_id = next(e["participant"] for e in events if e["type"] == "participant_joined" and e["role"] == "streamer")
        viewer_id = next(e["participant"] for e in events if e["type"] == "participant_joined" and e["role"] == "viewer")
        def index(kind, pid=None, **match):
            for i, e in enumerate(events):
                if e["type"] == kind and (pid is None or e.get("participant") == pid) and all(e.get(k) == v for k, v in match.items()):
                    return i
            raise AssertionError(f"no {kind} {pid} {match} in {types}")
        # The order a signaling server relies on.
        assert index("participant_joined", streamer_id) < index("webrtc_up", streamer_id) < index("media_started", streamer_id)
        assert index("streamer_changed", streamer=streamer_id) < index("streamer_changed", streamer=None)
        assert index("participant_joined", viewer_id) < index("webrtc_up", viewer_id)
        # The page closes its PeerConnection (DTLS close_notify: "closed") before its DELETE ("api").
        left = events[index("participant_left", streamer_id)]
        assert left["reason"] in ("closed", "api")
        assert index("participant_left", streamer_id) < index("room_destroyed")
        assert index("participant_left", viewer_id, reason="room_destroyed") < index("room_destroyed")
        assert all(e["time"].endswith("Z") for e in events)
        check_metrics(bridged, log)
    finally:
        log.close()


def check_metrics(bridged, log):
    # /metrics agrees with the events and with /v1/stats once the traffic has stopped.
    import re
    import time
    import urllib.request
    time.sleep(0.5)
    text = urllib.request.urlopen(bridged.base + "/metrics").read().decode()
    def metric(name, **labels):
        sel = ",".join(f'{k}="{v}"' for k, v in labels.items())
        pattern = r"(?m)^" + re.escape(name) + (r"\{" + re.escape(sel) + r"\}" if sel else "") + r" (\S+)"
        m = re.search(pattern, text)
        assert m, f"{name} {labels} missing from /metrics"
        return float(m.group(1))
    for kind in ("room_created", "participant_joined", "webrtc_up", "room_destroyed"):
        assert metric("bridged_events_total", type=kind) == sum(1 for e in log.events if e["type"] == kind)
    stats = bridged.get("/v1/stats")[1]
    # Some traffic went through (the count depends on how soon the viewer decoded its 10 frames:
    # about 100 datagrams, fewer when the viewer is served by another worker than the streamer).
    assert metric("bridged_packets_received_total") == stats["datagrams_received"] > 50
    assert metric("bridged_bytes_sent_total") == stats["bytes_sent"] > 10000
    assert metric("bridged_rooms") == 0
    # The forwarding-time histogram counts every datagram read.
    assert metric("bridged_forwarding_seconds_count") == stats["datagrams_received"]
    assert metric("bridged_forwarding_seconds_bucket", le="+Inf") == stats["datagrams_received"]
    assert metric("bridged_forwarding_seconds_bucket", le="0.001") >= 0.9 * stats["datagrams_received"]


def test_sigterm_closes_peers_and_sends_the_final_events(chromium):
    import signal
    from conftest import Bridged
    b = Bridged()
    log = EventLog(b.base.replace("http://", "ws://") + "/v1/events")
    try:
        assert b.post("/v1/rooms", {"id": "bye", "kind": "echo"})[0] == 201
        chromium.get(b.base + "/?room=bye&autostart=1")
        wait_for(lambda: ("webrtc_up", "echo") in log.types("bye"), 20, what="echo call up")
        b.proc.send_signal(signal.SIGTERM)
        assert b.proc.wait(15) == 0
        types = log.types("bye")
        assert ("participant_left", "echo") in types
        assert types[-1] == ("room_destroyed", None)
        assert [e for e in log.events if e["type"] == "room_destroyed"][-1]["reason"] == "shutdown"
        # The browser saw the bridge close the call (DTLS close_notify), not a timeout.
        wait_for(lambda: chromium.execute_script("return window.bridged && document.getElementById('status').textContent") in ("closed", "failed", "disconnected"),
                 10, what="page sees the call end")
    finally:
        log.close()
        b.stop()


def test_slow_link_when_a_viewer_loses_packets(bridged, chromium):
    import asyncio
    from aiortc_peer import EchoPeer, UDPRelay, redirect_candidates
    log = EventLog(bridged.base.replace("http://", "ws://") + "/v1/events")

    async def run():
        assert bridged.post("/v1/rooms", {"id": "lossy", "kind": "streaming"})[0] == 201
        chromium.get(bridged.base + "/?room=lossy&role=streamer&autostart=1")
        wait_for(lambda: chromium.execute_script("return window.bridged.state") == "connected", 20, what="streamer")
        relay = UDPRelay(bridged.media_port, loss=0.2)
        viewer = EchoPeer()
        try:
            status, created = bridged.post("/v1/rooms/lossy/participants", {"role": "viewer", "offer": await viewer.offer("viewer")})
            assert status == 201
            await viewer.answer(redirect_candidates(created["answer"], relay))
            deadline = asyncio.get_running_loop().time() + 20
            while asyncio.get_running_loop().time() < deadline:
                if any(e["type"] == "slow_link" and e["participant"] == created["id"] for e in log.events):
                    break
                await asyncio.sleep(0.3)
            slow = [e for e in log.events if e["type"] == "slow_link" and e["participant"] == created["id"]]
            assert slow, log.types("lossy")
            assert slow[0]["role"] == "viewer" and slow[0]["reason"].startswith("downlink loss")
            p = bridged.get(f"/v1/rooms/lossy/participants/{created['id']}")[1]
            assert p["packets_lost"] > 0 and p["loss_percent"] > 0, p
        finally:
            await viewer.close()
            relay.close()
    try:
        asyncio.run(run())
    finally:
        log.close()


def test_speaking_events_from_the_fake_microphone(bridged, chromium):
    """Chromium's fake microphone beeps (a short tone every half second): its audio levels (RFC
    6464) make the streamer "speaking"; when it leaves, it stops."""
    log = EventLog(bridged.base.replace("http://", "ws://") + "/v1/events")
    try:
        assert bridged.post("/v1/rooms", {"id": "talk", "kind": "streaming"})[0] == 201
        streamer = open_page(chromium, bridged.base + "/?room=talk&role=streamer&autostart=1")
        pid = chromium.execute_script("return window.bridged.participant")
        started = wait_for(lambda: [e for e in log.events if e["type"] == "speaking" and e.get("speaking") is True], 15,
                           what="speaking started")
        assert started[0]["participant"] == pid and started[0]["room"] == "talk"
        # emitted right after "speaking": the log's reader may not have it yet
        wait_for(lambda: [e for e in log.events if e["type"] == "dominant_speaker" and e["participant"] == pid], 5,
                 what="dominant speaker")
        chromium.switch_to.window(streamer)
        chromium.execute_async_script("const done = arguments[0]; window.bridgedStop().then(done, done);")
        wait_for(lambda: [e for e in log.events if e["type"] == "speaking" and e.get("speaking") is False
                          and e["participant"] == pid], 10, what="speaking stopped")
    finally:
        log.close()
