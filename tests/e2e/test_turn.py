"""Getting through firewalls: the bridge hands clients TURN REST API credentials that Debian's
coturn (`use-auth-secret`) accepts. Chromium with iceTransportPolicy "relay" reaches the bridge
only through coturn on loopback, and decodes the stream."""
import base64
import hashlib
import hmac
import os
import socket
import subprocess
import tempfile
import time

from conftest import Bridged, free_port, wait_for
from test_chromium_echo import chromium  # noqa: F401  (fixture)
from test_chromium_streaming import frames, open_page

SECRET = "loopback-turn-secret"
RELAY_PORTS = (50000, 50100)


def start_coturn(port):
    work = tempfile.mkdtemp(prefix="coturn-")
    log = open(os.path.join(work, "turn.log"), "w")
    proc = subprocess.Popen([
        "turnserver", "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", f"--listening-port={port}",
        f"--min-port={RELAY_PORTS[0]}", f"--max-port={RELAY_PORTS[1]}", "--use-auth-secret",
        f"--static-auth-secret={SECRET}", "--realm=bridged.test", "--allow-loopback-peers", "--no-tls", "--no-dtls",
        "--no-cli", "--log-file=stdout", "--simple-log", f"--pidfile={work}/turn.pid", f"--db={work}/turndb"],
        stdout=log, stderr=subprocess.STDOUT)
    # Ready once it answers a STUN binding request.
    request = b"\x00\x01\x00\x00\x21\x12\xa4\x42" + os.urandom(12)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.2)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        s.sendto(request, ("127.0.0.1", port))
        try:
            if s.recv(1500)[:2] == b"\x01\x01":
                return proc, os.path.join(work, "turn.log")
        except socket.timeout:
            pass
    proc.kill()
    raise RuntimeError("coturn did not start: " + open(os.path.join(work, "turn.log")).read())


def test_ice_servers_carry_turn_rest_credentials():
    b = Bridged("--stun-server", "stun:127.0.0.1:3478", "--turn-server", "turn:127.0.0.1:3478?transport=udp",
                env={"BRIDGED_TURN_SECRET": SECRET, "BRIDGED_TURN_TTL_SECONDS": "600"})
    try:
        before = int(time.time())
        status, body = b.get("/v1/ice-servers?user=alice")
        assert status == 200, body
        stun, turn = body["ice_servers"]
        assert stun == {"urls": ["stun:127.0.0.1:3478"]}
        expiry, user = turn["username"].split(":")
        assert user == "alice" and before + 600 <= int(expiry) <= int(time.time()) + 600 and body["expires"] == int(expiry)
        expected = base64.b64encode(hmac.new(SECRET.encode(), turn["username"].encode(), hashlib.sha1).digest()).decode()
        assert turn["credential"] == expected
        status, body = b.get("/v1/ice-servers?user=a:b")
        assert status == 400 and body["error"]["code"] == "invalid_user"
    finally:
        b.stop()
    # TURN without a secret is a configuration error at start.
    r = subprocess.run([os.environ.get("BRIDGED_BIN", "bridged"), "--turn-server", "turn:127.0.0.1:3478",
                        "--http-port", str(free_port())], capture_output=True, text=True, timeout=20)
    assert r.returncode != 0 and "turn_secret" in (r.stdout + r.stderr)


def test_chromium_relay_only_through_coturn(chromium):
    port = free_port(socket.SOCK_DGRAM)
    coturn, turn_log = start_coturn(port)
    b = Bridged("--turn-server", f"turn:127.0.0.1:{port}?transport=udp", env={"BRIDGED_TURN_SECRET": SECRET})
    try:
        assert b.post("/v1/rooms", {"id": "far", "kind": "streaming"})[0] == 201
        open_page(chromium, b.base + "/?room=far&role=streamer&autostart=1")
        viewer = open_page(chromium, b.base + "/?room=far&role=viewer&autostart=1&relay=1")
        wait_for(lambda: frames(chromium, viewer) >= 30, 25, what="relayed viewer decoding")
        chromium.switch_to.window(viewer)
        pid = chromium.execute_script("return window.bridged.participant")
        info = b.get(f"/v1/rooms/far/participants/{pid}")[1]
        host, relayed_port = info["remote_address"].rsplit(":", 1)
        # The bridge sees the viewer at coturn's relay address, not at Chromium's own socket.
        assert host == "127.0.0.1" and RELAY_PORTS[0] <= int(relayed_port) <= RELAY_PORTS[1], info["remote_address"]
        pair = chromium.execute_async_script("""
            const done = arguments[0];
            pc.getStats().then((r) => {
              let local = null;
              r.forEach((s) => { if (s.type === "candidate-pair" && s.nominated && s.state === "succeeded")
                local = r.get(s.localCandidateId); });
              done(local ? local.candidateType : null); });""")
        assert pair == "relay"
        print(f"\nrelay: viewer decoding through coturn, bridge sees it at {info['remote_address']}")
    finally:
        b.stop()
        coturn.kill()
