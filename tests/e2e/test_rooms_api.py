"""Room lifecycle through the API."""
import time

from conftest import Bridged


def test_empty_room_expires_after_the_idle_timeout():
    bridged = Bridged("--room-idle-timeout", "2")
    try:
        assert bridged.post("/v1/rooms", {"id": "idle", "kind": "streaming"})[0] == 201
        assert bridged.get("/v1/rooms/idle")[0] == 200
        time.sleep(4)
        status, body = bridged.get("/v1/rooms/idle")
        assert status == 404 and body["error"]["code"] == "room_not_found"
    finally:
        bridged.stop()


import os

import pytest

from conftest import ROOT

OFFER = open(os.path.join(ROOT, "tests", "fixtures", "offers", "chromium_sendrecv.sdp"), newline="").read()


def strip_lines(sdp, prefix):
    return "\r\n".join(l for l in sdp.split("\r\n") if not l.startswith(prefix))


BAD_REQUESTS = [
    ("POST", "/v1/rooms", None, b"{", 400, "invalid_body", "not valid JSON"),
    ("POST", "/v1/rooms", {"id": "x"}, None, 400, "invalid_body", "kind"),
    ("POST", "/v1/rooms", {"kind": "party"}, None, 400, "invalid_kind", "party"),
    ("POST", "/v1/rooms", {"kind": "streaming", "id": "../etc"}, None, 400, "invalid_id", "../etc"),
    ("POST", "/v1/rooms", {"kind": "streaming", "id": "taken"}, None, 409, "room_exists", "taken"),
    ("GET", "/v1/rooms/nope", None, None, 404, "room_not_found", "nope"),
    ("DELETE", "/v1/rooms/nope", None, None, 404, "room_not_found", "nope"),
    ("GET", "/v1/rooms/taken/participants/who", None, None, 404, "participant_not_found", "who"),
    ("POST", "/v1/rooms/nope/participants", {"role": "viewer", "offer": OFFER}, None, 404, "room_not_found", "nope"),
    ("POST", "/v1/rooms/taken/participants", {"role": "viewer", "offer": "hello"}, None, 400, "invalid_offer", "SDP"),
    ("POST", "/v1/rooms/taken/participants", {"role": "viewer", "offer": strip_lines(OFFER, "a=fingerprint")}, None,
     400, "invalid_offer", "fingerprint"),
    ("POST", "/v1/rooms/taken/participants", {"role": "viewer", "offer": strip_lines(OFFER, "a=ice-ufrag")}, None,
     400, "invalid_offer", "ice-ufrag"),
    ("POST", "/v1/rooms/taken/participants",
     {"role": "viewer", "offer": OFFER.replace("opus/48000/2", "speex/48000").replace("VP8/90000", "XYZ/90000")
      .replace("VP9/90000", "XYZ/90000").replace("H264/90000", "XYZ/90000").replace("AV1/90000", "XYZ/90000")},
     None, 400, "invalid_offer", "no usable codec"),
    ("POST", "/v1/rooms/taken/participants", {"role": "judge", "offer": OFFER}, None, 400, "invalid_role", "judge"),
    ("POST", "/v1/rooms/taken/participants", {"offer": OFFER}, None, 400, "invalid_role", "streamer"),
    ("POST", "/v1/rooms", None, b"{" + b" " * (2 << 20) + b"}", 413, "body_too_large", "bytes"),
    ("POST", "/v1/rooms", {"kind": "conference", "streamers": ["a"]}, None, 400, "invalid_option", "streaming room"),
    ("POST", "/v1/rooms", {"kind": "streaming", "streamers": ["a b"]}, None, 400, "invalid_option", "user ids"),
    ("POST", "/v1/rooms", {"kind": "streaming", "single_access": "twice"}, None, 400, "invalid_option", "twice"),
    ("POST", "/v1/rooms/taken/participants", {"role": "viewer", "offer": OFFER, "user_id": "a/b"}, None,
     400, "invalid_user_id", "user_id"),
    ("POST", "/v1/rooms/taken/participants/who/moderator", {"moderator": "yes"}, None, 400, "invalid_body", "moderator"),
    ("POST", "/v1/rooms/taken/participants/who/moderator", {"moderator": True}, None, 404, "participant_not_found", "who"),
    ("POST", "/v1/rooms/taken/revoked-tokens", {"jti": ""}, None, 400, "invalid_jti", "jti"),
    ("PUT", "/v1/log-level", {"level": "shout"}, None, 400, "invalid_level", "shout"),
]


@pytest.mark.parametrize("method,path,body,raw,status,code,words", BAD_REQUESTS,
                         ids=[f"{r[4]}-{r[5]}-{i}" for i, r in enumerate(BAD_REQUESTS)])
def test_bad_requests_get_a_clear_error(bridged, method, path, body, raw, status, code, words):
    assert bridged.post("/v1/rooms", {"id": "taken", "kind": "streaming"})[0] in (201, 409)
    got, reply = bridged.request(method, path, body, raw)
    assert got == status, reply
    assert reply["error"]["code"] == code
    assert words in reply["error"]["message"], reply
    assert bridged.get("/v1/health")[0] == 200  # still serving


def test_api_key_is_required_when_configured():
    bridged = Bridged("--api-key", "s3cret")
    try:
        status, body = bridged.get("/v1/rooms")
        assert status == 401 and body["error"]["code"] == "unauthorized"
        bridged_headers = {"authorization": "Bearer wrong"}
        import urllib.request, urllib.error, json
        def call(auth):
            req = urllib.request.Request(bridged.base + "/v1/rooms", headers={"authorization": auth})
            try:
                with urllib.request.urlopen(req) as r:
                    return r.status
            except urllib.error.HTTPError as e:
                return e.code
        assert call("Bearer wrong") == 401
        assert call("s3cret") == 401
        assert call("Bearer s3cret") == 200
        assert bridged.get("/v1/health")[0] == 200  # health stays open
    finally:
        bridged.stop()


def test_cors_preflight_from_a_browser_origin(bridged):
    import urllib.request
    req = urllib.request.Request(bridged.base + "/v1/rooms", method="OPTIONS",
                                 headers={"origin": "http://app.example", "access-control-request-method": "POST"})
    with urllib.request.urlopen(req) as r:
        assert r.status == 204
        assert r.headers["access-control-allow-origin"] == "*"
        assert "POST" in r.headers["access-control-allow-methods"]


def room_expires_within(bridged, seconds):
    assert bridged.post("/v1/rooms", {"id": "cfg", "kind": "echo"})[0] == 201
    time.sleep(seconds)
    return bridged.get("/v1/rooms/cfg")[0] == 404


def test_settings_from_file_and_environment(tmp_path):
    # From a JSON file.
    cfg = tmp_path / "bridged.json"
    cfg.write_text('{"room_idle_timeout_seconds": 1.5, "log_level": "debug"}')
    b = Bridged("--config", str(cfg))
    try:
        assert room_expires_within(b, 3.5)
    finally:
        b.stop()
    # From the environment, which overrides the file.
    b = Bridged("--config", str(cfg), env={"BRIDGED_ROOM_IDLE_TIMEOUT_SECONDS": "600"})
    try:
        assert not room_expires_within(b, 3.5)
    finally:
        b.stop()


def test_bad_settings_stop_the_daemon_with_a_reason(tmp_path):
    import subprocess
    from conftest import BRIDGED
    r = subprocess.run([BRIDGED, "--http-port", "0"], env={"BRIDGED_MEDIA_PORT": "lots"}, capture_output=True, text=True, timeout=20)
    assert r.returncode != 0
    assert "BRIDGED_MEDIA_PORT=lots" in r.stdout + r.stderr


def test_explicit_udp_sockets_one_worker_each():
    import asyncio
    import socket
    from aiortc_peer import EchoPeer
    from conftest import free_port
    ports = [free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_DGRAM)]
    b = Bridged(*sum((["--udp", f"127.0.0.1:{p}"] for p in ports), []))
    try:
        assert b.get("/v1/stats")[1]["ports"] == ports
        assert b.post("/v1/rooms", {"id": "w0", "kind": "echo"})[0] == 201
        assert b.post("/v1/rooms", {"id": "w1", "kind": "echo"})[0] == 201

        async def call(room, port):
            peer = EchoPeer()
            try:
                status, created = b.post(f"/v1/rooms/{room}/participants", {"offer": await peer.offer()})
                assert status == 201
                assert f" {port} typ host" in created["answer"]  # the room's worker's socket
                await peer.answer(created["answer"])
                await peer.wait(lambda: peer.video_frames >= 15, 20, f"echo through {port}")
            finally:
                await peer.close()
        asyncio.run(call("w0", ports[0]))
        asyncio.run(call("w1", ports[1]))
    finally:
        b.stop()
