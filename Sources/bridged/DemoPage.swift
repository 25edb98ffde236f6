/// The demo page served at `/`: an echo call through the bridge, with live receive statistics.
/// The end-to-end Chromium test drives this same page (`?autostart=1`).
enum DemoPage {
    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>bridged demo</title>
<style>
 body { font-family: system-ui, sans-serif; margin: 2rem; background: #111; color: #eee; }
 video { width: 480px; height: 270px; background: #000; margin-right: 1rem; }
 button { font-size: 1rem; padding: .5rem 1rem; }
 pre { background: #222; padding: 1rem; max-width: 980px; white-space: pre-wrap; }
 .ok { color: #7f7; } .bad { color: #f77; }
</style>
</head>
<body>
<h1>bridged</h1>
<p><b>Echo</b>: your camera and microphone go to the bridge over ICE, DTLS and SRTP, and come back
through it with the bridge's own SSRCs. <b>Stream</b>: your camera goes to a new streaming room;
open the viewer link in other tabs or browsers.</p>
<p><button id="start">Start echo</button> <button id="stream">Start streaming</button>
   <button id="stop" disabled>Stop</button> <span id="status"></span></p>
<p id="share"></p>
<div><video id="local" autoplay muted playsinline></video><video id="remote" autoplay playsinline></video></div>
<pre id="stats">no call</pre>
<script>
const $ = (id) => document.getElementById(id);
let pc = null, room = null, participant = null, timer = null;
window.bridged = { state: "idle", error: null, offerAt: 0, firstFrameAt: 0 };

async function api(method, path, body) {
  const r = await fetch(path, { method, headers: { "content-type": "application/json" },
                                body: body ? JSON.stringify(body) : undefined });
  const text = await r.text();
  const json = text ? JSON.parse(text) : null;
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${json && json.error ? json.error.message : text}`);
  return json;
}

async function stats() {
  if (!pc) return {};
  const out = { video: {}, audio: {}, connection: pc.connectionState, ice: pc.iceConnectionState };
  out.senderReports = {}; out.receiverReports = {};
  (await pc.getStats()).forEach((s) => {
    // Present once the bridge's RTCP arrived: SRs for what we receive, RRs for what we send.
    if (s.type === "remote-outbound-rtp") out.senderReports[s.kind] = s.reportsSent || 1;
    if (s.type === "remote-inbound-rtp") out.receiverReports[s.kind] = { packetsLost: s.packetsLost, jitter: s.jitter, fractionLost: s.fractionLost };
    if (s.type === "inbound-rtp") {
      out[s.kind] = { packetsReceived: s.packetsReceived, bytesReceived: s.bytesReceived,
                      framesDecoded: s.framesDecoded, frameWidth: s.frameWidth, frameHeight: s.frameHeight,
                      packetsLost: s.packetsLost };
    }
  });
  if (out.video.framesDecoded > 0 && !window.bridged.firstFrameAt) window.bridged.firstFrameAt = performance.now();
  return out;
}
window.bridgedStats = stats;

// mode: "echo" (send and receive), "streamer" (send only), "viewer" (receive only).
async function start(mode = "echo", roomID = null) {
  $("start").disabled = true; $("stream").disabled = true;
  window.bridged.state = "starting";
  try {
    // The bridge's ICE servers (TURN with fresh credentials); ?relay=1: only through TURN.
    const ice = await api("GET", "/v1/ice-servers");
    const relay = new URLSearchParams(location.search).get("relay");
    pc = new RTCPeerConnection({ bundlePolicy: "max-bundle", iceServers: ice.ice_servers,
                                 iceTransportPolicy: relay ? "relay" : "all" });
    if (mode !== "viewer") {
      const media = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } });
      $("local").srcObject = media;
      media.getTracks().forEach((t) => pc.addTrack(t, media));
      // ?codec=VP9 (say): send only that video codec.
      const only = new URLSearchParams(location.search).get("codec");
      if (only) pc.getTransceivers().filter((t) => t.sender.track && t.sender.track.kind === "video").forEach((t) =>
        t.setCodecPreferences(RTCRtpReceiver.getCapabilities("video").codecs
          .filter((c) => c.mimeType.toLowerCase() === "video/" + only.toLowerCase())));
    } else {
      pc.addTransceiver("audio", { direction: "recvonly" });
      const video = pc.addTransceiver("video", { direction: "recvonly" });
      // ?codec=H264 (say): offer only that video codec.
      const only = new URLSearchParams(location.search).get("codec");
      if (only) video.setCodecPreferences(RTCRtpReceiver.getCapabilities("video").codecs
        .filter((c) => c.mimeType.toLowerCase() === "video/" + only.toLowerCase()));
    }
    room = roomID || (await api("POST", "/v1/rooms", { kind: mode === "echo" ? "echo" : "streaming", description: "demo page" })).id;
    pc.ontrack = (e) => { $("remote").srcObject = e.streams[0] || new MediaStream([e.track]); };
    pc.onconnectionstatechange = () => { $("status").textContent = pc.connectionState; };
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    window.bridged.offerAt = performance.now();
    let sdp = pc.localDescription.sdp;
    // ?nopli=1: offer the bridge FIR only (tests its RFC 5104 path).
    if (new URLSearchParams(location.search).get("nopli")) sdp = sdp.split("\r\n").filter((l) => !/^a=rtcp-fb:\S+ nack pli$/.test(l)).join("\r\n");
    const body = { offer: sdp, display: mode };
    if (mode !== "echo") body.role = mode;
    const created = await api("POST", `/v1/rooms/${room}/participants`, body);
    participant = created.id;
    await pc.setRemoteDescription({ type: "answer", sdp: created.answer });
    window.bridged.state = "connected";
    window.bridged.room = room;
    window.bridged.participant = participant;
    $("stop").disabled = false;
    if (mode === "streamer") {
      const link = `${location.origin}/?room=${encodeURIComponent(room)}&role=viewer&autostart=1`;
      $("share").innerHTML = `Viewer link: <a href="${link}" target="_blank">${link}</a>`;
    }
    timer = setInterval(async () => {
      const s = await stats();
      const ok = mode === "streamer" ? s.connection === "connected" : (s.video && s.video.framesDecoded > 0);
      const what = mode === "streamer" ? "streaming to the bridge" : "receiving video through the bridge";
      $("stats").innerHTML = `<span class="${ok ? "ok" : "bad"}">${ok ? what : "waiting for media"}</span>\n` +
        JSON.stringify({ room, participant, mode, ...s }, null, 2);
    }, 500);
  } catch (e) {
    window.bridged.state = "error";
    window.bridged.error = String(e);
    $("status").textContent = String(e);
    $("start").disabled = false; $("stream").disabled = false;
  }
}

async function stop() {
  clearInterval(timer);
  if (pc) pc.close();
  const params = new URLSearchParams(location.search);
  if (room && participant && params.get("room")) await api("DELETE", `/v1/rooms/${room}/participants/${participant}`).catch(() => {});
  else if (room) await api("DELETE", `/v1/rooms/${room}`).catch(() => {});
  pc = null; room = null;
  $("start").disabled = false; $("stream").disabled = false; $("stop").disabled = true;
  window.bridged.state = "idle";
}

$("start").onclick = () => start("echo");
$("stream").onclick = () => start("streamer");
$("stop").onclick = stop;
window.bridgedStart = start;
// ICE restart: new credentials on both sides, same media, same participant.
window.bridgedRestartIce = async () => {
  pc.restartIce();
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  const r = await api("POST", `/v1/rooms/${room}/participants/${participant}/ice-restart`, { offer: pc.localDescription.sdp });
  await pc.setRemoteDescription({ type: "answer", sdp: r.answer });
  return r.answer;
};
window.bridgedStop = stop;
{
  const params = new URLSearchParams(location.search);
  const role = params.get("role") || "echo";
  if (params.get("autostart")) start(role, params.get("room"));
}
</script>
</body>
</html>
"""#
}
