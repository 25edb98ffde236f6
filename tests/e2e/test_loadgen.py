"""The benchmark's load generator (Benchmarks/LoadGen) against bridged: 40 WebRTC viewers of its
own (full ICE, DTLS client, SRTP with every tag checked) in one process, a real VP8 + Opus
stream. Checks what the benchmark relies on, and that GSO coalesces a bursty source."""
import json
import os
import re
import subprocess
import urllib.request

import pytest

from conftest import ROOT, Bridged

LOADGEN = os.environ.get("LOADGEN_BIN", os.path.join(ROOT, "Benchmarks", "LoadGen", ".build", "release", "loadgen"))
VIEWERS = 40


def metric(text, name):
    m = re.search(rf"^{name} ([0-9.e+]+)$", text, re.M)
    return float(m.group(1)) if m else None


@pytest.mark.parametrize("gso", [True, False], ids=["gso", "no-gso"])
def test_loadgen_viewers_get_every_packet(gso, tmp_path):
    assert os.path.exists(LOADGEN), f"{LOADGEN} missing: (cd Benchmarks/LoadGen && swift build -c release)"
    bridged = Bridged("--workers", "2", *([] if gso else ["--no-gso"]))
    try:
        out = tmp_path / "run.json"
        run = subprocess.run([LOADGEN, "--url", bridged.base, "--viewers", str(VIEWERS), "--duration", "3",
                              "--warmup", "1", "--pace-us", "0", "--server-pid", str(bridged.proc.pid),
                              "--json", str(out)], capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        r = json.loads(out.read_text())
        print(f"\nloadgen ({'gso' if gso else 'no gso'}): {r['cpu_us_per_packet']:.2f} us/packet, "
              f"delay p50/p99 {r['delay_ms']['p50']:.2f}/{r['delay_ms']['p99']:.2f} ms, join p99 {r['join_ms']['p99']:.0f} ms")
        assert r["viewers_with_media"] == VIEWERS
        assert r["auth_failures"] == 0
        assert r["loss_pct"] < 0.5
        assert r["delivered_pct"] > 97
        assert r["delay_samples"] > VIEWERS * 300  # video packets recognised by payload
        assert r["join_ms"]["p99"] < 5000
        assert set(r["srtp_profiles"]) == {"aeadAes128Gcm"}
        # A frame's packets arrive together: GSO sends them to each viewer in one message.
        with urllib.request.urlopen(bridged.base + "/metrics", timeout=10) as m:
            metrics = m.read().decode()
        segmented = metric(metrics, "bridged_segmented_packets_total")
        assert segmented is not None
        assert (segmented > 1000) if gso else (segmented == 0), segmented
    finally:
        bridged.stop()
