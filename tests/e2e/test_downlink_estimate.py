"""A viewer's downlink estimate picks its simulcast encoding. A headless Chromium publisher sends
three VP8 encodings (RIDs q, h, f: 320x180, 640x360, 1280x720 of the fake camera) and three
receivers watch it: A on a clean link, B through a relay whose bridge-to-B direction is then
capped at 500 kbit/s (a 200 ms drop-tail queue), C bounded to the lowest encoding by the API.

The bridge numbers what it sends B (transport-wide sequence numbers), reads B's transport-cc
feedback and estimates B's downlink: under the cap B must be moved to a lower encoding within
10 s without its picture freezing for a second, and once the cap is lifted it must probe back
up to 1280x720 within 15 s. A stays on the best encoding and C on the lowest throughout.
Participant info's `estimated_downlink` (bits per second) is printed where the bridge gives it.
"""
import re
import time

from conftest import wait_for
from impairment import Link, Relay
from test_chromium_echo import chromium  # noqa: F401  (fixture)
from test_chromium_streaming import open_page
from test_simulcast import PAGE as SIMULCAST_PAGE, set_video, video_in
from test_uplink_feedback import PAGE as RELAY_PAGE, run

CAP_BPS = 500_000
QUEUE_MS = 200
OPEN_S = 4         # watched on the open link before the cap
CAPPED_S = 15      # the cap stays on this long
DOWN_WITHIN = 10   # B on a lower encoding within this long of the cap
UP_WITHIN = 15     # B back at the best within this long of the lift
SETTLED_S = 3      # watched on after B is back up
TICK = 0.5

# On top of test_simulcast's page (window.pcs, join, publish, view, videoIn) and
# test_uplink_feedback's (window.viaRelay: the bridge's candidates pointed at a relay's port):
# a receiver whose every remote description (the answer, and a conference's later offers on the
# signaling socket) is pointed at `port` (0: the bridge itself).
PAGE = r"""
window.signalErrors = [];
window.receive = async (base, room, name, role, port) => {
    const pc = new RTCPeerConnection();
    pc.addTransceiver('audio', {direction: 'recvonly'});
    pc.addTransceiver('video', {direction: 'recvonly'});
    window.pcs[name] = pc;
    const remote = (sdp) => port ? window.viaRelay(sdp, port) : sdp;
    await pc.setLocalDescription(await pc.createOffer());
    const r = await fetch(`${base}/v1/rooms/${room}/participants`, {method: 'POST',
        headers: {'content-type': 'application/json'}, body: JSON.stringify({offer: pc.localDescription.sdp, role})});
    const j = await r.json();
    if (r.status !== 201) throw new Error(JSON.stringify(j));
    await pc.setRemoteDescription({type: 'answer', sdp: remote(j.answer)});
    if (role === 'member') {
        // A conference member: the bridge offers the others' tracks on its signaling socket.
        const ws = new WebSocket(`${base.replace('http', 'ws')}/v1/rooms/${room}/participants/${j.id}/signal`);
        let chain = Promise.resolve();
        ws.onmessage = (ev) => { chain = chain.then(async () => {
            const m = JSON.parse(ev.data);
            if (m.type === 'error') { window.signalErrors.push(m); return; }
            if (m.type !== 'offer' || pc.signalingState !== 'stable') return;
            await pc.setRemoteDescription({type: 'offer', sdp: remote(m.sdp)});
            await pc.setLocalDescription(await pc.createAnswer());
            ws.send(JSON.stringify({type: 'answer', sdp: pc.localDescription.sdp, revision: m.revision}));
        }).catch((e) => window.signalErrors.push(String(e))); };
        await new Promise((ok, fail) => { ws.onopen = ok; ws.onerror = fail; });
        (window.sockets = window.sockets || {})[name] = ws;
    }
    return {id: j.id, answer: j.answer};
};
// The remote port of the receiver's selected candidate pair (the relay's, if it goes through one),
// and what the bridge last described to it.
window.route = async (name) => {
    const pc = window.pcs[name], stats = await pc.getStats();
    let port = 0;
    stats.forEach((r) => {
        if (r.type !== 'transport' || !r.selectedCandidatePairId) return;
        const pair = stats.get(r.selectedCandidatePairId), remote = pair && stats.get(pair.remoteCandidateId);
        if (remote) port = remote.port;
    });
    return {port, sdp: pc.remoteDescription ? pc.remoteDescription.sdp : ''};
};
// The receiver's video: its height, and what it asked to be repaired and got.
window.repairs = async (name) => {
    let v = {};
    (await window.pcs[name].getStats()).forEach((r) => { if (r.type === 'inbound-rtp' && r.kind === 'video') v = r; });
    return {frameHeight: v.frameHeight || 0, nacks: v.nackCount || 0, plis: v.pliCount || 0, lost: v.packetsLost || 0,
            rtx: v.retransmittedPacketsReceived || 0, packets: v.packetsReceived || 0};
};
"""


def load_page(driver):
    """The three scripts, in this order (the last videoIn wins: test_simulcast's, by name)."""
    for script in (RELAY_PAGE, SIMULCAST_PAGE, PAGE):
        driver.execute_script(script)


def candidate_port(sdp):
    return int(re.search(r"^a=candidate:\S+ \d+ udp \d+ 127\.0\.0\.1 (\d+)", sdp, re.M | re.I).group(1))


def receive(driver, bridged, room, name, role, relay=None):
    joined = run(driver, "return await window.receive(...args);", bridged.base, room, name, role, relay.port if relay else 0)
    assert "error" not in joined, joined
    if relay:
        relay.set_target(candidate_port(joined["answer"]))  # the port of the worker that serves it
    return joined["id"]


def cap(link, rate_bps=CAP_BPS, queue_ms=QUEUE_MS):
    """Puts a rate cap on a running Link (the relay's thread reads these per packet: the queue's
    size first, so that a rate is never seen without one)."""
    link.queue_bytes = int(rate_bps * queue_ms / 1000 / 8)
    link.rate_bps = rate_bps


def lift(link):
    """Takes the cap off a running Link. Not rate_bps None: the relay's thread could read it between
    its check of the rate and its division by it; 10 Gbit/s with a 1 s queue is no cap for a
    video stream, and packets queued under the cap still leave first, in order."""
    link.queue_bytes = 10_000_000_000 // 8
    link.rate_bps = 10_000_000_000


def ranked_encodings(bridged, room, pid):
    """The publisher's three encodings, once the bridge has ranked them by their key frames' width."""
    def encodings():
        p = bridged.get(f"/v1/rooms/{room}/participants/{pid}")[1]
        video = [t for t in p["tracks"] if t["kind"] == "video" and t.get("encodings")]
        return video[0]["encodings"] if video else []
    wait_for(lambda: len(encodings()) == 3 and all(e.get("width") for e in encodings()), 30,
             what="the publisher's three encodings ranked")
    ranked = encodings()
    assert [e["width"] for e in ranked] == [320, 640, 1280], ranked
    return ranked


def received_video(bridged, room, pid):
    """The participant, and the video it receives (a viewer's track; a member's received track)."""
    p = bridged.get(f"/v1/rooms/{room}/participants/{pid}")[1]
    videos = [t for t in p.get("tracks", []) if t["kind"] == "video"]
    received = [t for t in videos if t.get("track")] or videos
    return p, (received[0] if received else {})


def sample(bridged, driver, room, viewers):
    s = {"at": time.monotonic()}
    for name, pid in viewers.items():
        p, track = received_video(bridged, room, pid)
        s[name] = {**video_in(driver, name), "layer": track.get("layer"), "estimate": p.get("estimated_downlink"),
                   "probes": p.get("downlink_probes") or 0, "bytes_sent": p.get("bytes_sent") or 0}
    return s


def watch(bridged, driver, room, viewers, until):
    """Samples every TICK until `until(samples)` is true; the samples."""
    samples = []
    while True:
        samples.append(sample(bridged, driver, room, viewers))
        if until(samples):
            return samples
        time.sleep(max(0.0, samples[-1]["at"] + TICK - time.monotonic()))


def longest_stall(samples, name):
    """The longest span over which the viewer decoded nothing (at least; within a TICK)."""
    longest, since, last = 0.0, None, None
    for s in samples:
        frames = s[name]["framesDecoded"]
        if frames != last:
            since, last = s["at"], frames
        else:
            longest = max(longest, s["at"] - since)
    return longest


def negotiated(sdp):
    """What the bridge's description to B offers for the downlink estimate."""
    return {"transport-cc": bool(re.search(r"^a=rtcp-fb:\S+ transport-cc", sdp, re.M)),
            "transport-wide-cc extension": "transport-wide-cc-extensions" in sdp,
            "rtx": bool(re.search(r"^a=rtpmap:\d+ rtx/90000", sdp, re.M))}


def cap_and_lift(bridged, driver, room, viewers, relay, top, lowest):
    """With A at `top` wide, B at `top` through the uncapped relay and C at `lowest`: watches
    them OPEN_S on the open link, caps B's downlink for CAPPED_S, then lifts the cap; everything
    a user of each would have seen."""
    def at(name, width):
        v = video_in(driver, name)
        return v["frameWidth"] == width and v["framesDecoded"] > 30
    for name, width in (("a", top), ("b", top), ("c", lowest)):
        try:
            wait_for(lambda: at(name, width), 25, what=f"viewer {name} decoding {width} wide before the cap")
        except AssertionError as e:
            s = sample(bridged, driver, room, viewers)
            raise AssertionError(f"{e}\n  on the open link (nothing capped yet) each viewer's width, layer and "
                                 f"estimated_downlink: " + ", ".join(f"{n} {s[n]['frameWidth']} {s[n]['layer']} {s[n]['estimate']}"
                                                                     for n in viewers)) from None
    route_b, route_a = run(driver, "return await window.route('b');"), run(driver, "return await window.route('a');")
    assert route_b["port"] == relay.port and route_a["port"] != relay.port, (route_a["port"], route_b["port"], relay.port)
    assert relay.downlink.packets > 100, "B's media does not come through the relay"

    # On the open link: what the bridge sends B, and that A and B stay on the best.
    opened = time.monotonic()
    open_link = watch(bridged, driver, room, viewers, lambda ss: ss[-1]["at"] - opened >= OPEN_S)
    open0, open1 = open_link[0], open_link[-1]
    open_kbps = (open1["b"]["bytes_sent"] - open0["b"]["bytes_sent"]) * 8 / 1000 / (open1["at"] - open0["at"])

    def repairs():
        return {name: run(driver, "return await window.repairs(args[0]);", name) for name in viewers}
    before = {name: video_in(driver, name) for name in viewers}
    repairs_before = repairs()
    capped_at = time.monotonic()
    cap(relay.downlink)
    relay.downlink.reset()
    capped = watch(bridged, driver, room, viewers, lambda ss: ss[-1]["at"] - capped_at >= CAPPED_S)
    link = relay.downlink.summary()
    end_of_cap = {name: video_in(driver, name) for name in viewers}
    repairs_capped = repairs()

    lifted_at = time.monotonic()
    lift(relay.downlink)

    def first(samples, since, ok):
        """How long after `since` B was first seen decoding (frames since the sample before) as `ok` says."""
        hit = next((s for p, s in zip(samples, samples[1:]) if ok(s["b"]) and s["b"]["framesDecoded"] > p["b"]["framesDecoded"]), None)
        return hit["at"] - since if hit else None

    def back_up(b):
        return b["frameWidth"] == top and b["layer"] == 2

    def settled(ss):
        up = first([capped[-1]] + ss, lifted_at, back_up)
        return ss[-1]["at"] - lifted_at >= UP_WITHIN or (up is not None and ss[-1]["at"] - lifted_at - up >= SETTLED_S)
    lifted = watch(bridged, driver, room, viewers, settled)
    after = {name: video_in(driver, name) for name in viewers}
    repairs_after = repairs()
    return {
        "open_kbps": open_kbps, "open_estimate": open1["b"]["estimate"], "negotiated": negotiated(route_b["sdp"]),
        "capped_at": capped_at, "lifted_at": lifted_at, "open": open_link, "capped": capped, "lifted": lifted, "link": link,
        "before": before, "end_of_cap": end_of_cap, "after": after, "repairs": (repairs_before, repairs_capped, repairs_after),
        "down": first(capped, capped_at, lambda b: b["layer"] is not None and b["layer"] < 2 and 0 < b["frameWidth"] < top),
        "up": first([capped[-1]] + lifted, lifted_at, back_up),
    }


def delta(o, name, field, start="before", end="end_of_cap"):
    return o[end][name][field] - o[start][name][field]


def report(label, o, top, lowest):
    """Prints the figures, then asserts: the harness (A, C, the cap) first, then B."""
    samples = o["open"] + o["capped"] + o["lifted"]
    elapsed = samples[-1]["at"] - samples[0]["at"]

    def moves(name):
        out, last = [], None
        for s in samples:
            now = (s[name]["layer"], s[name]["frameWidth"])
            if now != last:
                if s["at"] < o["capped_at"]:
                    when = f"open{s['at'] - o['capped_at']:.1f}s"
                elif s["at"] < o["lifted_at"]:
                    when = f"cap+{s['at'] - o['capped_at']:.1f}s"
                else:
                    when = f"lift+{s['at'] - o['lifted_at']:.1f}s"
                out.append(f"{when} layer {now[0]} {now[1]}w")
                last = now
        return ", ".join(out)

    def estimates(name):
        """The viewer's estimated_downlink in kbit/s, about every second, by seconds since the cap."""
        return " ".join(f"{s['at'] - o['capped_at']:.0f}s:{'-' if s[name]['estimate'] is None else round(s[name]['estimate'] / 1000)}"
                        f"/p{s[name]['probes']}" for s in samples[::2])
    frozen_b = delta(o, "b", "totalFreezesDuration")
    stall_b = longest_stall(o["capped"], "b")
    fps_b = delta(o, "b", "framesDecoded") / CAPPED_S
    link = o["link"]
    sent_kbps = (o["capped"][-1]["b"]["bytes_sent"] - o["capped"][0]["b"]["bytes_sent"]) * 8 / 1000 \
        / (o["capped"][-1]["at"] - o["capped"][0]["at"])
    r0, r1, r2 = o["repairs"]
    nacks, plis, rtx, lost = (r1["b"][k] - r0["b"][k] for k in ("nacks", "plis", "rtx", "lost"))
    down = "never" if o["down"] is None else f"{o['down']:.1f} s"
    up = "never" if o["up"] is None else f"{o['up']:.1f} s"
    print(f"\n{label}: B's downlink capped at {CAP_BPS // 1000} kbit/s ({QUEUE_MS} ms queue) for {CAPPED_S} s, then lifted "
          f"(lifted at cap+{o['lifted_at'] - o['capped_at']:.1f} s)\n"
          f"  B on a lower encoding (API and decoded) after: {down}; back to {top} wide (layer 2) after the lift: {up}\n"
          f"  B while capped: {delta(o, 'b', 'freezeCount')} freezes ({frozen_b:.2f} s), longest stall {stall_b:.1f} s, "
          f"{fps_b:.1f} fps; the bridge sent B {sent_kbps:.0f} kbit/s, the link carried {link['kbps']:.0f} kbit/s, drops {link['drop_percent']:.1f}%, "
          f"queue p50 {link['queue_p50_ms']:.0f} ms p95 {link['queue_p95_ms']:.0f} ms\n"
          f"  B asked while capped: {nacks} NACKs, {plis} PLIs; {rtx} packets came in RTX, {lost} lost "
          f"(on the open link before the cap the bridge sent B {o['open_kbps']:.0f} kbit/s, estimated_downlink "
          f"{'-' if o['open_estimate'] is None else round(o['open_estimate'] / 1000)} kbit/s)\n"
          f"  B's layer/width: {moves('b')}\n"
          f"  B's estimated_downlink (kbit/s, by seconds since the cap): {estimates('b')}\n"
          f"  A: {moves('a')}; {delta(o, 'a', 'freezeCount', end='after')} freezes "
          f"({delta(o, 'a', 'totalFreezesDuration', end='after'):.2f} s) over {elapsed:.0f} s\n"
          f"  C: {moves('c')}; {delta(o, 'c', 'freezeCount', end='after')} freezes\n"
          f"  B negotiated: {o['negotiated']}")

    # A: the best encoding throughout (1280x720), decoding on.
    assert all(s["a"]["frameWidth"] == top for s in samples), \
        f"A, on a clean link, left {top} wide: {moves('a')}; A's estimated_downlink {estimates('a')}"
    assert r0["a"]["frameHeight"] == r2["a"]["frameHeight"] == top * 9 // 16, (r0["a"], r2["a"])
    assert longest_stall(samples, "a") <= 1.0 and delta(o, "a", "totalFreezesDuration", end="after") < 1.0, \
        f"A froze: {o['before']['a']} -> {o['after']['a']}"
    # C: the lowest encoding throughout (its bound), decoding on.
    assert all(s["c"]["frameWidth"] == lowest and s["c"]["layer"] == 0 for s in samples), f"C left {lowest} wide: {moves('c')}"
    assert longest_stall(samples, "c") <= 1.0, "C stopped decoding"
    # The cap was there: B's media went over the link, which carried no more than the cap.
    assert link["packets"] > 100 and link["kbps"] <= CAP_BPS / 1000 * 1.05, link

    context = (f"B's layer/width {moves('b')}; estimated_downlink {estimates('b')}; the bridge sent B {sent_kbps:.0f} "
               f"kbit/s, the link carried {link['kbps']:.0f} kbit/s, drops {link['drop_percent']:.1f}%; "
               f"B sent {nacks} NACKs, {plis} PLIs; B negotiated {o['negotiated']}")
    # B: on the best while its link is open (so that moving down is the cap's doing).
    assert all(s["b"]["frameWidth"] == top and s["b"]["layer"] == 2 for s in o["open"]), \
        f"B was not on the best ({top} wide, layer 2) on the open link before the cap: {context}"
    # B: down within DOWN_WITHIN of the cap, on the API and in what it decodes.
    assert o["down"] is not None and o["down"] <= DOWN_WITHIN, \
        f"B was not moved to a lower encoding within {DOWN_WITHIN} s of a {CAP_BPS // 1000} kbit/s cap (moved: {down}): {context}"
    # ...without its picture stopping for a second while capped.
    assert frozen_b <= 1.0 and stall_b <= 1.0, \
        f"B froze while capped: {frozen_b:.2f} s of freezes, longest stall {stall_b:.1f} s ({o['before']['b']} -> {o['end_of_cap']['b']}): {context}"
    # ...and kept below the best while the cap was on (it would not fit).
    last = o["capped"][-1]["b"]
    assert last["frameWidth"] < top and last["layer"] is not None and last["layer"] < 2, f"B went back up under the cap: {context}"
    # B: back to the best within UP_WITHIN of the lift.
    assert o["up"] is not None and o["up"] <= UP_WITHIN, f"B was not back at {top} wide within {UP_WITHIN} s of the lift: {context}"
    assert o["lifted"][-1]["b"]["frameWidth"] == top, f"B did not stay at {top} wide: {context}"


def test_a_capped_viewer_moves_down_and_back_up(bridged, chromium):
    assert bridged.post("/v1/rooms", {"id": "down", "kind": "streaming"})[0] == 201
    chromium.get(bridged.base + "/v1/health")
    load_page(chromium)
    published = run(chromium, "return await window.publish(...args);", bridged.base, "down")
    assert "error" not in published, published
    ranked = ranked_encodings(bridged, "down", published["id"])
    top, lowest = ranked[-1]["width"], ranked[0]["width"]

    relay = Relay(bridged.media_port, downlink=Link())
    try:
        viewers = {"a": receive(chromium, bridged, "down", "a", "viewer"),
                   "b": receive(chromium, bridged, "down", "b", "viewer", relay),
                   "c": receive(chromium, bridged, "down", "c", "viewer")}
        assert set_video(bridged, "down", viewers["c"], {"max_spatial": 0})[0]["max_spatial"] == 0
        observed = cap_and_lift(bridged, chromium, "down", viewers, relay, top, lowest)
    finally:
        relay.close()
    report("streaming", observed, top, lowest)


def test_the_same_in_a_conference(bridged, chromium):
    """One member (the demo page, ?simulcast=1, as test_simulcast's conference test) publishes
    three encodings of a 1280x720 camera; three members that publish nothing receive it: A, B
    through the capped relay, C bounded to the lowest."""
    assert bridged.post("/v1/rooms", {"id": "downc", "kind": "conference"})[0] == 201
    open_page(chromium, bridged.base + "/?room=downc&role=member&autostart=1&canvas=1&simulcast=1&width=1280&height=720")
    publisher = chromium.execute_script("return window.bridged.participant")
    ranked = ranked_encodings(bridged, "downc", publisher)
    top, lowest = ranked[-1]["width"], ranked[0]["width"]

    # The receivers in a tab of their own (the publisher's keeps running behind it).
    chromium.switch_to.new_window("tab")
    chromium.get(bridged.base + "/v1/health")
    load_page(chromium)
    relay = Relay(bridged.media_port, downlink=Link())
    try:
        viewers = {"a": receive(chromium, bridged, "downc", "a", "member"),
                   "b": receive(chromium, bridged, "downc", "b", "member", relay),
                   "c": receive(chromium, bridged, "downc", "c", "member")}
        assert all(t.get("max_spatial") == 0 for t in set_video(bridged, "downc", viewers["c"], {"max_spatial": 0}))
        observed = cap_and_lift(bridged, chromium, "downc", viewers, relay, top, lowest)
        errors = chromium.execute_script("return window.signalErrors")
    finally:
        relay.close()
    assert not errors, errors
    report("conference", observed, top, lowest)
