#!/usr/bin/env python3
"""Conference load: N Chromium members (fake camera at 1280x720, fake microphone) in one
conference room of a release bridged; each publishes and receives the N-1 others.

Measures bridged's CPU (from /proc, % of one core and µs per packet it sent), the packets it
received and sent per second, and each member's join-to-first-frame time (its offer to the
first remote video frame shown). Chromium does the encoding and decoding, so on a small machine
it, not the bridge, is what limits the frame rate; the bridge's cost per packet is the figure.

  Benchmarks/conference/run.sh [N]      (default 6; runs inside a loopback-only namespace)
"""
import json
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from conftest import Bridged, wait_for  # noqa: E402
import test_chromium_echo  # noqa: E402
from test_conference import member_stats  # noqa: E402


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    window = float(os.environ.get("CONF_WINDOW", "20"))
    driver = test_chromium_echo.start_chromium()
    b = Bridged("--workers", "1")
    try:
        assert b.post("/v1/rooms", {"id": "bench", "kind": "conference"})[0] == 201
        handles, joins = [], []
        for i in range(n):
            driver.switch_to.new_window("tab")
            driver.get(b.base + "/?room=bench&role=member&autostart=1&canvas=1&width=1280&height=720")
            wait_for(lambda: driver.execute_script("return window.bridged.state") in ("connected", "error"), 30, what="member joined")
            handles.append(driver.current_window_handle)
        for i, h in enumerate(handles):
            driver.switch_to.window(h)
            wait_for(lambda: driver.execute_script("return window.bridged.firstFrameAt") > 0, 60, what=f"member {i} first frame")
            if i > 0:  # the first member's first frame waits for the second to join
                joins.append(driver.execute_script("return window.bridged.firstFrameAt - window.bridged.offerAt"))
        time.sleep(3)
        s0, c0, t0 = b.get("/v1/stats")[1], cpu_seconds(b.proc.pid), time.monotonic()
        frames0 = sum(v.get("framesDecoded") or 0 for h in handles for v in member_stats(driver, h).values() if v["kind"] == "video")
        time.sleep(window)
        s1, c1, t1 = b.get("/v1/stats")[1], cpu_seconds(b.proc.pid), time.monotonic()
        last = [v for h in handles for v in member_stats(driver, h).values() if v["kind"] == "video"]
        frames1 = sum(v.get("framesDecoded") or 0 for v in last)
        sizes = sorted(f"{v.get('frameWidth')}x{v.get('frameHeight')}" for v in last)
        elapsed = t1 - t0
        sent = s1["datagrams_sent"] - s0["datagrams_sent"]
        received = s1["datagrams_received"] - s0["datagrams_received"]
        cpu = c1 - c0
        joins.sort()
        result = {
            "members": n, "window_s": round(elapsed, 1), "resolution": "1280x720",
            "bridged_cpu_pct": round(100 * cpu / elapsed, 2),
            "bridged_us_per_sent_packet": round(1e6 * cpu / max(1, sent), 2),
            "packets_received_per_s": round(received / elapsed), "packets_sent_per_s": round(sent / elapsed),
            "mbit_in": round(8 * (s1["bytes_received"] - s0["bytes_received"]) / elapsed / 1e6, 2),
            "mbit_out": round(8 * (s1["bytes_sent"] - s0["bytes_sent"]) / elapsed / 1e6, 2),
            "decoded_sizes": {size: sizes.count(size) for size in set(sizes)},
            "decoded_fps_per_stream": round((frames1 - frames0) / elapsed / (n * (n - 1)), 1),
            "join_to_first_frame_ms": {"min": round(joins[0]), "median": round(joins[len(joins) // 2]), "max": round(joins[-1])},
            "dropped": s1["dropped"],
        }
        print(json.dumps(result, indent=2))
        out = os.environ.get("CONF_JSON")
        if out:
            json.dump(result, open(out, "w"), indent=2)
    finally:
        b.stop()
        test_chromium_echo.stop_chromium(driver)


if __name__ == "__main__":
    main()
