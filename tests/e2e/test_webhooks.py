"""Webhooks: a receiver gets the whole life of a session as signed JSON POSTs, in order; with
the receiver down, media flows on and the bridge's memory stays bounded (drops are counted and
reported)."""
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from conftest import Bridged, free_port, wait_for
from test_chromium_echo import chromium  # noqa: F401  (fixture)
from test_chromium_streaming import frames, open_page
from test_events import EventLog

SECRET = "webhook-test-secret"


class Receiver:
    def __init__(self):
        self.events, self.bad = [], []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
                if not hmac.compare_digest(expected, self.headers.get("X-Bridged-Signature", "")):
                    outer.bad.append(body)
                    self.send_response(401)
                else:
                    event = json.loads(body)
                    assert int(self.headers["X-Bridged-Seq"]) == event["seq"]
                    outer.events.append(event)
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def rss_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])


def test_a_receiver_gets_the_whole_session_in_order_signed(chromium):
    receiver = Receiver()
    b = Bridged("--webhook", receiver.url, env={"BRIDGED_WEBHOOK_SECRET": SECRET})
    try:
        assert b.post("/v1/rooms", {"id": "hooked", "kind": "streaming"})[0] == 201
        streamer = open_page(chromium, b.base + "/?room=hooked&role=streamer&autostart=1")
        viewer = open_page(chromium, b.base + "/?room=hooked&role=viewer&autostart=1")
        wait_for(lambda: frames(chromium, viewer) >= 10, 20, what="viewer decoding")
        chromium.switch_to.window(streamer)
        chromium.execute_async_script("const done = arguments[0]; window.bridgedStop().then(done, done);")
        assert b.delete("/v1/rooms/hooked")[0] == 204
        wait_for(lambda: any(e["type"] == "room_destroyed" for e in receiver.events), 10, what="room_destroyed delivered")
        seqs = [e["seq"] for e in receiver.events]
        assert seqs == sorted(seqs) and seqs == list(range(seqs[0], seqs[0] + len(seqs))), seqs  # every one, in order
        types = [e["type"] for e in receiver.events if e.get("room") == "hooked"]
        assert types[0] == "room_created" and types[-1] == "room_destroyed"
        for kind in ("participant_joined", "webrtc_up", "media_started", "streamer_changed", "participant_left"):
            assert kind in types, (kind, types)
        assert not receiver.bad
    finally:
        b.stop()
        receiver.close()


def test_a_dead_receiver_costs_neither_media_nor_memory(chromium):
    dead = f"http://127.0.0.1:{free_port()}/nobody"  # nothing listens: connection refused, retried
    b = Bridged("--webhook", dead, "--webhook-queue", "50", env={"BRIDGED_WEBHOOK_SECRET": SECRET})
    log = EventLog(b.events_url())
    try:
        assert b.post("/v1/rooms", {"id": "live", "kind": "streaming"})[0] == 201
        open_page(chromium, b.base + "/?room=live&role=streamer&autostart=1")
        viewer = open_page(chromium, b.base + "/?room=live&role=viewer&autostart=1")
        wait_for(lambda: frames(chromium, viewer) >= 10, 20, what="viewer decoding")
        before_rss, before_frames = rss_kib(b.proc.pid), frames(chromium, viewer)
        # 3000 events the receiver will never take.
        for i in range(1500):
            assert b.post("/v1/rooms", {"id": f"r{i}", "kind": "echo"})[0] == 201
            assert b.delete(f"/v1/rooms/r{i}")[0] == 204
        after_rss = rss_kib(b.proc.pid)
        assert frames(chromium, viewer) >= before_frames + 30  # media went on meanwhile
        print(f"\ndead webhook receiver: 3000 events, RSS {before_rss} KiB -> {after_rss} KiB")
        assert after_rss - before_rss < 20 * 1024
        dropped = wait_for(lambda: [e for e in log.events if e["type"] == "webhook_dropped"], 15, what="webhook_dropped")
        assert "not delivered" in dropped[0]["reason"]
        text = open(b.log_path).read()
        assert "webhook events dropped" in text
    finally:
        log.close()
        b.stop()
