"""50 Pion viewers (an independent Go WebRTC stack) on one Chromium streamer: every viewer
receives video and audio packets. Prints the bridge's CPU and memory for the closing note."""
import json
import os
import shutil
import subprocess
import time

import pytest

from conftest import ROOT, wait_for
from test_chromium_echo import chromium  # noqa: F401  (fixture)

WORK = "/tmp/bridged-pion"


@pytest.fixture(scope="session")
def pionviewers():
    """Builds tests/e2e/pion/pionviewers offline against Debian's Pion (GOPATH mode)."""
    src = os.path.join(WORK, "src", "pionviewers")
    shutil.rmtree(src, ignore_errors=True)
    shutil.copytree(os.path.join(ROOT, "tests", "e2e", "pion", "pionviewers"), src)
    env = {**os.environ, "GO111MODULE": "off", "GOPROXY": "off", "GOFLAGS": "",
           "GOPATH": f"{WORK}:/usr/share/gocode", "GOCACHE": os.path.join(WORK, "cache")}
    binary = os.path.join(WORK, "pionviewers")
    subprocess.run(["go", "build", "-o", binary, "."], cwd=src, env=env, check=True, timeout=600)
    return binary


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def test_fifty_pion_viewers(bridged, chromium, pionviewers):
    assert bridged.post("/v1/rooms", {"id": "big", "kind": "streaming"})[0] == 201
    chromium.get(bridged.base + "/?room=big&role=streamer&autostart=1")
    wait_for(lambda: chromium.execute_script("return window.bridged.state") == "connected", 20, what="streamer page")
    pid = bridged.proc.pid
    rss_before = rss_kib(pid)
    proc = subprocess.Popen([pionviewers, "-api", bridged.base, "-room", "big", "-n", "50", "-seconds", "10"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(5)  # joined and steady
    cpu0, t0 = cpu_seconds(pid), time.monotonic()
    time.sleep(4)
    cpu1, t1 = cpu_seconds(pid), time.monotonic()
    rss_during = rss_kib(pid)
    status, room = bridged.get("/v1/rooms/big")
    viewers = [p for p in room["participants"] if p["role"] == "viewer"]
    assert len(viewers) == 50 and all(p["state"] == "connected" for p in viewers)
    streamer = [p for p in room["participants"] if p["role"] == "streamer"][0]
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err[-2000:]
    results = json.loads(out)
    assert len(results) == 50
    errors = [r for r in results if r.get("error")]
    assert not errors, errors[:3]
    starved = [r for r in results if r["video_packets"] < 100 or r["audio_packets"] < 100]
    assert not starved, starved[:3]
    first = sorted(r["first_video_ms"] for r in results)
    # When the viewers closed their PeerConnections, the bridge let them go.
    wait_for(lambda: len(bridged.get("/v1/rooms/big")[1]["participants"]) == 1, 10, what="viewers gone")
    cpu = 100 * (cpu1 - cpu0) / (t1 - t0)
    print(f"\n1 streamer ({streamer['bitrate_in_bps'] / 1000:.0f} kbit/s in) + 50 Pion viewers: bridged CPU {cpu:.1f}% of a core, "
          f"RSS {rss_during / 1024:.1f} MiB ({(rss_during - rss_before) / 50:.0f} KiB per viewer), "
          f"join to first video packet p50 {first[25]} ms, max {first[-1]} ms")
