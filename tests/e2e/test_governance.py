"""Room protection and moderation: a pin to join and a secret to manage (distinct), kick with a
ban on rejoining, and mute (the bridge stops forwarding and tells the member)."""
import os
import time

from conftest import ROOT, wait_for
from test_chromium_echo import chromium  # noqa: F401  (fixture)
from test_conference import join, member_stats
from test_chromium_streaming import open_page
from test_events import EventLog

OFFER = open(os.path.join(ROOT, "tests", "fixtures", "offers", "chromium_recvonly.sdp")).read()


def secret_request(b, method, path, secret, body=None):
    import json
    import urllib.error
    import urllib.request
    req = urllib.request.Request(b.base + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                                 headers={"content-type": "application/json", **({"X-Room-Secret": secret} if secret else {})})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            text = r.read().decode()
            return r.status, (json.loads(text) if text else None)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read().decode() or "null")


def test_pin_to_join_and_secret_to_manage(bridged):
    status, body = bridged.post("/v1/rooms", {"id": "vault", "kind": "streaming", "pin": "same", "secret": "same"})
    assert status == 400 and body["error"]["code"] == "invalid_option"
    assert bridged.post("/v1/rooms", {"id": "vault", "kind": "streaming", "pin": "1234", "secret": "s3cret"})[0] == 201
    for pin in (None, "4321", "12345", ""):
        body = {"role": "viewer", "offer": OFFER, **({"pin": pin} if pin is not None else {})}
        status, err = bridged.post("/v1/rooms/vault/participants", body)
        assert status == 403 and err["error"]["code"] == "wrong_pin", (pin, err)
    assert bridged.post("/v1/rooms/vault/participants", {"role": "viewer", "offer": OFFER, "pin": "1234"})[0] == 201
    # Managing needs the secret (the pin is not it).
    for secret in (None, "1234", "s3cre"):
        status, err = secret_request(bridged, "DELETE", "/v1/rooms/vault", secret)
        assert status == 403 and err["error"]["code"] == "wrong_secret", (secret, err)
        status, err = secret_request(bridged, "POST", "/v1/rooms/vault/recordings", secret, {})
        assert status == 403 and err["error"]["code"] == "wrong_secret"
    assert secret_request(bridged, "DELETE", "/v1/rooms/vault", "s3cret")[0] == 204


def test_kick_bans_the_user_for_a_while(bridged):
    log = EventLog(bridged.events_url())
    try:
        assert bridged.post("/v1/rooms", {"id": "club", "kind": "streaming"})[0] == 201
        status, alice = bridged.post("/v1/rooms/club/participants", {"role": "viewer", "offer": OFFER, "user_id": "alice"})
        assert status == 201
        assert bridged.post(f"/v1/rooms/club/participants/{alice['id']}/kick", {"ban_s": 2})[0] == 204
        wait_for(lambda: [e for e in log.events if e["type"] == "participant_left" and e.get("reason") == "kicked"], 5,
                 what="participant_left kicked")
        status, err = bridged.post("/v1/rooms/club/participants", {"role": "viewer", "offer": OFFER, "user_id": "alice"})
        assert status == 403 and err["error"]["code"] == "banned", err
        assert bridged.post("/v1/rooms/club/participants", {"role": "viewer", "offer": OFFER, "user_id": "bob"})[0] == 201
        time.sleep(2.2)
        assert bridged.post("/v1/rooms/club/participants", {"role": "viewer", "offer": OFFER, "user_id": "alice"})[0] == 201
        status, err = bridged.post("/v1/rooms/club/participants/nobody/kick", {})
        assert status == 404
    finally:
        log.close()


def test_mute_stops_forwarding_and_tells_the_member(bridged, chromium):
    assert bridged.post("/v1/rooms", {"id": "mod", "kind": "conference"})[0] == 201
    (a, pa), (b, pb) = join(chromium, bridged, "mod"), join(chromium, bridged, "mod")
    video = f"{pa}/1"
    wait_for(lambda: (member_stats(chromium, b).get(video) or {}).get("framesDecoded", 0) >= 10, 30, what="b decoding a")
    assert bridged.post(f"/v1/rooms/mod/participants/{pa}/mute", {"kind": "video"})[0] == 204
    time.sleep(0.5)
    frozen = member_stats(chromium, b)[video]["packetsReceived"]
    time.sleep(2)
    assert member_stats(chromium, b)[video]["packetsReceived"] == frozen
    chromium.switch_to.window(a)
    notices = chromium.execute_script("return window.bridged.notices")
    assert {"type": "muted", "kind": "video", "muted": True} in notices, notices
    assert bridged.post(f"/v1/rooms/mod/participants/{pa}/mute", {"kind": "video", "muted": False})[0] == 204
    wait_for(lambda: member_stats(chromium, b)[video]["packetsReceived"] > frozen + 20, 10, what="video back after unmute")
    status, err = bridged.post(f"/v1/rooms/mod/participants/{pa}/mute", {"kind": "smell"})
    assert status == 400 and err["error"]["code"] == "invalid_kind"


def test_lobby_waits_until_a_moderator_admits(bridged, chromium):
    log = EventLog(bridged.events_url())
    try:
        assert bridged.post("/v1/rooms", {"id": "door", "kind": "conference", "lobby": True})[0] == 201
        host = open_member(chromium, bridged, "door", moderator=True)
        guest = open_member(chromium, bridged, "door")
        chromium.switch_to.window(guest[0])
        assert chromium.execute_script("return window.bridged.lobby") is True
        wait_for(lambda: [e for e in log.events if e["type"] == "lobby_waiting" and e.get("participant") == guest[1]], 5,
                 what="lobby_waiting")
        time.sleep(3)  # connected to nothing: neither receives the other
        assert not [k for k in member_stats(chromium, guest[0]) if k.startswith(host[1] + "/")]
        assert not [k for k in member_stats(chromium, host[0]) if k.startswith(guest[1] + "/")]
        assert bridged.post(f"/v1/rooms/door/participants/{guest[1]}/lobby", {"action": "admit"})[0] == 204
        wait_for(lambda: (member_stats(chromium, guest[0]).get(f"{host[1]}/1") or {}).get("framesDecoded", 0) >= 10, 30,
                 what="admitted guest decoding the host")
        wait_for(lambda: (member_stats(chromium, host[0]).get(f"{guest[1]}/1") or {}).get("framesDecoded", 0) >= 10, 30,
                 what="host decoding the admitted guest")
        chromium.switch_to.window(guest[0])
        assert {"type": "lobby", "state": "admitted"} in chromium.execute_script("return window.bridged.notices")
        # A third one is denied: it is removed.
        third = open_member(chromium, bridged, "door")
        assert bridged.post(f"/v1/rooms/door/participants/{third[1]}/lobby", {"action": "deny"})[0] == 204
        wait_for(lambda: [e for e in log.events if e["type"] == "participant_left" and e.get("participant") == third[1]
                          and e.get("reason") == "lobby_denied"], 5, what="denied participant removed")
        assert [e for e in log.events if e["type"] == "lobby_denied"]
        status, err = bridged.post(f"/v1/rooms/door/participants/{guest[1]}/lobby", {"action": "open-sesame"})
        assert status == 400 and err["error"]["code"] == "invalid_action"
    finally:
        log.close()


def test_a_viewer_may_not_publish(bridged):
    assert bridged.post("/v1/rooms", {"id": "talk", "kind": "conference"})[0] == 201
    sendrecv = open(os.path.join(ROOT, "tests", "fixtures", "offers", "chromium_sendrecv.sdp")).read()
    status, err = bridged.post("/v1/rooms/talk/participants", {"role": "viewer", "offer": sendrecv})
    assert status == 403 and err["error"]["code"] == "not_allowed", err
    assert bridged.post("/v1/rooms/talk/participants", {"role": "viewer", "offer": OFFER})[0] == 201


def open_member(driver, bridged, room, moderator=False):
    handle = open_page(driver, bridged.base + f"/?room={room}&role=member&autostart=1&canvas=1" + ("&moderator=1" if moderator else ""))
    return handle, driver.execute_script("return window.bridged.participant")


def test_guessing_a_pin_is_stopped():
    """After 3 wrong pins from this address on a room it is refused there (429), even with the
    right pin, until the window ends; another room is not affected; the audit log has it."""
    from conftest import Bridged
    b = Bridged("--failed-attempts-limit", "3", "--failed-attempts-window", "3")
    try:
        for room in ("safe", "other"):
            assert b.post("/v1/rooms", {"id": room, "kind": "streaming", "pin": "4711", "secret": "s3cret"})[0] == 201
        join = {"role": "viewer", "offer": OFFER}
        for guess in ("0000", "0001", "0002"):
            status, err = b.post("/v1/rooms/safe/participants", {**join, "pin": guess})
            assert status == 403 and err["error"]["code"] == "wrong_pin", err
        status, err = b.post("/v1/rooms/safe/participants", {**join, "pin": "4711"})
        assert status == 429 and err["error"]["code"] == "too_many_attempts", err
        assert "retry in" in err["error"]["message"]
        # Managing is refused too (same address, same room); another room is not.
        assert secret_request(b, "DELETE", "/v1/rooms/safe", "s3cret")[0] == 429
        assert b.post("/v1/rooms/other/participants", {**join, "pin": "4711"})[0] == 201
        time.sleep(3.2)
        assert b.post("/v1/rooms/safe/participants", {**join, "pin": "4711"})[0] == 201
        status, audit = b.get("/v1/audit?type=access_denied&room=safe")
        assert [e["code"] for e in audit["entries"]][::-1] == ["wrong_pin"] * 3 + ["too_many_attempts"] * 2, audit
    finally:
        b.stop()
