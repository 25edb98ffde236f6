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
