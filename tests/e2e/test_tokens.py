"""Join tokens (JWTs signed by the signaling server), the admin key, moderators, single access and
the streamers permission of streaming rooms. Tokens are made here with Python's hmac and the
cryptography package (ES256), not by bridged's own code."""
import base64
import hashlib
import hmac
import json
import os
import time

import websocket

from conftest import ROOT, Bridged, wait_for
from test_chromium_echo import chromium  # noqa: F401  (fixture)
from test_chromium_streaming import frames, open_page
from test_conference import member_stats
from test_events import EventLog

ADMIN = "admin-key-for-the-signaling-server"
SECRET = "a-token-secret-of-at-least-32-bytes!"
RECVONLY = open(os.path.join(ROOT, "tests", "fixtures", "offers", "chromium_recvonly.sdp")).read()
SENDRECV = open(os.path.join(ROOT, "tests", "fixtures", "offers", "chromium_sendrecv.sdp")).read()


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(room, secret=SECRET, ttl=600, **claims):
    """An HS256 join token, as a signaling server makes one."""
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64(json.dumps({"room": room, "exp": int(time.time()) + ttl, **claims}).encode())
    signature = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(signature)}"


def call(b, method, path, body=None, auth=None, headers=None):
    return b.request(method, path, body, headers={**({"authorization": f"Bearer {auth}"} if auth else {}), **(headers or {})})


def code(result):
    return result[0], (result[1] or {}).get("error", {}).get("code")


def start(*extra):
    return Bridged("--api-key", ADMIN, "--token-secret", SECRET, *extra)


def test_tokens_are_checked_and_scoped():
    b = start()
    try:
        for room in ({"id": "alpha", "kind": "conference", "pin": "1234"}, {"id": "beta", "kind": "conference"},
                     {"id": "stage", "kind": "streaming"}):
            assert call(b, "POST", "/v1/rooms", room, auth=ADMIN)[0] == 201
        join = {"offer": RECVONLY, "role": "viewer"}
        # The refusals, each named.
        assert code(call(b, "POST", "/v1/rooms/alpha/participants", join, auth=token("alpha", ttl=-60))) == (401, "token_expired")
        assert code(call(b, "POST", "/v1/rooms/alpha/participants", join,
                         auth=token("alpha", nbf=int(time.time()) + 300))) == (401, "token_not_yet_valid")
        assert code(call(b, "POST", "/v1/rooms/beta/participants", join, auth=token("alpha"))) == (401, "token_wrong_room")
        forged = token("alpha", secret="another-secret-of-at-least-32-bytes")
        assert code(call(b, "POST", "/v1/rooms/alpha/participants", join, auth=forged)) == (401, "token_bad_signature")
        assert code(call(b, "POST", "/v1/rooms/alpha/participants", join, auth="not-the-admin-key")) == (401, "bearer_not_recognized")
        assert code(call(b, "POST", "/v1/rooms/alpha/participants", join)) == (401, "unauthorized")
        # Without a token the pin is asked for; a token for the room stands for it.
        assert code(call(b, "POST", "/v1/rooms/alpha/participants", {**join, "pin": "0000"}, auth=ADMIN)) == (403, "wrong_pin")
        status, viewer = call(b, "POST", "/v1/rooms/alpha/participants", join, auth=token("alpha", sub="vera", role="viewer"))
        assert status == 201, viewer
        # A viewer's token cannot publish: not by asking for another role, not with a sending offer.
        assert code(call(b, "POST", "/v1/rooms/alpha/participants", {"offer": SENDRECV, "role": "member"},
                         auth=token("alpha", sub="vera", role="viewer"))) == (403, "not_allowed")
        assert code(call(b, "POST", "/v1/rooms/alpha/participants", {"offer": SENDRECV},
                         auth=token("alpha", sub="vera", role="viewer"))) == (403, "not_allowed")
        assert code(call(b, "POST", "/v1/rooms/stage/participants", {"offer": SENDRECV, "role": "streamer"},
                         auth=token("stage", sub="vera", role="viewer"))) == (403, "not_allowed")
        # Claims the token does not give cannot be asked for in the body.
        assert code(call(b, "POST", "/v1/rooms/alpha/participants", {**join, "moderator": True},
                         auth=token("alpha", sub="x"))) == (403, "not_allowed")
        assert code(call(b, "POST", "/v1/rooms/alpha/participants", {**join, "user_id": "someone-else"},
                         auth=token("alpha", sub="x"))) == (403, "not_allowed")

        # A token's record claim starts recording this participant when it joins; without it the
        # body cannot ask for recording.
        assert code(call(b, "POST", "/v1/rooms/beta/participants", {"offer": RECVONLY, "role": "member", "record": True},
                         auth=token("beta", sub="rita", role="member"))) == (403, "not_allowed")
        status, rita = call(b, "POST", "/v1/rooms/beta/participants", {"offer": RECVONLY},
                            auth=token("beta", sub="rita", role="member", record=True))
        assert status == 201, rita
        status, recordings = call(b, "GET", "/v1/rooms/beta/recordings", auth=ADMIN)
        assert [r["state"] for r in recordings["recordings"]] == ["recording"], recordings
        assert call(b, "GET", f"/v1/rooms/beta/participants/{rita['id']}", auth=ADMIN)[1]["role"] == "member"

        # A single-use invite joins once; its second use is refused.
        invite = token("beta", sub="ivan", jti="invite-1", single_use=True)
        assert call(b, "POST", "/v1/rooms/beta/participants", join, auth=invite)[0] == 201
        assert code(call(b, "POST", "/v1/rooms/beta/participants", join, auth=invite)) == (401, "token_used")
        # A multi-use invite works until it is revoked (by the admin or the room's secret).
        shared = token("beta", sub="guest", jti="link-7")
        for _ in range(2):
            assert call(b, "POST", "/v1/rooms/beta/participants", join, auth=shared)[0] == 201
        assert code(call(b, "POST", "/v1/rooms/beta/revoked-tokens", {"jti": "link-7"}, auth=shared)) == (403, "admin_only")
        assert call(b, "POST", "/v1/rooms/beta/revoked-tokens", {"jti": "link-7"}, auth=ADMIN)[0] == 204
        assert code(call(b, "POST", "/v1/rooms/beta/participants", join, auth=shared)) == (401, "token_revoked")

        # Global operations are the admin's.
        vera = token("alpha", sub="vera", role="viewer")
        for method, path, body in (("GET", "/v1/rooms", None), ("POST", "/v1/rooms", {"kind": "echo"}),
                                   ("GET", "/v1/audit", None), ("GET", "/v1/stats", None),
                                   ("PUT", "/v1/log-level", {"level": "trace"}), ("DELETE", "/v1/rooms/alpha", None),
                                   ("POST", "/v1/rooms/alpha/recordings", {})):
            assert code(call(b, method, path, body, auth=vera)) == (403, "admin_only"), (method, path)
        assert call(b, "PUT", "/v1/log-level", {"level": "warning"}, auth=ADMIN) == (200, {"level": "warning"})
        assert code(call(b, "PUT", "/v1/log-level", {"level": "loud"}, auth=ADMIN)) == (400, "invalid_level")
        assert call(b, "GET", "/v1/log-level", auth=ADMIN) == (200, {"level": "warning"})

        # Its own participant: yes; another's: no.
        assert call(b, "GET", "/v1/rooms/alpha", auth=vera)[0] == 200
        assert call(b, "GET", f"/v1/rooms/alpha/participants/{viewer['id']}", auth=vera)[1]["user_id"] == "vera"
        status, other = call(b, "POST", "/v1/rooms/alpha/participants", join, auth=token("alpha", sub="olga"))
        assert status == 201
        assert code(call(b, "GET", f"/v1/rooms/alpha/participants/{other['id']}", auth=vera)) == (403, "not_your_participant")
        assert code(call(b, "DELETE", f"/v1/rooms/alpha/participants/{other['id']}", auth=vera)) == (403, "not_your_participant")
        assert call(b, "DELETE", f"/v1/rooms/alpha/participants/{viewer['id']}", auth=vera)[0] == 204

        # The audit log has the refusals, with their reasons.
        status, audit = call(b, "GET", "/v1/audit?type=access_denied", auth=ADMIN)
        codes = {e["code"] for e in audit["entries"]}
        assert {"token_expired", "token_not_yet_valid", "token_wrong_room", "token_bad_signature", "token_used",
                "token_revoked", "wrong_pin", "not_allowed", "admin_only", "not_your_participant"} <= codes, codes
    finally:
        b.stop()


def test_moderators_are_granted_and_revoked():
    b = start()
    log = EventLog(b.events_url() + "?access_token=" + ADMIN)
    try:
        assert call(b, "POST", "/v1/rooms", {"id": "board", "kind": "conference", "secret": "s3cret"}, auth=ADMIN)[0] == 201
        join = {"offer": RECVONLY, "role": "viewer"}
        chair = token("board", sub="chair", moderator=True)
        bob = token("board", sub="bob")
        ids = {}
        for name, t in (("chair", chair), ("bob", bob), ("eve", token("board", sub="eve")), ("dan", token("board", sub="dan"))):
            status, p = call(b, "POST", "/v1/rooms/board/participants", join, auth=t)
            assert status == 201, p
            ids[name] = p["id"]
        status, room = call(b, "GET", "/v1/rooms/board", auth=ADMIN)
        assert {p["user_id"]: p.get("moderator", False) for p in room["participants"]} == \
            {"chair": True, "bob": False, "eve": False, "dan": False}
        # bob is no moderator: he may not kick, mute or grant.
        assert code(call(b, "POST", f"/v1/rooms/board/participants/{ids['eve']}/kick", {}, auth=bob)) == (403, "not_a_moderator")
        assert code(call(b, "POST", f"/v1/rooms/board/participants/{ids['bob']}/moderator", {"moderator": True},
                         auth=bob)) == (403, "not_a_moderator")
        # The chair (its token) grants him; now he may kick.
        assert call(b, "POST", f"/v1/rooms/board/participants/{ids['bob']}/moderator", {"moderator": True}, auth=chair)[0] == 204
        assert call(b, "POST", f"/v1/rooms/board/participants/{ids['eve']}/kick", {"ban_s": 60}, auth=bob)[0] == 204
        # The audit log says who kicked (and who was refused before).
        status, calls = call(b, "GET", "/v1/audit?room=board&type=api_call,access_denied", auth=ADMIN)
        kicks = [(e["actor"], e["status"]) for e in calls["entries"] if e["path"].endswith("/kick")]
        assert kicks == [("user:bob", 204), ("user:bob", 403)], kicks
        assert code(call(b, "POST", "/v1/rooms/board/participants", join, auth=token("board", sub="eve"))) == (403, "banned")
        # Revoked by dan, who is no moderator but knows the room's secret: bob may not any more.
        dan = token("board", sub="dan")
        assert code(call(b, "POST", f"/v1/rooms/board/participants/{ids['bob']}/moderator", {"moderator": False},
                         headers={"X-Room-Secret": "wrong"}, auth=dan)) == (403, "wrong_secret")
        assert call(b, "POST", f"/v1/rooms/board/participants/{ids['bob']}/moderator", {"moderator": False},
                    headers={"X-Room-Secret": "s3cret"}, auth=dan)[0] == 204
        assert code(call(b, "POST", f"/v1/rooms/board/participants/{ids['dan']}/kick", {}, auth=bob)) == (403, "not_a_moderator")
        wait_for(lambda: [e["type"] for e in log.events if e["type"].startswith("moderator_")] ==
                 ["moderator_granted", "moderator_revoked"], 5, what="moderator events")
        status, audit = call(b, "GET", "/v1/audit?type=moderator_granted,moderator_revoked", auth=ADMIN)
        assert [e["type"] for e in audit["entries"]] == ["moderator_revoked", "moderator_granted"], audit
        # A token never reaches the events.
        assert code(call(b, "GET", "/v1/events", auth=chair)) == (403, "admin_only")
    finally:
        log.close()
        b.stop()


def test_single_access_refuses_or_replaces():
    b = start()
    log = EventLog(b.events_url() + "?access_token=" + ADMIN)
    try:
        assert call(b, "POST", "/v1/rooms", {"id": "desk", "kind": "conference", "single_access": "refuse"}, auth=ADMIN)[0] == 201
        assert call(b, "POST", "/v1/rooms", {"id": "seat", "kind": "conference", "single_access": "replace"}, auth=ADMIN)[0] == 201
        assert code(call(b, "POST", "/v1/rooms", {"kind": "conference", "single_access": "maybe"}, auth=ADMIN)) == \
            (400, "invalid_option")
        join = {"offer": RECVONLY, "role": "viewer"}
        first = call(b, "POST", "/v1/rooms/desk/participants", join, auth=token("desk", sub="ann"))[1]
        assert code(call(b, "POST", "/v1/rooms/desk/participants", join, auth=token("desk", sub="ann"))) == (409, "already_joined")
        assert call(b, "POST", "/v1/rooms/desk/participants", join, auth=token("desk", sub="ben"))[0] == 201
        # Once the first connection is gone, the user may join again.
        assert call(b, "DELETE", f"/v1/rooms/desk/participants/{first['id']}", auth=ADMIN)[0] == 204
        assert call(b, "POST", "/v1/rooms/desk/participants", join, auth=token("desk", sub="ann"))[0] == 201

        old = call(b, "POST", "/v1/rooms/seat/participants", join, auth=token("seat", sub="ann"))[1]
        status, new = call(b, "POST", "/v1/rooms/seat/participants", join, auth=token("seat", sub="ann"))
        assert status == 201
        wait_for(lambda: [e for e in log.events if e["type"] == "participant_left" and e.get("participant") == old["id"]
                          and e.get("reason") == "replaced"], 5, what="the first connection replaced")
        status, room = call(b, "GET", "/v1/rooms/seat", auth=ADMIN)
        assert [p["id"] for p in room["participants"]] == [new["id"]]
        # A token's single_access asks for it in a room that does not: the second join is refused.
        assert call(b, "POST", "/v1/rooms", {"id": "open", "kind": "conference"}, auth=ADMIN)[0] == 201
        solo = token("open", sub="sol", single_access=True)
        assert call(b, "POST", "/v1/rooms/open/participants", join, auth=solo)[0] == 201
        assert code(call(b, "POST", "/v1/rooms/open/participants", join, auth=solo)) == (409, "already_joined")
    finally:
        log.close()
        b.stop()


def test_es256_tokens_with_a_configured_public_key(tmp_path):
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    key = ec.generate_private_key(ec.SECP256R1())
    pem = tmp_path / "tokens.pem"
    pem.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo))

    def es256(claims, signer=key):
        header = b64(json.dumps({"alg": "ES256", "typ": "JWT"}).encode())
        payload = b64(json.dumps(claims).encode())
        r, s = decode_dss_signature(signer.sign(f"{header}.{payload}".encode(), ec.ECDSA(hashes.SHA256())))
        return f"{header}.{payload}.{b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"

    b = Bridged("--api-key", ADMIN, "--token-public-key-file", str(pem))
    try:
        assert call(b, "POST", "/v1/rooms", {"id": "east", "kind": "streaming"}, auth=ADMIN)[0] == 201
        claims = {"room": "east", "sub": "zoe", "role": "viewer", "exp": int(time.time()) + 600}
        status, p = call(b, "POST", "/v1/rooms/east/participants", {"offer": RECVONLY}, auth=es256(claims))
        assert status == 201, p
        assert call(b, "GET", f"/v1/rooms/east/participants/{p['id']}", auth=ADMIN)[1]["role"] == "viewer"
        stranger = ec.generate_private_key(ec.SECP256R1())
        assert code(call(b, "POST", "/v1/rooms/east/participants", {"offer": RECVONLY},
                         auth=es256(claims, stranger))) == (401, "token_bad_signature")
        # An HS256 token is not accepted where only ES256 is configured.
        assert code(call(b, "POST", "/v1/rooms/east/participants", {"offer": RECVONLY},
                         auth=token("east"))) == (401, "token_bad_signature")
    finally:
        b.stop()


def test_a_short_token_secret_is_refused_at_start():
    import subprocess
    from conftest import BRIDGED
    r = subprocess.run([BRIDGED, "--http-port", "0", "--token-secret", "short"], capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and "token_secret must be at least 32 bytes" in r.stderr + r.stdout


def test_streamers_permission_and_hand_over(chromium):
    """Only the room's streamers may stream; the second eligible one waits on standby and takes
    over when the first leaves, while the viewer's page keeps decoding."""
    b = start()
    log = EventLog(b.events_url() + "?access_token=" + ADMIN)
    try:
        assert call(b, "POST", "/v1/rooms", {"id": "stage", "kind": "streaming", "streamers": ["alice", "bob"]},
                    auth=ADMIN)[0] == 201
        page = b.base + "/?room=stage&autostart=1&role="
        alice = open_page(chromium, page + "streamer&token=" + token("stage", sub="alice", role="streamer"))
        viewer = open_page(chromium, page + "viewer&token=" + token("stage", sub="vic", role="viewer"))
        wait_for(lambda: frames(chromium, viewer) >= 30, 20, what="viewer decoding alice")
        bob = open_page(chromium, page + "streamer&token=" + token("stage", sub="bob", role="streamer"))
        # carol is not among the streamers.
        status, err = call(b, "POST", "/v1/rooms/stage/participants", {"offer": SENDRECV, "role": "streamer"},
                           auth=token("stage", sub="carol"))
        assert (status, err["error"]["code"]) == (403, "not_allowed"), err
        status, room = call(b, "GET", "/v1/rooms/stage", auth=ADMIN)
        by_user = {p["user_id"]: p for p in room["participants"]}
        assert by_user["bob"]["role"] == "streamer" and by_user["bob"]["notice"].startswith("standby"), by_user["bob"]
        assert "notice" not in by_user["alice"] or by_user["alice"]["notice"] is None
        bob_id = by_user["bob"]["id"]
        wait_for(lambda: [e for e in log.events if e["type"] == "streamer_standby" and e.get("participant") == bob_id], 5,
                 what="streamer_standby")
        # alice leaves: bob takes over, the viewer's page does nothing and decodes on.
        chromium.switch_to.window(alice)
        chromium.execute_async_script("const done = arguments[0]; window.bridgedStop().then(done, done);")
        wait_for(lambda: [e for e in log.events if e["type"] == "streamer_changed" and e.get("streamer") == bob_id], 5,
                 what="bob taking over")
        before = frames(chromium, viewer)
        wait_for(lambda: frames(chromium, viewer) >= before + 60, 20, what="viewer decoding bob")
        status, room = call(b, "GET", "/v1/rooms/stage", auth=ADMIN)
        assert [(p["user_id"], p["role"], p.get("notice")) for p in room["participants"] if p["role"] == "streamer"] == \
            [("bob", "streamer", None)]
        assert bob  # its page stays open
    finally:
        log.close()
        b.stop()


def test_lobby_with_tokens_in_the_browser(chromium):
    """Browsers holding tokens call their own participant endpoints (and signaling WebSocket)
    directly; a moderator's token admits the one waiting in the lobby, which then decodes."""
    b = start()
    log = EventLog(b.events_url() + "?access_token=" + ADMIN)
    try:
        assert call(b, "POST", "/v1/rooms", {"id": "door", "kind": "conference", "lobby": True}, auth=ADMIN)[0] == 201
        page = b.base + "/?room=door&role=member&autostart=1&canvas=1&token="
        host_token = token("door", sub="host", moderator=True, role="member")
        host = open_page(chromium, page + host_token)
        host_id = chromium.execute_script("return window.bridged.participant")
        guest = open_page(chromium, page + token("door", sub="guest", role="member"))
        guest_id = chromium.execute_script("return window.bridged.participant")
        assert chromium.execute_script("return window.bridged.lobby") is True
        wait_for(lambda: [e for e in log.events if e["type"] == "lobby_waiting" and e.get("participant") == guest_id], 5,
                 what="lobby_waiting")
        # The guest's token cannot admit itself, nor open the host's signaling channel.
        guest_token = token("door", sub="guest", role="member")
        assert code(call(b, "POST", f"/v1/rooms/door/participants/{guest_id}/lobby", {"action": "admit"},
                         auth=guest_token)) == (403, "not_a_moderator")
        assert code(call(b, "GET", f"/v1/rooms/door/participants/{host_id}/signal", auth=guest_token)) == \
            (403, "not_your_participant")
        # Nor as a WebSocket: the upgrade is refused (hummingbird-websocket answers a bare 400),
        # and the audit log has why; a token never reaches the events WebSocket either.
        ws = b.base.replace("http://", "ws://")
        for url in (f"{ws}/v1/rooms/door/participants/{host_id}/signal?access_token={guest_token}",
                    f"{ws}/v1/events?access_token={guest_token}"):
            try:
                websocket.create_connection(url, timeout=5).close()
                raise AssertionError(f"upgraded: {url}")
            except websocket.WebSocketBadStatusException as e:
                assert e.status_code == 400
        status, denied = call(b, "GET", "/v1/audit?type=access_denied", auth=ADMIN)
        assert {(e["path"], e["code"]) for e in denied["entries"]} >= {
            (f"/v1/rooms/door/participants/{host_id}/signal", "not_your_participant"), ("/v1/events", "admin_only")}, denied
        time.sleep(2)
        assert not [k for k in member_stats(chromium, guest) if k.startswith(host_id + "/")]
        assert call(b, "POST", f"/v1/rooms/door/participants/{guest_id}/lobby", {"action": "admit"}, auth=host_token)[0] == 204
        wait_for(lambda: (member_stats(chromium, guest).get(f"{host_id}/1") or {}).get("framesDecoded", 0) >= 10, 30,
                 what="admitted guest decoding the host")
        status, audit = call(b, "GET", "/v1/audit?type=lobby_admitted&room=door", auth=ADMIN)
        assert [e["participant"] for e in audit["entries"]] == [guest_id]
        # The upgrade of the signaling WebSocket is in the audit log too.
        status, audit = call(b, "GET", "/v1/audit?room=door&type=api_call&limit=100", auth=ADMIN)
        assert [e for e in audit["entries"] if e["path"].endswith(f"/{guest_id}/signal") and e["status"] == 200], audit
    finally:
        log.close()
        b.stop()


def test_streaming_viewers_wait_in_the_lobby(chromium):
    """A streaming room with a lobby: a viewer's page waits, decoding nothing, until the
    streamer (a moderator by its token) admits it."""
    b = start()
    log = EventLog(b.events_url() + "?access_token=" + ADMIN)
    try:
        assert call(b, "POST", "/v1/rooms", {"id": "hall", "kind": "streaming", "lobby": True}, auth=ADMIN)[0] == 201
        page = b.base + "/?room=hall&autostart=1&role="
        host = token("hall", sub="host", role="streamer", moderator=True)
        open_page(chromium, page + "streamer&token=" + host)
        viewer = open_page(chromium, page + "viewer&token=" + token("hall", sub="vic", role="viewer"))
        viewer_id = chromium.execute_script("return window.bridged.participant")
        assert chromium.execute_script("return window.bridged.lobby") is True
        wait_for(lambda: [e for e in log.events if e["type"] == "lobby_waiting" and e.get("participant") == viewer_id], 5,
                 what="lobby_waiting")
        time.sleep(3)
        assert frames(chromium, viewer) == 0
        status, p = call(b, "GET", f"/v1/rooms/hall/participants/{viewer_id}", auth=ADMIN)
        assert p["notice"].startswith("lobby"), p
        assert call(b, "POST", f"/v1/rooms/hall/participants/{viewer_id}/lobby", {"action": "admit"}, auth=host)[0] == 204
        wait_for(lambda: frames(chromium, viewer) >= 30, 20, what="admitted viewer decoding")
    finally:
        log.close()
        b.stop()
