"""A WHIP client on GStreamer's webrtcbin (Debian's python3-gst-1.0), as an encoder would be:
a VP8 test pattern and an Opus tone, bundle policy max-bundle (the audio section is offered
bundle-only, RFC 8843), sent to a WHIP endpoint.

    /usr/bin/python3 gst_whip_client.py URL [--token T] [--trickle] [--seconds N]

Without --trickle it waits for ICE gathering and POSTs a complete offer; with it, it POSTs at once
and sends each candidate in a PATCH (application/trickle-ice-sdpfrag). After N seconds it DELETEs
the session. Prints one JSON line per step: {"step": "post", "status", "location", "etag"}, then
{"step": "patch", "status"} per candidate, {"step": "state", "ice", "connection"} and
{"step": "delete", "status"}. Exits non-zero on an error.
"""
import argparse
import json
import sys
import threading
import time
import urllib.error
import urllib.request

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstWebRTC", "1.0")
gi.require_version("GstSdp", "1.0")
from gi.repository import Gst, GstSdp, GstWebRTC  # noqa: E402


def say(**kw):
    print(json.dumps(kw), flush=True)


def http(method, url, body=None, content_type=None, token=None, headers=None):
    h = dict(headers or {})
    if content_type:
        h["content-type"] = content_type
    if token:
        h["authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=body.encode() if body is not None else None, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--token")
    ap.add_argument("--trickle", action="store_true")
    ap.add_argument("--seconds", type=float, default=10)
    a = ap.parse_args()

    Gst.init(None)
    pipe = Gst.parse_launch(
        "webrtcbin name=w bundle-policy=max-bundle "
        "videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1 ! videoconvert "
        "! vp8enc deadline=1 keyframe-max-dist=30 ! rtpvp8pay pt=96 "
        "! application/x-rtp,media=video,encoding-name=VP8,payload=96 ! w. "
        "audiotestsrc is-live=true wave=sine ! audioconvert ! audioresample ! opusenc ! rtpopuspay pt=111 "
        "! application/x-rtp,media=audio,encoding-name=OPUS,payload=111 ! w. ")
    w = pipe.get_by_name("w")
    candidates = []
    lock = threading.Lock()

    def on_candidate(_el, mline, candidate):
        with lock:
            candidates.append((mline, candidate))

    w.connect("on-ice-candidate", on_candidate)
    pipe.set_state(Gst.State.PLAYING)
    time.sleep(0.5)

    p = Gst.Promise.new()
    w.emit("create-offer", None, p)
    p.wait()
    reply = p.get_reply()
    offer = reply.get_value("offer")
    p = Gst.Promise.new()
    w.emit("set-local-description", offer, p)
    p.wait()
    if not a.trickle:
        deadline = time.monotonic() + 10
        while w.get_property("ice-gathering-state") != GstWebRTC.WebRTCICEGatheringState.COMPLETE and time.monotonic() < deadline:
            time.sleep(0.05)
    sdp = w.get_property("local-description").sdp.as_text()
    if a.trickle:
        # The candidates gathered so far go in PATCHes too (on-ice-candidate collected them).
        sdp = "".join(line + "\r\n" for line in sdp.splitlines()
                      if line and not line.startswith(("a=candidate:", "a=end-of-candidates")))
    status, headers, body = http("POST", a.url, sdp, "application/sdp", a.token)
    headers = {k.lower(): v for k, v in headers.items()}
    location = headers.get("location")
    say(step="post", status=status, location=location, etag=headers.get("etag"),
        bundle_only="a=bundle-only" in sdp, candidates_in_offer=sdp.count("a=candidate:"))
    if status != 201:
        say(step="error", body=body)
        pipe.set_state(Gst.State.NULL)
        sys.exit(1)
    session = a.url.split("/v1/")[0] + location
    res, answer_sdp = GstSdp.SDPMessage.new_from_text(body)
    answer = GstWebRTC.WebRTCSessionDescription.new(GstWebRTC.WebRTCSDPType.ANSWER, answer_sdp)
    p = Gst.Promise.new()
    w.emit("set-remote-description", answer, p)
    p.wait()

    sent = 0
    ufrag = next(line.split(":", 1)[1] for line in sdp.splitlines() if line.startswith("a=ice-ufrag:"))
    pwd = next(line.split(":", 1)[1] for line in sdp.splitlines() if line.startswith("a=ice-pwd:"))
    mid = next(line.split(":", 1)[1] for line in sdp.splitlines() if line.startswith("a=mid:"))
    end = time.monotonic() + a.seconds
    last_state = None
    while time.monotonic() < end:
        if a.trickle:
            with lock:
                pending, candidates[:] = list(candidates), []
            for _mline, c in pending:
                frag = f"a=ice-ufrag:{ufrag}\r\na=ice-pwd:{pwd}\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:{mid}\r\na={c}\r\n"
                st, _, _ = http("PATCH", session, frag, "application/trickle-ice-sdpfrag", a.token)
                say(step="patch", status=st)
                sent += 1
        state = (w.get_property("ice-connection-state").value_nick, w.get_property("connection-state").value_nick)
        if state != last_state:
            say(step="state", ice=state[0], connection=state[1])
            last_state = state
        time.sleep(0.1)
    st, _, _ = http("DELETE", session, None, None, a.token)
    say(step="delete", status=st)
    pipe.set_state(Gst.State.NULL)


if __name__ == "__main__":
    main()
