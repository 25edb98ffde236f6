"""Headless Chromium (fake camera and microphone) through the demo page: the bridge's echo of
its own video decodes at the sent size, and audio packets arrive."""
import os
import random
import shutil
import socket
import tempfile
import threading
import time

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

from conftest import wait_for

CHROMIUM = os.environ.get("CHROMIUM_BIN", "/usr/lib/chromium/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--no-first-run",
    "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
    "--allow-loopback-in-peer-connection", "--disable-features=WebRtcHideLocalIpsWithMdns",
    # Tabs the test is not looking at keep running (timers, decoding) as if in front.
    "--disable-background-timer-throttling", "--disable-backgrounding-occluded-windows",
    "--disable-renderer-backgrounding",
]


def start_chromium():
    """Headless Chromium with the fake devices (also used by Benchmarks/conference)."""
    profile = tempfile.mkdtemp(prefix="bridged-chromium-")
    opts = Options()
    opts.binary_location = CHROMIUM
    for f in FLAGS + ["--user-data-dir=" + profile]:
        opts.add_argument(f)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    driver.set_script_timeout(30)
    driver.profile_dir = profile
    return driver


def stop_chromium(driver):
    driver.quit()
    shutil.rmtree(driver.profile_dir, ignore_errors=True)


@pytest.fixture
def chromium():
    driver = start_chromium()
    yield driver
    stop_chromium(driver)


def page_stats(driver):
    return driver.execute_async_script("const done = arguments[0]; window.bridgedStats().then(done, (e) => done({error: String(e)}));")


def start_echo(bridged, chromium):
    chromium.get(bridged.base + "/?autostart=1")
    wait_for(lambda: chromium.execute_script("return window.bridged.state") in ("connected", "error"), 20, what="page connected")
    assert chromium.execute_script("return window.bridged.error") is None


def test_chromium_echo_decodes_video_and_receives_audio(bridged, chromium):
    start_echo(bridged, chromium)
    s = wait_for(lambda: (lambda s: s if s.get("video", {}).get("framesDecoded", 0) >= 60 else None)(page_stats(chromium)),
                 30, what="60 decoded frames")
    assert s["video"]["frameWidth"] == 640 and s["video"]["frameHeight"] == 480
    s = wait_for(lambda: (lambda s: s if s.get("audio", {}).get("packetsReceived", 0) >= 50 else None)(page_stats(chromium)),
                 10, what="audio packets")
    first = chromium.execute_script("return window.bridged.firstFrameAt - window.bridged.offerAt")
    print(f"\nchromium offer->first decoded frame: {first:.0f} ms (polled every 200 ms)")
    # The bridge's view: one connected participant with traffic both ways.
    status, rooms = bridged.get("/v1/rooms")
    assert status == 200 and len(rooms["rooms"]) == 1
    p = rooms["rooms"][0]["participants"][0]
    assert p["state"] == "connected"
    assert p["srtp_profile"] == "SRTP_AEAD_AES_128_GCM"  # Chromium offers GCM; the bridge prefers it
    assert p["packets_received"] > 100 and p["packets_sent"] > 100
    kinds = {t["kind"]: t for t in p["tracks"]}
    assert kinds["video"]["codec"].lower().startswith(("vp8", "vp9", "h264", "av1"))
    assert kinds["audio"]["codec"].lower().startswith("opus")


def test_garbage_on_the_media_port_does_not_disturb_a_call(bridged, chromium):
    start_echo(bridged, chromium)
    wait_for(lambda: page_stats(chromium).get("video", {}).get("framesDecoded", 0) >= 30, 30, what="first frames")
    before = page_stats(chromium)["video"]["framesDecoded"]
    rng = random.Random(7)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sent = 0
    for i in range(3000):
        kind = i % 5
        if kind == 0:
            data = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 1400)))
        elif kind == 1:  # looks like SRTP, fails authentication
            data = bytes([0x80, 0x60]) + bytes(rng.getrandbits(8) for _ in range(200))
        elif kind == 2:  # looks like STUN, truncated / wrong integrity
            data = bytes([0x00, 0x01, 0x00, 0x08, 0x21, 0x12, 0xA4, 0x42]) + bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 40)))
        elif kind == 3:  # looks like DTLS from an unknown address
            data = bytes([22, 0xFE, 0xFD]) + bytes(rng.getrandbits(8) for _ in range(100))
        else:
            data = b""
        sock.sendto(data, ("127.0.0.1", bridged.media_port))
        sent += 1
        if i % 200 == 0:
            time.sleep(0.01)
    time.sleep(2)
    after = page_stats(chromium)["video"]["framesDecoded"]
    assert after > before + 30, f"video stalled under garbage: {before} -> {after}"
    status, stats = bridged.get("/v1/stats")
    assert status == 200
    dropped = stats["dropped"]
    assert sum(dropped.values()) >= 2000, dropped
    assert bridged.proc.poll() is None
    # Dropped per reason, never logged one by one.
    assert bridged.logs().count("drop") < 10
