"""Random loss, 5%, on a viewer's link and on the streamer's uplink: the viewer decodes as well
as the receiver of a direct call through the same loss (the bridge resends what a viewer
asks for from its ring), and a loss on the uplink is asked for once by the bridge (NACK) and
repaired for every viewer and for the recording."""
import os
import subprocess
import tempfile
import time

from conftest import Bridged, wait_for
from impairment import Link, Relay
from test_chromium_echo import chromium  # noqa: F401  (fixture)
from test_uplink_feedback import open_page, run, start_bridged_call, start_direct_call

WARM_UP = 6
WINDOW = 20
LOSS = 0.05


def receiver(driver):
    return run(driver, "return await window.videoIn(window.rx);")


def frames_sent(driver):
    return run(driver, """
        let n = 0;
        (await window.tx.getStats()).forEach((r) => { if (r.type === 'outbound-rtp' && r.kind === 'video') n = r.framesSent || 0; });
        return n;""")


def retransmissions(driver):
    """The sender's NACKs received and packets sent again (outbound-rtp), the receiver's NACKs sent."""
    return run(driver, """
        const out = {};
        (await window.tx.getStats()).forEach((r) => { if (r.type === 'outbound-rtp' && r.kind === 'video') {
            out.nacks_received = r.nackCount || 0; out.resent = r.retransmittedPacketsSent || 0; } });
        (await window.rx.getStats()).forEach((r) => { if (r.type === 'inbound-rtp' && r.kind === 'video') {
            out.nacks_sent = r.nackCount || 0; out.lost = r.packetsLost || 0;
            out.rtx_received = r.retransmittedPacketsReceived || 0; } });
        return out;""")


def window(driver):
    """Frames the sender sent and the receiver decoded over the window, and the receiver's freezes."""
    wait_for(lambda: receiver(driver)["framesDecoded"] > 0, 20, what="first decoded frame")
    time.sleep(WARM_UP)
    sent0, before = frames_sent(driver), receiver(driver)
    time.sleep(WINDOW)
    sent1, after = frames_sent(driver), receiver(driver)
    return {"resends": retransmissions(driver), "sent": sent1 - sent0, "decoded": after["framesDecoded"] - before["framesDecoded"],
            "freezes": after["freezeCount"] - before["freezeCount"],
            "frozen_s": after["totalFreezesDuration"] - before["totalFreezesDuration"]}


def direct(driver, bridged):
    """The same camera to a second PeerConnection, with LOSS on the way to it."""
    open_page(driver, bridged)
    relay = Relay(None, uplink=Link(loss=LOSS, media_only=True, seed=3))
    try:
        start_direct_call(driver, relay)
        return window(driver)
    finally:
        run(driver, "window.tx.close(); window.rx.close(); return {};")
        relay.close()


def show(label, m):
    return (f"{label}: sent {m['sent']} frames, decoded {m['decoded']}, {m['freezes']} freezes ({m['frozen_s']:.2f} s); "
            f"sender got {m['resends']['nacks_received']} NACKs, resent {m['resends']['resent']} packets; "
            f"receiver sent {m['resends']['nacks_sent']} NACKs, got {m['resends']['rtx_received']} in RTX")


def test_a_lossy_viewer_decodes_as_in_a_direct_call(bridged, chromium):
    assert bridged.post("/v1/rooms", {"id": "lossy", "kind": "streaming"})[0] == 201
    open_page(chromium, bridged)
    relay = Relay(bridged.media_port, downlink=Link(loss=LOSS, media_only=True, seed=3))
    try:
        joined = start_bridged_call(chromium, bridged, None, "lossy", viewer_relay=relay)
        through = window(chromium)
        viewer = bridged.get(f"/v1/rooms/lossy/participants/{joined['viewer']}")[1]
        run(chromium, "window.tx.close(); window.rx.close(); return {};")
    finally:
        relay.close()
    reference = direct(chromium, bridged)
    print(f"\n{LOSS:.0%} loss to the receiver, {WINDOW} s window\n  " + show("viewer through bridged", through)
          + f" ({relay.downlink.lost} packets lost on its link)\n  " + show("direct call           ", reference))
    assert relay.downlink.lost > 50
    # One freeze either way is the noise of a 20 s window with random loss (seen in both calls).
    assert through["freezes"] <= reference["freezes"] + 1, (through, reference)
    assert through["frozen_s"] <= reference["frozen_s"] + 0.5, (through, reference)
    assert through["decoded"] >= 0.9 * reference["decoded"], (through, reference)
    assert viewer["rtcp_received"] > 0 and viewer["packets_sent"] > 0
    # The bridge's resends reach the viewer in RTX (it offered RTX).
    assert through["resends"]["rtx_received"] > 0, through


def test_uplink_loss_is_repaired_for_the_viewer_and_the_recording(chromium):
    directory = tempfile.mkdtemp(prefix="bridged-loss-")
    b = Bridged(env={"BRIDGED_RECORDING_DIR": directory})
    try:
        assert b.post("/v1/rooms", {"id": "up", "kind": "streaming"})[0] == 201
        open_page(chromium, b)
        relay = Relay(b.media_port, uplink=Link(loss=LOSS, media_only=True, seed=4))
        try:
            joined = start_bridged_call(chromium, b, relay, "up")
            wait_for(lambda: receiver(chromium)["framesDecoded"] > 0, 20, what="first decoded frame")
            status, rec = b.post("/v1/rooms/up/recordings", {})
            assert status == 201, rec
            recorded_from = frames_sent(chromium)
            through = window(chromium)
            recorded = frames_sent(chromium) - recorded_from
            status, stopped = b.delete(f"/v1/rooms/up/recordings/{rec['id']}")
            assert status == 200, stopped
            streamer = b.get(f"/v1/rooms/up/participants/{joined['streamer']}")[1]
            run(chromium, "window.tx.close(); window.rx.close(); return {};")
        finally:
            relay.close()

        def ready():
            listed = b.get("/v1/rooms/up/recordings")[1]["recordings"]
            r = next(r for r in listed if r["id"] == rec["id"])
            return r if r["state"] == "ready" else None
        playable = wait_for(ready, 30, what="the recording ready")["playable"]
        probe = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                                "stream=nb_read_frames", "-of", "csv=p=0", playable], capture_output=True, text=True, timeout=120)
        assert probe.returncode == 0, probe.stderr
        in_file = int(probe.stdout.strip())
        reference = direct(chromium, b)
        print(f"\n{LOSS:.0%} loss on the streamer's uplink ({relay.uplink.lost} packets), {WINDOW} s window\n  "
              + show("viewer through bridged", through)
              + f"\n  the bridge asked for {streamer['packets_requested']} packets again, {streamer['packets_recovered']} came "
              f"({streamer['retransmissions_received']} in RTX), {streamer['packets_given_up']} given up"
              + f"\n  recording: {in_file} frames in the file, {recorded} sent while recording"
              + "\n  " + show("direct call           ", reference))
        assert relay.uplink.lost > 50
        # What Chromium sends again reaches the viewer and the recording.
        assert streamer["packets_requested"] > 0 and streamer["packets_recovered"] > 0, streamer
        # Chromium sends them again in RTX (the bridge answers its RTX), its padding apart.
        assert streamer["retransmissions_received"] > 0, streamer
        assert through["decoded"] >= 0.95 * through["sent"], through
        # A repair from the streamer reaches the viewer a hop later than in a direct call, so a
        # few short freezes may show where the direct call has none; not a second more of them.
        assert through["frozen_s"] <= reference["frozen_s"] + 1.0, (through, reference)
        assert in_file >= 0.95 * recorded, (in_file, recorded)
    finally:
        b.stop()
