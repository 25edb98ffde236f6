"""On the lowest encoding, a viewer whose downlink does not carry even that one gets fewer VP8
temporal layers: a lower frame rate instead of a stalled picture. A headless Chromium streamer
sends three encodings (each with temporal layers, as Chromium's simulcast does); B and C are
bounded to the lowest by the API, B through a relay whose bridge-to-B direction is then capped
below that encoding's rate (plus audio), C on a clean link.

Under the cap the bridge's estimate of B's downlink must shed temporal layers (`temporal` in
B's track) within 10 s, after which B keeps decoding, at a lower frame rate than C, with no
stall of a second; once the cap lifts, B gets every layer again and C's frame rate.
"""
import re
import time
import urllib.request

from impairment import Link, Relay
from test_chromium_echo import chromium  # noqa: F401  (fixture)
from test_downlink_estimate import cap, lift, load_page, longest_stall, ranked_encodings, receive, watch
from test_simulcast import set_video, video_in
from test_uplink_feedback import run

CAP_BPS = 130_000
QUEUE_MS = 200
SHED_WITHIN = 10   # B on fewer temporal layers within this long of the cap
STEADY_S = 8       # then watched this long under the cap
BACK_WITHIN = 15   # every layer again within this long of the lift
TICK = 0.5


def temporal_of(bridged, pid):
    p = bridged.get(f"/v1/rooms/tl/participants/{pid}")[1]
    video = next(t for t in p["tracks"] if t["kind"] == "video")
    return video.get("temporal"), video.get("layer"), p.get("estimated_downlink")


def fps(samples, name):
    return (samples[-1][name]["framesDecoded"] - samples[0][name]["framesDecoded"]) / (samples[-1]["at"] - samples[0]["at"])


def test_a_viewer_below_the_lowest_encoding_gets_a_lower_frame_rate(bridged, chromium):
    assert bridged.post("/v1/rooms", {"id": "tl", "kind": "streaming"})[0] == 201
    chromium.get(bridged.base + "/v1/health")
    load_page(chromium)
    published = run(chromium, "return await window.publish(...args);", bridged.base, "tl")
    assert "error" not in published, published
    lowest = ranked_encodings(bridged, "tl", published["id"])[0]["width"]

    relay = Relay(bridged.media_port, downlink=Link())
    try:
        viewers = {"b": receive(chromium, bridged, "tl", "b", "viewer", relay),
                   "c": receive(chromium, bridged, "tl", "c", "viewer")}
        for pid in viewers.values():
            assert set_video(bridged, "tl", pid, {"max_spatial": 0})[0]["max_spatial"] == 0
        for name in viewers:
            start = time.monotonic()
            while not (video_in(chromium, name)["frameWidth"] == lowest and video_in(chromium, name)["framesDecoded"] > 60):
                assert time.monotonic() - start < 25, f"viewer {name} not decoding {lowest} wide"
                time.sleep(0.2)
        opened = time.monotonic()
        open_link = watch(bridged, chromium, "tl", viewers, lambda ss: ss[-1]["at"] - opened >= 4)
        assert temporal_of(bridged, viewers["b"])[0] is None, "B was on fewer temporal layers on an open link"

        capped_at = time.monotonic()
        cap(relay.downlink, CAP_BPS, QUEUE_MS)
        relay.downlink.reset()
        shed = None
        trace = []
        while time.monotonic() - capped_at < SHED_WITHIN:
            t, layer, estimate = temporal_of(bridged, viewers["b"])
            trace.append((round(time.monotonic() - capped_at, 1), t, layer, estimate and round(estimate / 1000)))
            if t is not None:
                shed = time.monotonic() - capped_at
                break
            time.sleep(TICK)
        steady_from = time.monotonic()
        steady = watch(bridged, chromium, "tl", viewers, lambda ss: ss[-1]["at"] - steady_from >= STEADY_S)
        link = relay.downlink.summary()
        t_steady = temporal_of(bridged, viewers["b"])
        # The node's view: /v1/stats and /metrics count B's copy as short of temporal layers.
        downlink = bridged.get("/v1/stats")[1]["downlink"]
        with urllib.request.urlopen(bridged.base + "/metrics") as m:
            metrics = m.read().decode()
        before_b = steady[0]["b"]
        after_b = steady[-1]["b"]

        lifted_at = time.monotonic()
        lift(relay.downlink)
        back = None
        while time.monotonic() - lifted_at < BACK_WITHIN:
            t, layer, estimate = temporal_of(bridged, viewers["b"])
            trace.append((round(time.monotonic() - capped_at, 1), t, layer, estimate and round(estimate / 1000)))
            if t is None:
                back = time.monotonic() - lifted_at
                break
            time.sleep(TICK)
        settled_from = time.monotonic()
        settled = watch(bridged, chromium, "tl", viewers, lambda ss: ss[-1]["at"] - settled_from >= 4)
    finally:
        relay.close()

    print(f"\ntemporal layers: B (lowest encoding) capped at {CAP_BPS // 1000} kbit/s: fewer layers after "
          f"{'never' if shed is None else f'{shed:.1f} s'} (then {t_steady}); under the cap B {fps(steady, 'b'):.1f} fps, "
          f"C {fps(steady, 'c'):.1f} fps, B's longest stall {longest_stall(steady, 'b'):.1f} s, freezes "
          f"{after_b['freezeCount'] - before_b['freezeCount']} ({after_b['totalFreezesDuration'] - before_b['totalFreezesDuration']:.2f} s); "
          f"link {link['kbps']:.0f} kbit/s, drops {link['drop_percent']:.1f}%, queue p95 {link['queue_p95_ms']:.0f} ms; "
          f"every layer again {'never' if back is None else f'{back:.1f} s'} after the lift, then B {fps(settled, 'b'):.1f} fps, "
          f"C {fps(settled, 'c'):.1f} fps; open link B {fps(open_link, 'b'):.1f} C {fps(open_link, 'c'):.1f} fps\n"
          f"  (seconds since the cap, temporal, layer, estimated_downlink kbit/s): {trace}")
    assert link["packets"] > 100 and link["kbps"] <= CAP_BPS / 1000 * 1.05, link
    assert downlink["copies_with_fewer_temporal_layers"] == 1 and downlink["copies_by_layer"].get("0") == 2, downlink
    assert downlink["receivers"] >= 1 and downlink["estimate_sum"] > 0, downlink
    assert re.search(r"^bridged_video_copies_fewer_temporal_layers 1(\.0)?$", metrics, re.M), metrics
    assert re.search(r'^bridged_video_copies\{layer="0"\} 2(\.0)?$', metrics, re.M), metrics
    assert shed is not None, f"B kept every temporal layer under the cap: {trace}"
    # Under the cap B decodes on, fewer frames than C, its picture never stopping for a second.
    assert fps(steady, "b") >= 3 and fps(steady, "b") < 0.8 * fps(steady, "c"), (fps(steady, "b"), fps(steady, "c"))
    assert longest_stall(steady, "b") <= 1.0, longest_stall(steady, "b")
    assert after_b["totalFreezesDuration"] - before_b["totalFreezesDuration"] <= 1.0, (before_b, after_b)
    # The cap lifted: every layer again, at C's frame rate.
    assert back is not None, f"B did not get every temporal layer back within {BACK_WITHIN} s: {trace}"
    assert fps(settled, "b") >= 0.85 * fps(settled, "c"), (fps(settled, "b"), fps(settled, "c"))
