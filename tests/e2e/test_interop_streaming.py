"""Streaming across WebRTC stacks: an aiortc streamer watched by Chromium, and a Chromium
streamer watched by aiortc. Payload types and header extension IDs differ between the two
stacks; the bridge maps them per viewer."""
import asyncio

from aiortc_peer import EchoPeer
from conftest import wait_for
from test_chromium_echo import chromium, page_stats  # noqa: F401  (fixture)


def test_aiortc_streamer_chromium_viewer(bridged, chromium):
    async def run():
        assert bridged.post("/v1/rooms", {"id": "mix", "kind": "streaming"})[0] == 201
        streamer = EchoPeer()
        try:
            status, created = bridged.post("/v1/rooms/mix/participants", {"role": "streamer", "offer": await streamer.offer("streamer")})
            assert status == 201, created
            await streamer.answer(created["answer"])
            chromium.get(bridged.base + "/?room=mix&role=viewer&autostart=1")
            deadline = asyncio.get_running_loop().time() + 25
            stats = {}
            while asyncio.get_running_loop().time() < deadline:
                stats = page_stats(chromium)
                if (stats.get("video", {}).get("framesDecoded") or 0) >= 30:
                    break
                await asyncio.sleep(0.3)
            assert (stats.get("video", {}).get("framesDecoded") or 0) >= 30, stats
            assert (stats["video"]["frameWidth"], stats["video"]["frameHeight"]) == (320, 240)
            assert (stats.get("audio", {}).get("packetsReceived") or 0) > 10
        finally:
            await streamer.close()
    asyncio.run(run())


def test_chromium_streamer_aiortc_viewer(bridged, chromium):
    async def run():
        assert bridged.post("/v1/rooms", {"id": "mix2", "kind": "streaming"})[0] == 201
        chromium.get(bridged.base + "/?room=mix2&role=streamer&autostart=1")
        wait_for(lambda: chromium.execute_script("return window.bridged.state") == "connected", 20, what="streamer page")
        viewer = EchoPeer()
        try:
            status, created = bridged.post("/v1/rooms/mix2/participants", {"role": "viewer", "offer": await viewer.offer("viewer")})
            assert status == 201, created
            assert "a=sendonly" in created["answer"]
            await viewer.answer(created["answer"])
            await viewer.wait(lambda: viewer.video_frames >= 30 and viewer.audio_frames >= 20, 25, "aiortc viewer decoding")
            assert viewer.video_size == (640, 480)
        finally:
            await viewer.close()
    asyncio.run(run())
