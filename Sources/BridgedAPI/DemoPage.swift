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
   <button id="meet">Join a conference</button> <button id="screen" disabled>Share screen</button>
   <button id="stop" disabled>Stop</button> <span id="status"></span></p>
<p id="share"></p>
<div><video id="local" autoplay muted playsinline></video><video id="remote" autoplay playsinline></video></div>
<div id="members"></div>
<pre id="stats">no call</pre>
<script>
const $ = (id) => document.getElementById(id);
let pc = null, room = null, participant = null, timer = null;
// ?whip=1 (a streamer) or ?whep=1 (a viewer): join through WHIP or WHEP instead of the JSON API;
// `session` is then the session's URL (Location), for PATCH (trickle, ICE restart) and DELETE.
let session = null;
window.bridged = { state: "idle", error: null, offerAt: 0, firstFrameAt: 0, trickled: [] };

// ?token=JWT: a join token from the signaling server; the page then calls its own participant
// endpoints with it (Authorization header; access_token on the signaling WebSocket).
const token = new URLSearchParams(location.search).get("token");

async function api(method, path, body) {
  const headers = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const r = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const text = await r.text();
  const json = text ? JSON.parse(text) : null;
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${json && json.error ? json.error.message : text}`);
  return json;
}

// WHIP/WHEP: the offer as application/sdp; the answer, the session's URL and its ETag back.
async function whip(door, sdp) {
  const headers = { "content-type": "application/sdp" };
  if (token) headers.authorization = `Bearer ${token}`;
  const r = await fetch(`/v1/rooms/${room}/${door}`, { method: "POST", headers, body: sdp });
  const text = await r.text();
  if (r.status !== 201) throw new Error(`POST ${door}: ${r.status} ${text}`);
  session = r.headers.get("location");
  window.bridged.etag = r.headers.get("etag");
  window.bridged.links = r.headers.get("link");
  return { id: session.split("/").pop(), answer: text };
}

// A PATCH of the session with an SDP fragment (RFC 8840): trickle, or an ICE restart.
async function patchSession(fragment, ifMatch) {
  const headers = { "content-type": "application/trickle-ice-sdpfrag" };
  if (token) headers.authorization = `Bearer ${token}`;
  if (ifMatch) headers["if-match"] = ifMatch;
  return fetch(session, { method: "PATCH", headers, body: fragment });
}

function iceOf(sdp) {
  return { ufrag: /a=ice-ufrag:(\S+)/.exec(sdp)[1], pwd: /a=ice-pwd:(\S+)/.exec(sdp)[1] };
}

async function stats() {
  if (!pc) return {};
  const out = { video: {}, audio: {}, connection: pc.connectionState, ice: pc.iceConnectionState };
  out.senderReports = {}; out.receiverReports = {};
  const report = await pc.getStats();
  report.forEach((s) => {
    // Present once the bridge's RTCP arrived: SRs for what we receive, RRs for what we send.
    if (s.type === "remote-outbound-rtp") out.senderReports[s.kind] = s.reportsSent || 1;
    if (s.type === "remote-inbound-rtp") out.receiverReports[s.kind] = { packetsLost: s.packetsLost, jitter: s.jitter, fractionLost: s.fractionLost };
    if (s.type === "inbound-rtp") {
      out[s.kind] = { packetsReceived: s.packetsReceived, bytesReceived: s.bytesReceived,
                      framesDecoded: s.framesDecoded, frameWidth: s.frameWidth, frameHeight: s.frameHeight,
                      packetsLost: s.packetsLost, codec: s.codecId && report.get(s.codecId) ? report.get(s.codecId).mimeType : null };
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
      const q = new URLSearchParams(location.search);
      const media = await navigator.mediaDevices.getUserMedia({ audio: true,
        video: { width: Number(q.get("width") || 640), height: Number(q.get("height") || 480) } });
      $("local").srcObject = media;
      media.getTracks().forEach((t) => pc.addTransceiver(t, { direction: "sendrecv", streams: [media],
        sendEncodings: t.kind === "video" ? simulcastEncodings() : undefined }));
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
    pc.ontrack = (e) => {
      const video = $("remote");
      video.srcObject = e.streams[0] || new MediaStream([e.track]);
      // When the first video frame is shown (the page's time to first frame).
      if (e.track.kind === "video" && video.requestVideoFrameCallback) {
        video.requestVideoFrameCallback(() => { window.bridged.firstRenderAt = performance.now(); });
      }
    };
    pc.onconnectionstatechange = () => { $("status").textContent = pc.connectionState; };
    const params = new URLSearchParams(location.search);
    const door = mode !== "echo" && (params.get("whip") || params.get("whep")) ? (mode === "viewer" ? "whep" : "whip") : null;
    if (door) {
      // Trickle through PATCH once the session exists (the bridge is ICE-lite: 204, nothing else).
      pc.onicecandidate = async (e) => {
        if (!e.candidate || !e.candidate.candidate) return;
        while (!session && window.bridged.state === "starting") await new Promise((r) => setTimeout(r, 50));
        if (!session) return;
        const { ufrag, pwd } = iceOf(pc.localDescription.sdp);
        const frag = `a=ice-ufrag:${ufrag}\r\na=ice-pwd:${pwd}\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:${e.candidate.sdpMid}\r\n` +
                     `a=${e.candidate.candidate}\r\n`;
        const r = await patchSession(frag, window.bridged.etag);
        window.bridged.trickled.push(r.status);
      };
    }
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    window.bridged.offerAt = performance.now();
    let sdp = pc.localDescription.sdp;
    // ?nopli=1: offer the bridge FIR only (tests its RFC 5104 path).
    if (new URLSearchParams(location.search).get("nopli")) sdp = sdp.split("\r\n").filter((l) => !/^a=rtcp-fb:\S+ nack pli$/.test(l)).join("\r\n");
    const body = { offer: sdp, display: mode };
    if (mode !== "echo") body.role = mode;
    const created = door ? await whip(door, sdp) : await api("POST", `/v1/rooms/${room}/participants`, body);
    participant = created.id;
    window.bridged.lobby = !!created.lobby;  // a viewer waiting until a moderator admits it
    await pc.setRemoteDescription({ type: "answer", sdp: created.answer });
    window.bridged.answerAt = performance.now();
    window.bridged.state = "connected";
    window.bridged.room = room;
    window.bridged.participant = participant;
    $("stop").disabled = false;
    if (mode === "streamer") {
      const link = `${location.origin}/?room=${encodeURIComponent(room)}&role=viewer&autostart=1`;
      const whep = `${location.origin}/?room=${encodeURIComponent(room)}&role=viewer&whep=1&autostart=1`;
      $("share").innerHTML = `Viewer link: <a href="${link}" target="_blank">${link}</a><br>` +
        `WHEP player link: <a href="${whep}" target="_blank">${whep}</a> (WHEP endpoint for other players: ` +
        `<code>${location.origin}/v1/rooms/${encodeURIComponent(room)}/whep</code>)`;
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
  if (ws) { ws.close(); ws = null; }
  if (pc) pc.close();
  const params = new URLSearchParams(location.search);
  if (session) {
    const headers = token ? { authorization: `Bearer ${token}` } : {};
    await fetch(session, { method: "DELETE", headers }).catch(() => {});
    session = null;
  } else if (room && participant && params.get("room")) await api("DELETE", `/v1/rooms/${room}/participants/${participant}`).catch(() => {});
  else if (room) await api("DELETE", `/v1/rooms/${room}`).catch(() => {});
  pc = null; room = null;
  $("start").disabled = false; $("stream").disabled = false; $("stop").disabled = true;
  window.bridged.state = "idle";
}

// Conference: one PeerConnection; the bridge's offers (others' tracks coming and going) arrive on
// the member's signaling WebSocket and are answered there. The page is the impolite peer: a
// bridge offer that crosses one of its own is ignored (the bridge withdraws it and offers again).
let ws = null, screenTransceiver = null, signalChain = Promise.resolve();
window.bridged.signalErrors = [];
window.bridged.renegotiations = 0;
async function startMember(roomID = null) {
  $("start").disabled = true; $("stream").disabled = true; $("meet").disabled = true;
  window.bridged.state = "starting";
  try {
    const ice = await api("GET", "/v1/ice-servers");
    const relay = new URLSearchParams(location.search).get("relay");
    pc = new RTCPeerConnection({ bundlePolicy: "max-bundle", iceServers: ice.ice_servers, iceTransportPolicy: relay ? "relay" : "all" });
    const q = new URLSearchParams(location.search);
    const media = await navigator.mediaDevices.getUserMedia({ audio: true,
      video: { width: Number(q.get("width") || 640), height: Number(q.get("height") || 480) } });
    // ?mute=1: the microphone sends silence (the bridge must not hear this member speak).
    if (q.get("mute")) media.getAudioTracks().forEach((t) => { t.enabled = false; });
    $("local").srcObject = media;
    media.getTracks().forEach((t) => pc.addTransceiver(t, { direction: "sendonly", streams: [media],
      sendEncodings: t.kind === "video" ? simulcastEncodings() : undefined }));
    room = roomID || (await api("POST", "/v1/rooms", { kind: "conference", description: "demo page" })).id;
    pc.ontrack = (e) => {
      const id = e.transceiver.mid;  // a section: its current track is in the remote description
      let el = document.getElementById("t-" + id);
      if (!el) {
        el = document.createElement(e.track.kind === "video" ? "video" : "audio");
        el.id = "t-" + id; el.autoplay = true; el.playsInline = true; el.title = id;
        $("members").appendChild(el);
      }
      el.srcObject = new MediaStream([e.track]);
      // Join-to-first-frame: the first remote video frame shown after this member's offer.
      if (e.track.kind === "video" && el.requestVideoFrameCallback) el.requestVideoFrameCallback(() => {
        if (!window.bridged.firstFrameAt) window.bridged.firstFrameAt = performance.now();
      });
    };
    await pc.setLocalDescription(await pc.createOffer());
    window.bridged.offerAt = performance.now();
    const body = { offer: pc.localDescription.sdp, role: "member", display: "member" };
    if (q.get("moderator")) body.moderator = true;  // skips a lobby room's lobby
    const created = await api("POST", `/v1/rooms/${room}/participants`, body);
    window.bridged.lobby = !!created.lobby;  // waiting until a moderator admits it
    participant = created.id;
    await pc.setRemoteDescription({ type: "answer", sdp: created.answer });
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const auth = token ? `?access_token=${encodeURIComponent(token)}` : "";
    ws = new WebSocket(`${scheme}://${location.host}/v1/rooms/${room}/participants/${participant}/signal${auth}`);
    ws.onmessage = (ev) => { signalChain = signalChain.then(() => onSignal(JSON.parse(ev.data))).catch((e) => {
      window.bridged.signalErrors.push(String(e)); }); };
    await new Promise((ok, fail) => { ws.onopen = ok; ws.onerror = fail; });
    window.bridged.state = "connected";
    window.bridged.room = room;
    window.bridged.participant = participant;
    $("stop").disabled = false; $("screen").disabled = false;
    const link = `${location.origin}/?room=${encodeURIComponent(room)}&role=member&autostart=1`;
    $("share").innerHTML = `Invite link: <a href="${link}" target="_blank">${link}</a>`;
    timer = setInterval(async () => {
      const s = await window.bridgedConferenceStats();
      $("stats").textContent = JSON.stringify({ room, participant, tracks: s }, null, 2);
    }, 1000);
  } catch (e) {
    window.bridged.state = "error";
    window.bridged.error = String(e);
    $("status").textContent = String(e);
  }
}

async function onSignal(m) {
  if (m.type === "offer") {
    if (pc.signalingState !== "stable") return;  // ours crossed it: the bridge offers again
    await pc.setRemoteDescription({ type: "offer", sdp: m.sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    ws.send(JSON.stringify({ type: "answer", sdp: pc.localDescription.sdp, revision: m.revision }));
    window.bridged.renegotiations += 1;
  } else if (m.type === "answer") {
    await pc.setRemoteDescription({ type: "answer", sdp: m.sdp });
  } else if (m.type === "error") {
    window.bridged.signalErrors.push(m);
  } else {
    (window.bridged.notices = window.bridged.notices || []).push(m);  // e.g. {type: "muted", kind, muted}
    if (m.type === "lobby") window.bridged.lobby = m.state === "waiting";
  }
}

// A screen share: the real screen where the browser offers one, else (headless) a drawn canvas.
async function shareScreen() {
  let track;
  if (navigator.mediaDevices.getDisplayMedia && !new URLSearchParams(location.search).get("canvas")) {
    track = (await navigator.mediaDevices.getDisplayMedia({ video: true })).getVideoTracks()[0];
  } else {
    const canvas = document.createElement("canvas"); canvas.width = 640; canvas.height = 360;
    const g = canvas.getContext("2d"); let n = 0;
    setInterval(() => { g.fillStyle = "#234"; g.fillRect(0, 0, 640, 360); g.fillStyle = "#fc0";
      g.fillRect((n += 8) % 600, 150, 40, 40); g.fillText(new Date().toISOString(), 10, 20); }, 66);
    track = canvas.captureStream(15).getVideoTracks()[0];
  }
  screenTransceiver = pc.addTransceiver(track, { direction: "sendonly" });
  const t = screenTransceiver;
  await renegotiateOwn(() => ({ [t.mid]: "screen" }));
}
async function stopScreen() {
  if (!screenTransceiver) return;
  screenTransceiver.sender.track && screenTransceiver.sender.track.stop();
  screenTransceiver.direction = "inactive";
  screenTransceiver = null;
  await renegotiateOwn(() => ({}));
}
// An offer of the page's own (mids are known once it is set locally); the answer comes on the socket.
async function renegotiateOwn(sources) {
  signalChain = signalChain.then(async () => {
    await pc.setLocalDescription(await pc.createOffer());
    ws.send(JSON.stringify({ type: "offer", sdp: pc.localDescription.sdp, sources: sources() }));
  });
  await signalChain;
}
window.bridgedShareScreen = shareScreen;
window.bridgedStopScreen = stopScreen;
// Per received track (the bridge's id "<member>/<mid>"): kind, packets received, frames decoded.
// A section the bridge reuses for another track keeps its first track id in the browser, so the
// id comes from the current remote description (the section's a=msid).
function currentTrackIds() {
  const ids = {};
  let mid = null;
  for (const line of (pc.remoteDescription ? pc.remoteDescription.sdp : "").split("\r\n")) {
    if (line.startsWith("m=")) mid = null;
    if (line.startsWith("a=mid:")) mid = line.slice(6);
    if (line.startsWith("a=msid:") && mid !== null) ids[mid] = line.slice(7).split(" ")[1];
  }
  return ids;
}
// ?simulcast=1: the camera goes out in three encodings (a quarter, half and full size), of
// which the bridge sends each receiver one.
function simulcastEncodings() {
  if (!new URLSearchParams(location.search).get("simulcast")) return undefined;
  return [{ rid: "q", scaleResolutionDownBy: 4, maxBitrate: 150000 }, { rid: "h", scaleResolutionDownBy: 2, maxBitrate: 500000 },
          { rid: "f", maxBitrate: 1500000 }];
}

window.bridgedConferenceStats = async () => {
  const out = {};
  if (!pc) return out;
  const ids = currentTrackIds();
  (await pc.getStats()).forEach((s) => {
    if (s.type === "inbound-rtp" && ids[s.mid]) {
      out[ids[s.mid]] = { kind: s.kind, mid: s.mid, packetsReceived: s.packetsReceived, bytesReceived: s.bytesReceived,
                                 framesDecoded: s.framesDecoded, keyFramesDecoded: s.keyFramesDecoded,
                                 frameWidth: s.frameWidth, frameHeight: s.frameHeight };
    }
  });
  return out;
};
$("meet").onclick = () => startMember();
$("screen").onclick = () => (screenTransceiver ? stopScreen() : shareScreen());

$("start").onclick = () => start("echo");
$("stream").onclick = () => start("streamer");
$("stop").onclick = stop;
window.bridgedStart = start;
// ICE restart: new credentials on both sides, same media, same participant.
window.bridgedRestartIce = async () => {
  pc.restartIce();
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  if (session) {
    // WHIP/WHEP: new credentials in a fragment (If-Match: *); the bridge's come back the same way.
    const { ufrag, pwd } = iceOf(pc.localDescription.sdp);
    const r = await patchSession(`a=ice-ufrag:${ufrag}\r\na=ice-pwd:${pwd}\r\n`, "*");
    const text = await r.text();
    if (r.status !== 200) throw new Error(`PATCH: ${r.status} ${text}`);
    window.bridged.etag = r.headers.get("etag");
    const theirs = iceOf(text);
    const answer = pc.remoteDescription.sdp.replace(/a=ice-ufrag:\S+/g, `a=ice-ufrag:${theirs.ufrag}`)
      .replace(/a=ice-pwd:\S+/g, `a=ice-pwd:${theirs.pwd}`);
    await pc.setRemoteDescription({ type: "answer", sdp: answer });
    return answer;
  }
  const r = await api("POST", `/v1/rooms/${room}/participants/${participant}/ice-restart`, { offer: pc.localDescription.sdp });
  await pc.setRemoteDescription({ type: "answer", sdp: r.answer });
  return r.answer;
};
window.bridgedStop = stop;
{
  const params = new URLSearchParams(location.search);
  const role = params.get("role") || "echo";
  if (params.get("autostart")) {
    if (role === "member") startMember(params.get("room")); else start(role, params.get("room"));
  }
}
</script>
</body>
</html>
"""#
}
