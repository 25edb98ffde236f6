"""An aiortc (PyPI) peer for the end-to-end tests: sends a moving test pattern (VP8) and a tone
(Opus), counts what comes back decoded."""
import asyncio
import fractions
import math
import time

import aioice.ice
import av
import numpy
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription, MediaStreamTrack
from aiortc import RTCBundlePolicy
import aiortc.rtcdtlstransport as dtlstransport

from impairment import Link, Relay

# aioice skips 127.0.0.1 when gathering: the tests run in a loopback-only namespace.
aioice.ice.get_host_addresses = lambda use_ipv4=True, use_ipv6=True: ["127.0.0.1"]
ALL_PROFILES = list(dtlstransport.SRTP_PROFILES)


def only_profile(openssl_name):
    """Restrict the SRTP profiles aiortc offers in DTLS to one."""
    dtlstransport.SRTP_PROFILES[:] = [p for p in ALL_PROFILES if p.openssl_profile == openssl_name.encode()]
    assert dtlstransport.SRTP_PROFILES, openssl_name


class PatternVideo(MediaStreamTrack):
    kind = "video"

    def __init__(self, width=320, height=240, fps=30, noise=False):
        """noise: random grey pictures, which take whatever bitrate the encoder is given."""
        super().__init__()
        self.w, self.h, self.fps, self.n, self.t0 = width, height, fps, 0, None
        self.noise = numpy.random.default_rng(5) if noise else None

    async def recv(self):
        if self.t0 is None:
            self.t0 = time.monotonic()
        delay = self.t0 + self.n / self.fps - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        if self.noise is not None:
            img = self.noise.integers(96, 160, (self.h, self.w, 3), dtype=numpy.uint8)
        else:
            img = numpy.zeros((self.h, self.w, 3), dtype=numpy.uint8)
        x = (self.n * 4) % self.w
        img[:, x:x + 16, :] = 255
        frame = av.VideoFrame.from_ndarray(img, format="rgb24")
        frame.pts, frame.time_base = self.n, fractions.Fraction(1, self.fps)
        self.n += 1
        return frame


class ToneAudio(MediaStreamTrack):
    kind = "audio"

    def __init__(self):
        super().__init__()
        self.n, self.t0 = 0, None

    async def recv(self):
        if self.t0 is None:
            self.t0 = time.monotonic()
        delay = self.t0 + self.n * 0.02 - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        samples = numpy.array([int(8000 * math.sin(2 * math.pi * 440 * (self.n * 960 + i) / 48000)) for i in range(960)],
                              dtype=numpy.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = 48000, self.n * 960, fractions.Fraction(1, 48000)
        self.n += 1
        return frame


class EchoPeer:
    """Offers audio+video to the bridge and counts decoded frames of what the bridge sends back."""

    def __init__(self):
        self.pc = RTCPeerConnection(RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
        self.video_frames = 0
        self.video_size = None
        self.audio_frames = 0
        self.tasks = []
        self.pc.on("track", self._on_track)

    def _on_track(self, track):
        self.tasks.append(asyncio.ensure_future(self._consume(track)))

    async def _consume(self, track):
        while True:
            try:
                frame = await track.recv()
            except Exception:
                return
            if track.kind == "video":
                self.video_frames += 1
                self.video_size = (frame.width, frame.height)
            else:
                self.audio_frames += 1

    async def offer(self, mode="echo", video_codec=None, noise=False):
        """mode: "echo" or "streamer" (send a pattern and a tone), "viewer" (receive only).
        video_codec: offer only this video codec (e.g. "H264"). noise: send random pictures."""
        if mode == "viewer":
            self.pc.addTransceiver("video", direction="recvonly")
            self.pc.addTransceiver("audio", direction="recvonly")
        else:
            self.video = PatternVideo(noise=noise)
            self.pc.addTrack(self.video)
            self.pc.addTrack(ToneAudio())
        if video_codec:
            from aiortc import RTCRtpSender
            codecs = [c for c in RTCRtpSender.getCapabilities("video").codecs
                      if c.mimeType.lower() in (f"video/{video_codec.lower()}", "video/rtx")]
            for t in self.pc.getTransceivers():
                if t.kind == "video":
                    t.setCodecPreferences(codecs)
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return self.pc.localDescription.sdp

    async def answer(self, sdp):
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))

    async def wait(self, predicate, timeout, what):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}: video={self.video_frames} audio={self.audio_frames}")

    async def close(self):
        for t in self.tasks:
            t.cancel()
        await self.pc.close()


def UDPRelay(bridge_port, loss=0.0):
    """A relay between a peer and the bridge (impairment.Relay); loss: fraction of the bridge's
    datagrams (SRTP only, never ICE/DTLS) dropped on the way to the peer."""
    return Relay(bridge_port, downlink=Link(loss=loss, media_only=True, seed=11))


def redirect_candidates(answer, relay):
    """Points the answer's candidates at the relay (a UDPRelay, or a port), and a UDPRelay at
    the port the answer names (a viewer may be served by any worker's port)."""
    port = relay if isinstance(relay, int) else relay.port
    out = []
    for line in answer.split("\r\n"):
        if line.startswith("a=candidate:"):
            parts = line.split(" ")
            if not isinstance(relay, int):
                relay.set_target(int(parts[5]))
            parts[5] = str(port)
            line = " ".join(parts)
        out.append(line)
    return "\r\n".join(out)
