"""Permanent rooms (stored in the database, back after a restart with their settings, never
expiring idle) and the audit log (GET /v1/audit as JSON and CSV, its filters)."""
import csv
import io
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone

import jsonschema

from conftest import ROOT, Bridged, wait_for
from test_governance import secret_request
from test_openapi import SPEC, resolve_refs

OFFER = open(os.path.join(ROOT, "tests", "fixtures", "offers", "chromium_recvonly.sdp")).read()


def raw_get(b, path, headers=None):
    req = urllib.request.Request(b.base + path, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers.get("content-type"), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("content-type"), e.read().decode()


def parse_time(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def test_permanent_room_survives_restart(tmp_path):
    database = str(tmp_path / "bridged.sqlite")
    b = Bridged("--database", database)
    try:
        status, room = b.post("/v1/rooms", {"id": "keep", "kind": "conference", "description": "board meeting",
                                            "max_members": 3, "pin": "1234", "secret": "s3cret", "permanent": True,
                                            "lobby": True, "single_access": "refuse"})
        assert status == 201, room
        assert b.post("/v1/rooms", {"id": "lobby", "kind": "streaming", "description": "kept too", "permanent": True,
                                    "streamers": ["alice"]})[0] == 201
        assert b.post("/v1/rooms", {"id": "temp", "kind": "streaming"})[0] == 201
    finally:
        b.stop()
    assert os.path.exists(database)

    # A new process on the same database, with rooms expiring after 1 s empty.
    b = Bridged("--database", database, "--room-idle-timeout", "1")
    try:
        status, room = b.get("/v1/rooms/keep")
        assert status == 200, room
        assert (room["kind"], room["description"], room["max_members"]) == ("conference", "board meeting", 3)
        assert b.get("/v1/rooms/lobby")[1]["description"] == "kept too"
        assert b.get("/v1/rooms/temp")[0] == 404, "a room not created permanent is not restored"
        # The pin and the secret came back too.
        for pin in (None, "0000"):
            status, err = b.post("/v1/rooms/keep/participants",
                                 {"role": "member", "offer": OFFER, **({"pin": pin} if pin else {})})
            assert status == 403 and err["error"]["code"] == "wrong_pin", err
        status, err = secret_request(b, "DELETE", "/v1/rooms/keep", "wrong")
        assert status == 403 and err["error"]["code"] == "wrong_secret", err
        # So did the lobby, single access and the streamers.
        viewer = {"role": "viewer", "offer": OFFER, "pin": "1234", "user_id": "ann"}
        status, joined = b.post("/v1/rooms/keep/participants", {**viewer, "role": "member"})
        assert status == 201 and joined.get("lobby") is True, joined
        status, err = b.post("/v1/rooms/keep/participants", {**viewer, "role": "member"})
        assert status == 409 and err["error"]["code"] == "already_joined", err
        sendrecv = open(os.path.join(ROOT, "tests", "fixtures", "offers", "chromium_sendrecv.sdp")).read()
        status, err = b.post("/v1/rooms/lobby/participants", {"role": "streamer", "offer": sendrecv, "user_id": "bob"})
        assert status == 403 and err["error"]["code"] == "not_allowed", err
        assert b.post("/v1/rooms/lobby/participants", {"role": "streamer", "offer": sendrecv, "user_id": "alice"})[0] == 201
        for p in b.get("/v1/rooms/keep")[1]["participants"] + b.get("/v1/rooms/lobby")[1]["participants"]:
            assert b.delete(f"/v1/rooms/{'keep' if p['role'] == 'member' else 'lobby'}/participants/{p['id']}")[0] == 204
        # Permanent rooms never expire idle; others do.
        assert b.post("/v1/rooms", {"id": "brief", "kind": "streaming"})[0] == 201
        wait_for(lambda: b.get("/v1/rooms/brief")[0] == 404, 10, what="the non-permanent room to expire")
        time.sleep(1.5)
        assert b.get("/v1/rooms/keep")[0] == 200 and b.get("/v1/rooms/lobby")[0] == 200
        # Deleting a permanent room forgets it.
        assert secret_request(b, "DELETE", "/v1/rooms/keep", "s3cret")[0] == 204
    finally:
        b.stop()

    b = Bridged("--database", database)
    try:
        assert b.get("/v1/rooms/keep")[0] == 404, "a deleted permanent room must not come back"
        assert [r["id"] for r in b.get("/v1/rooms")[1]["rooms"]] == ["lobby"]
    finally:
        b.stop()


def test_audit_records_denied_attempts(bridged):
    started = datetime.now(timezone.utc) - timedelta(seconds=1)
    assert bridged.post("/v1/rooms", {"id": "vault", "kind": "streaming", "pin": "1234", "secret": "s3cret"})[0] == 201
    status, err = bridged.post("/v1/rooms/vault/participants", {"role": "viewer", "offer": OFFER, "pin": "4321"})
    assert status == 403 and err["error"]["code"] == "wrong_pin"
    # Audit times have millisecond resolution: keep the two refusals in different milliseconds
    # (a release build answers both within one), so that `to` (exclusive) can separate them.
    time.sleep(0.01)
    status, err = secret_request(bridged, "DELETE", "/v1/rooms/vault", "guess")
    assert status == 403 and err["error"]["code"] == "wrong_secret"
    # Another room's refusal, which the room filter leaves out.
    assert bridged.post("/v1/rooms", {"id": "other", "kind": "streaming", "secret": "x"})[0] == 201
    assert secret_request(bridged, "DELETE", "/v1/rooms/other", "y")[0] == 403

    status, body = bridged.get("/v1/audit?type=access_denied&room=vault")
    assert status == 200, body
    entries = body["entries"]
    assert [(e["method"], e["path"], e["status"], e["code"]) for e in entries] == [
        ("DELETE", "/v1/rooms/vault", 403, "wrong_secret"),          # newest first
        ("POST", "/v1/rooms/vault/participants", 403, "wrong_pin"),
    ], entries
    for e in entries:
        assert e["type"] == "access_denied" and e["outcome"] == "denied" and e["room"] == "vault"
        assert e["client"].startswith("127.0.0.1:"), e
        assert started <= parse_time(e["time"]) <= datetime.now(timezone.utc) + timedelta(seconds=1), e
    assert parse_time(entries[0]["time"]) >= parse_time(entries[1]["time"])
    # OpenAPI 3.0's `nullable` is JSON Schema's type list.
    schema = resolve_refs(SPEC["components"]["schemas"]["AuditEntry"])
    for field in schema["properties"].values():
        if field.pop("nullable", False):
            field["type"] = [field["type"], "null"]
    for e in entries:
        jsonschema.validate(e, schema)

    # Every control call is there: the successful ones as api_call.
    calls = bridged.get("/v1/audit?room=vault")[1]["entries"]
    assert {e["type"] for e in calls} == {"access_denied"}, "POST /v1/rooms names no room in its path"
    created = bridged.get("/v1/audit?type=api_call&limit=1000")[1]["entries"]
    assert any(e["method"] == "POST" and e["path"] == "/v1/rooms" and e["status"] == 201 and e["outcome"] == "ok"
               and e["code"] is None for e in created)
    assert len(bridged.get("/v1/audit?limit=2")[1]["entries"]) == 2
    assert bridged.get("/v1/audit?type=access_denied&room=vault&from=2099-01-01T00:00:00Z")[1]["entries"] == []
    until = entries[0]["time"]  # `to` is exclusive: the newer DELETE falls out
    status, body = bridged.get("/v1/audit?type=access_denied&room=vault&to=" + urllib.parse.quote(until))
    assert [e["code"] for e in body["entries"]] == ["wrong_pin"], body

    # CSV: a header row, then the same rows.
    for path, headers in (("/v1/audit?type=access_denied&room=vault&format=csv", {}),
                          ("/v1/audit?type=access_denied&room=vault", {"Accept": "text/csv"})):
        status, content_type, text = raw_get(bridged, path, headers)
        assert status == 200 and content_type.startswith("text/csv"), (status, content_type, text)
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
        assert text.splitlines()[0].split(",")[:4] == ["id", "time", "type", "method"]
        assert rows == [{k: "" if v is None else str(v) for k, v in e.items()} for e in entries], (rows, entries)


def test_audit_bad_filters(bridged):
    for query, parameter in (("from=yesterday", "from"), ("to=2025-13-01T00:00:00Z", "to"),
                             ("from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z", "to"),
                             ("limit=0", "limit"), ("limit=ten", "limit"), ("limit=1000000", "limit"),
                             ("type=Access-Denied", "type"), ("room=" + urllib.parse.quote("a/b"), "room"),
                             ("format=xml", "format"), ("roomz=vault", "roomz")):
        status, err = bridged.get("/v1/audit?" + query)
        assert status == 400, (query, err)
        assert err["error"]["code"] == "invalid_filter" and err["error"]["message"].startswith(parameter + ":"), (query, err)


def test_audit_records_kicks_and_unauthorized(tmp_path):
    b = Bridged("--api-key", "k3y")
    auth = {"Authorization": "Bearer k3y"}

    def call(method, path, body=None, headers=auth):
        return b.request(method, path, body, headers=headers)

    try:
        assert call("GET", "/v1/rooms", headers={})[0] == 401
        assert call("POST", "/v1/rooms", {"id": "mod", "kind": "streaming"})[0] == 201
        status, viewer = call("POST", "/v1/rooms/mod/participants", {"role": "viewer", "offer": OFFER})
        assert status == 201, viewer
        assert call("POST", f"/v1/rooms/mod/participants/{viewer['id']}/kick", {"ban_s": 60})[0] == 204

        status, body = call("GET", "/v1/audit?type=access_denied")
        assert [(e["path"], e["status"], e["code"], e["actor"]) for e in body["entries"]] == \
            [("/v1/rooms", 401, "unauthorized", None)]
        kicked = wait_for(lambda: call("GET", "/v1/audit?type=participant_left&room=mod")[1]["entries"], 5,
                          what="the kick in the audit log")
        assert kicked[0]["participant"] == viewer["id"] and kicked[0]["outcome"] == "kicked", kicked
        assert json.loads(kicked[0]["detail"])["reason"] == "kicked"
        kick_call = call("GET", "/v1/audit?type=api_call&room=mod")[1]["entries"][0]
        assert (kick_call["path"], kick_call["participant"], kick_call["actor"]) == \
            (f"/v1/rooms/mod/participants/{viewer['id']}/kick", viewer["id"], "admin")
    finally:
        b.stop()
