"""docs/openapi.yaml is a valid OpenAPI 3 document, and real responses match its schemas."""
import os

import jsonschema
import yaml
from openapi_spec_validator import validate

from conftest import ROOT

SPEC = yaml.safe_load(open(os.path.join(ROOT, "docs", "openapi.yaml")))


def schema(name):
    s = dict(SPEC["components"]["schemas"][name])
    s["components"] = SPEC["components"]
    return s


def resolve_refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            return resolve_refs(SPEC["components"]["schemas"][node["$ref"].split("/")[-1]])
        return {k: resolve_refs(v) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve_refs(v) for v in node]
    return node


def test_spec_is_valid_openapi():
    validate(SPEC)


def test_responses_match_the_schemas(bridged):
    status, room = bridged.post("/v1/rooms", {"id": "doc", "kind": "streaming", "description": "d"})
    assert status == 201
    jsonschema.validate(room, resolve_refs(SPEC["components"]["schemas"]["Room"]))
    status, stats = bridged.get("/v1/stats")
    jsonschema.validate(stats, resolve_refs(SPEC["components"]["schemas"]["Stats"]))
    status, rec = bridged.post("/v1/rooms/doc/recordings", {})
    assert status == 201, rec
    jsonschema.validate(rec, resolve_refs(SPEC["components"]["schemas"]["Recording"]))
    status, recs = bridged.get("/v1/rooms/doc/recordings")
    assert status == 200 and [r["id"] for r in recs["recordings"]] == [rec["id"]]
    for r in recs["recordings"]:
        jsonschema.validate(r, resolve_refs(SPEC["components"]["schemas"]["Recording"]))
    status, rec = bridged.delete(f"/v1/rooms/doc/recordings/{rec['id']}")
    assert status == 200 and rec["state"] == "stopped"
    jsonschema.validate(rec, resolve_refs(SPEC["components"]["schemas"]["Recording"]))
    status, err = bridged.get("/v1/rooms/none")
    jsonschema.validate(err, resolve_refs(SPEC["components"]["responses"]["Error"]["content"]["application/json"]["schema"]))


def test_source_rooms_and_forwarders_match_the_schemas(bridged):
    status, room = bridged.post("/v1/rooms", {"id": "src", "kind": "streaming",
                                              "source": {"rtp": {"video": {"codec": "vp8"}, "audio": {"codec": "opus"}}}})
    assert status == 201, room
    jsonschema.validate(room, resolve_refs(SPEC["components"]["schemas"]["Room"]))
    status, fwd = bridged.post("/v1/rooms/src/forwarders", {"host": "127.0.0.1", "video_port": 5004, "audio_port": 5006})
    assert status == 201, fwd
    jsonschema.validate(fwd, resolve_refs(SPEC["components"]["schemas"]["Forwarder"]))
    status, listed = bridged.get("/v1/rooms/src/forwarders")
    for f in listed["forwarders"]:
        jsonschema.validate(f, resolve_refs(SPEC["components"]["schemas"]["Forwarder"]))
