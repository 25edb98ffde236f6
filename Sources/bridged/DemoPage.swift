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
<p>Echo test: your camera and microphone go to the bridge over ICE, DTLS and SRTP, and come back
through it with the bridge's own SSRCs.</p>
<p><button id="start">Start echo</button> <button id="stop" disabled>Stop</button> <span id="status"></span></p>
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
  (await pc.getStats()).forEach((s) => {
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

async function start() {
  $("start").disabled = true;
  window.bridged.state = "starting";
  try {
    const media = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } });
    $("local").srcObject = media;
    room = (await api("POST", "/v1/rooms", { kind: "echo", description: "demo page" })).id;
    pc = new RTCPeerConnection({ bundlePolicy: "max-bundle" });
    media.getTracks().forEach((t) => pc.addTrack(t, media));
    pc.ontrack = (e) => { $("remote").srcObject = e.streams[0] || new MediaStream([e.track]); };
    pc.onconnectionstatechange = () => { $("status").textContent = pc.connectionState; };
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    window.bridged.offerAt = performance.now();
    const created = await api("POST", `/v1/rooms/${room}/participants`, { offer: pc.localDescription.sdp, display: "demo" });
    participant = created.id;
    await pc.setRemoteDescription({ type: "answer", sdp: created.answer });
    window.bridged.state = "connected";
    $("stop").disabled = false;
    timer = setInterval(async () => {
      const s = await stats();
      const ok = s.video && s.video.framesDecoded > 0;
      $("stats").innerHTML = `<span class="${ok ? "ok" : "bad"}">${ok ? "receiving video through the bridge" : "waiting for media"}</span>\n` +
        JSON.stringify({ room, participant, ...s }, null, 2);
    }, 500);
  } catch (e) {
    window.bridged.state = "error";
    window.bridged.error = String(e);
    $("status").textContent = String(e);
    $("start").disabled = false;
  }
}

async function stop() {
  clearInterval(timer);
  if (pc) pc.close();
  if (room) await api("DELETE", `/v1/rooms/${room}`).catch(() => {});
  pc = null; room = null;
  $("start").disabled = false; $("stop").disabled = true;
  window.bridged.state = "idle";
}

$("start").onclick = start;
$("stop").onclick = stop;
if (new URLSearchParams(location.search).get("autostart")) start();
</script>
</body>
</html>
"""#
}
