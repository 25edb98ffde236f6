"""aiortc (an independent WebRTC stack) through the bridge's echo: both SRTP profiles, both DTLS
roles, a peer whose address changes mid-call, and a peer that goes silent."""
import asyncio

import pytest

from aiortc_peer import EchoPeer, UDPRelay, only_profile, redirect_candidates, ALL_PROFILES
import aiortc.rtcdtlstransport as dtlstransport
from conftest import Bridged, wait_for


@pytest.fixture(autouse=True)
def restore_profiles():
    yield
    dtlstransport.SRTP_PROFILES[:] = ALL_PROFILES


def join(bridged, room, offer, **extra):
    status, body = bridged.post(f"/v1/rooms/{room}/participants", {"offer": offer, **extra})
    assert status == 201, body
    return body


def participant(bridged, room, pid):
    status, body = bridged.get(f"/v1/rooms/{room}/participants/{pid}")
    assert status == 200, body
    return body


async def echo_call(bridged, profile, dtls_role=None):
    only_profile(profile)
    assert bridged.post("/v1/rooms", {"id": "a", "kind": "echo"})[0] == 201
    peer = EchoPeer()
    try:
        extra = {"dtls_role": dtls_role} if dtls_role else {}
        created = join(bridged, "a", await peer.offer(), **extra)
        expected_setup = "a=setup:active" if dtls_role == "client" else "a=setup:passive"
        assert expected_setup in created["answer"]
        assert "a=ice-lite" in created["answer"]
        await peer.answer(created["answer"])
        await peer.wait(lambda: peer.video_frames >= 45 and peer.audio_frames >= 50, 30, "echoed media")
        assert peer.video_size == (320, 240)
        p = participant(bridged, "a", created["id"])
        assert p["srtp_profile"] == profile
        assert p["dtls_role"] == (dtls_role or "server")
        assert p["state"] == "connected"
        assert p["packets_received"] > 50 and p["packets_sent"] > 50
    finally:
        await peer.close()


@pytest.mark.parametrize("profile", ["SRTP_AES128_CM_SHA1_80", "SRTP_AEAD_AES_128_GCM"])
def test_aiortc_echo(bridged, profile):
    asyncio.run(echo_call(bridged, profile))


def test_aiortc_echo_with_bridge_as_dtls_client(bridged):
    asyncio.run(echo_call(bridged, "SRTP_AEAD_AES_128_GCM", dtls_role="client"))


def test_peer_changing_address_keeps_receiving(bridged):
    async def run():
        assert bridged.post("/v1/rooms", {"id": "m", "kind": "echo"})[0] == 201
        relay = UDPRelay(bridged.media_port)
        peer = EchoPeer()
        try:
            created = join(bridged, "m", await peer.offer())
            await peer.answer(redirect_candidates(created["answer"], relay.port))
            await peer.wait(lambda: peer.video_frames >= 30, 30, "echo before the move")
            first = participant(bridged, "m", created["id"])
            assert first["remote_address"].endswith(f":{relay.source_port}")
            relay.switch()  # from now on the peer's packets come from another port
            await peer.wait(lambda: participant(bridged, "m", created["id"])["remote_address"].endswith(f":{relay.source_port}"),
                            25, "the bridge to follow the new address")
            # What the peer receives after the bridge followed it. Audio is the measure: aiortc's
            # video sender sometimes ends itself on a send error while the relay switches
            # (RTCRtpSender stops on ConnectionError), which is aiortc's doing, not the bridge's.
            audio, video = peer.audio_frames, peer.video_frames
            sent = participant(bridged, "m", created["id"])["packets_sent"]
            await peer.wait(lambda: peer.audio_frames >= audio + 100, 10, "echoed audio after the move")
            after = participant(bridged, "m", created["id"])
            assert after["state"] == "connected"
            assert after["address_changes"] >= 1
            assert after["packets_sent"] > sent + 100
            if peer.video_frames > video:
                assert peer.video_size == (320, 240)
        finally:
            await peer.close()
            relay.close()
    asyncio.run(run())


def test_silent_peer_is_disconnected_when_consent_expires():
    bridged = Bridged("--consent-timeout", "3")
    try:
        async def run():
            assert bridged.post("/v1/rooms", {"id": "s", "kind": "echo"})[0] == 201
            relay = UDPRelay(bridged.media_port)
            peer = EchoPeer()
            try:
                created = join(bridged, "s", await peer.offer())
                await peer.answer(redirect_candidates(created["answer"], relay.port))
                await peer.wait(lambda: peer.video_frames >= 15, 30, "echo")
                assert participant(bridged, "s", created["id"])["state"] == "connected"
                relay.blackhole()
                await peer.wait(lambda: participant(bridged, "s", created["id"])["state"] == "disconnected",
                                10, "consent expiry")
                sent = participant(bridged, "s", created["id"])["packets_sent"]
                await asyncio.sleep(1)
                assert participant(bridged, "s", created["id"])["packets_sent"] == sent  # nothing sent without consent
            finally:
                await peer.close()
                relay.close()
        asyncio.run(run())
    finally:
        bridged.stop()
