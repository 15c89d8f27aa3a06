/// The page the server serves at `/` and its script at `/client.js` (kept inline so the example is one target
/// without resources). The script also exposes `window.app` for the browser tests (Tests/BrowserTests).
enum Page {
    static let html = #"""
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>AsyncRTC webrtc-server</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 1.2em; background: #fafafa; color: #222; }
  h1 { font-size: 1.3em; margin: 0 0 .6em; }
  fieldset { display: inline-block; border: 1px solid #ccc; margin: 0 .6em .6em 0; padding: .3em .7em; }
  label { margin-right: .8em; }
  button { font-size: 1em; padding: .3em 1.2em; margin-right: .5em; }
  .videos { display: flex; gap: 1em; flex-wrap: wrap; margin: .8em 0; }
  figure { margin: 0; }
  figcaption { font-size: .9em; color: #555; }
  video { width: 400px; height: 300px; background: #000; display: block; }
  table { border-collapse: collapse; font-size: .9em; }
  td, th { border: 1px solid #ddd; padding: .2em .6em; text-align: left; }
  td.v { font-variant-numeric: tabular-nums; min-width: 8em; }
  #status { font-weight: bold; }
  pre { background: #fff; border: 1px solid #ddd; height: 7em; overflow: auto; font-size: .8em; padding: .4em; }
</style>
</head>
<body>
<h1>AsyncRTC webrtc-server</h1>
<div>
  <fieldset><legend>Video transform (done in Swift)</legend>
    <select id="transform">
      <option value="none">none</option><option value="edges">edges</option>
      <option value="rotate">rotate</option><option value="grayscale">grayscale</option>
    </select>
  </fieldset>
  <fieldset><legend>Video codec</legend>
    <select id="codec">
      <option value="default">default</option><option value="VP8">VP8</option><option value="VP9">VP9</option>
    </select>
    <select id="audio-codec">
      <option value="default">default</option><option value="opus">Opus</option><option value="PCMU">PCMU</option>
      <option value="PCMA">PCMA</option><option value="G722">G.722</option>
    </select>
  </fieldset>
  <fieldset><legend>Played back</legend>
    <select id="audio">
      <option value="echo">echo</option><option value="tone">test tone</option>
      <option value="file">file (--play-from)</option>
    </select>
  </fieldset>
  <fieldset><legend>Candidates</legend>
    <select id="trickle">
      <option value="gather">in the offer</option><option value="trickle">trickled</option>
      <option value="mdns">trickled, mDNS names only</option>
    </select>
  </fieldset>
  <fieldset><legend>Who offers</legend>
    <select id="role">
      <option value="browser">browser (camera, microphone, data)</option>
      <option value="server">server (data channel only)</option>
    </select>
  </fieldset>
</div>
<button id="start">Start</button><button id="stop" disabled>Stop</button>
<span id="status">idle</span>
<div class="videos">
  <figure><video id="local-video" autoplay playsinline muted></video><figcaption>camera (sent)</figcaption></figure>
  <figure><video id="remote-video" autoplay playsinline muted></video><figcaption>returned by the Swift server</figcaption></figure>
  <audio id="remote-audio" autoplay></audio>
</div>
<table>
  <tr><th>round-trip time</th><td class="v" id="stat-rtt">–</td><th>codecs</th><td class="v" id="stat-codec">–</td></tr>
  <tr><th>bitrate sent</th><td class="v" id="stat-bitrate-out">–</td><th>bitrate received</th><td class="v" id="stat-bitrate-in">–</td></tr>
  <tr><th>frames decoded</th><td class="v" id="stat-frames">–</td><th>packets lost</th><td class="v" id="stat-lost">–</td></tr>
  <tr><th>audio packets/s</th><td class="v" id="stat-audio">–</td><th>data channel</th><td class="v" id="stat-dc">–</td></tr>
</table>
<pre id="log"></pre>
<script src="client.js"></script>
</body>
</html>
"""#

    static let javascript = #"""
'use strict';
// The page's WebRTC client. aiortc's server-example protocol: POST /offer {sdp, type, video_transform} returns
// {sdp, type}; this server adds an id, used to trickle late candidates (POST /candidate) and for the
// server-offers flow (GET /offer, POST /answer). Candidates go in the description (the page waits for gathering),
// or are trickled; "mdns" trickles them as Firefox does when it hides its addresses: every host address behind a
// random name.local that nobody here answers, so the server learns the browser's address from its checks.
const $ = (id) => document.getElementById(id);
const state = { pc: null, dc: null, stream: null, id: null, sentSdp: '', pending: [], pings: null, statsTimer: null,
                last: null, pongs: 0, trickle: 'gather', mdnsNames: {}, trickled: 0 };

function log(text) {
  const el = $('log');
  el.textContent += text + '\n';
  el.scrollTop = el.scrollHeight;
}

function setStatus(text) { $('status').textContent = text; }

async function postJSON(path, body) {
  const response = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' },
                                       body: JSON.stringify(body) });
  if (!response.ok) throw new Error(path + ': ' + response.status + ' ' + await response.text());
  return response.json();
}

// Chromium gathers candidates in a sandbox only after getUserMedia: the page asks once and keeps the stream.
async function userMedia() {
  if (!state.stream) {
    state.stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    $('local-video').srcObject = state.stream;
  }
  return state.stream;
}

function waitForGathering(pc, timeoutMs) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') { clearTimeout(timer); resolve(); }
    });
  });
}

// From now on candidates go to the server at once; the ones gathered before are sent now (unless the description
// already carried them).
function setSession(id) {
  state.id = id;
  for (const c of state.pending.splice(0)) trickle(c);
}

// Firefox-style: the address of a host candidate becomes <uuid>.local (the same name for the same address).
function hideAddress(line) {
  const fields = line.split(' ');
  if (fields.length < 8 || fields[7] !== 'host') return null;  // only host candidates are sent
  const address = fields[4];
  if (!state.mdnsNames[address]) state.mdnsNames[address] = crypto.randomUUID() + '.local';
  fields[4] = state.mdnsNames[address];
  return fields.join(' ');
}

async function trickle(candidate) {
  const c = candidate ? candidate.toJSON() : { candidate: '' };
  if (c.candidate && state.sentSdp.includes(c.candidate.replace(/^candidate:/, ''))) return;
  if (c.candidate && state.trickle === 'mdns') {
    c.candidate = hideAddress(c.candidate);
    if (!c.candidate) return;
  }
  if (c.candidate) state.trickled += 1;
  try {
    await postJSON('/candidate', { id: state.id, candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex });
  } catch (e) { log('candidate: ' + e.message); }
}

function makePeerConnection() {
  const pc = new RTCPeerConnection({ iceServers: [] });
  pc.addEventListener('icecandidate', (event) => {
    if (state.id) trickle(event.candidate); else state.pending.push(event.candidate);
  });
  pc.addEventListener('connectionstatechange', () => { setStatus(pc.connectionState); log('connection ' + pc.connectionState); });
  pc.addEventListener('track', (event) => {
    log('track ' + event.track.kind + ' from the server');
    if (event.track.kind === 'video') $('remote-video').srcObject = new MediaStream([event.track]);
    else $('remote-audio').srcObject = new MediaStream([event.track]);
  });
  return pc;
}

function startPings() {
  clearInterval(state.pings);
  state.pings = setInterval(() => {
    if (state.dc && state.dc.readyState === 'open') state.dc.send('ping ' + performance.now());
  }, 1000);
}

function bindChannel(dc, options) {
  state.dc = dc;
  dc.binaryType = 'arraybuffer';
  const opened = new Promise((resolve) => {
    if (dc.readyState === 'open') resolve(); else dc.addEventListener('open', resolve, { once: true });
  });
  dc.addEventListener('open', () => {
    log('data channel ' + dc.label + ' open');
    if (options.ping !== false) startPings();
  });
  dc.addEventListener('message', (event) => {
    if (typeof event.data === 'string' && event.data.startsWith('pong ')) {
      const rtt = performance.now() - parseFloat(event.data.slice(5));
      state.pongs += 1;
      $('stat-dc').textContent = 'pong ' + rtt.toFixed(1) + ' ms';
    }
  });
  return opened;
}

// Offers only `codec` (and RTX for video): what the server answers with is then that codec.
function preferCodec(transceiver, kind, codec) {
  if (!codec || codec === 'default' || !transceiver.setCodecPreferences) return;
  const codecs = RTCRtpReceiver.getCapabilities(kind).codecs;
  const chosen = codecs.filter((c) => c.mimeType.toLowerCase() === (kind + '/' + codec).toLowerCase());
  if (!chosen.length) throw new Error('this browser has no ' + kind + '/' + codec);
  const others = codecs.filter((c) => c.mimeType === 'video/rtx');
  transceiver.setCodecPreferences(chosen.concat(others));
}

// The description to send: with the candidates gathered so far (after waiting for gathering), or none (trickle).
async function describe(pc) {
  if (state.trickle === 'gather') await waitForGathering(pc, 2000);
  let sdp = pc.localDescription.sdp;
  if (state.trickle !== 'gather') sdp = sdp.split('\r\n').filter((l) => !/^a=(candidate|end-of-candidates)/.test(l)).join('\r\n');
  state.sentSdp = sdp;
  return { sdp, type: pc.localDescription.type };
}

async function startBrowserOffers(options) {
  const stream = await userMedia();
  const pc = state.pc = makePeerConnection();
  const opened = bindChannel(pc.createDataChannel('chat', { ordered: true }), options);
  for (const track of options.media === false ? [] : stream.getTracks()) {
    if (track.kind === 'video') track.contentHint = 'detail';  // keep the camera's resolution under CPU load
    const transceiver = pc.addTransceiver(track, { direction: 'sendrecv', streams: [stream] });
    preferCodec(transceiver, track.kind, track.kind === 'video' ? options.codec : options.audioCodec);
    if (track.kind === 'video') {
      try {
        const parameters = transceiver.sender.getParameters();
        parameters.degradationPreference = 'maintain-resolution';
        await transceiver.sender.setParameters(parameters);
      } catch (e) { /* older browsers */ }
    }
  }
  await pc.setLocalDescription(await pc.createOffer());
  const offer = await describe(pc);
  const answer = await postJSON('/offer', { sdp: offer.sdp, type: offer.type,
                                            video_transform: options.transform, audio: options.audio });
  await pc.setRemoteDescription({ sdp: answer.sdp, type: answer.type });
  setSession(answer.id);
  return opened;
}

async function startServerOffers(options) {
  await userMedia();
  const response = await fetch('/offer');
  if (!response.ok) throw new Error('/offer: ' + response.status);
  const offer = await response.json();
  const pc = state.pc = makePeerConnection();
  const opened = new Promise((resolve) => {
    pc.addEventListener('datachannel', (event) => bindChannel(event.channel, options).then(resolve));
  });
  await pc.setRemoteDescription({ sdp: offer.sdp, type: offer.type });
  await pc.setLocalDescription(await pc.createAnswer());
  const answer = await describe(pc);
  await postJSON('/answer', { id: offer.id, sdp: answer.sdp, type: 'answer' });
  setSession(offer.id);
  return opened;
}

async function start(options) {
  options = Object.assign({ role: $('role').value, codec: $('codec').value, audioCodec: $('audio-codec').value,
                            transform: $('transform').value, audio: $('audio').value, trickle: $('trickle').value,
                            ping: true }, options || {});
  // Show what runs (the tests pass their options without touching the controls).
  const controls = { role: 'role', codec: 'codec', audioCodec: 'audio-codec', transform: 'transform', audio: 'audio',
                     trickle: 'trickle' };
  for (const [key, id] of Object.entries(controls)) if (options[key]) $(id).value = options[key];
  $('start').disabled = true;
  $('stop').disabled = false;
  setStatus('connecting');
  state.id = null;
  state.pending = [];
  state.trickle = options.trickle || 'gather';
  state.mdnsNames = {};
  state.trickled = 0;
  state.statsTimer = setInterval(showStats, 1000);
  await (options.role === 'server' ? startServerOffers(options) : startBrowserOffers(options));
  return { id: state.id };
}

async function stop() {
  clearInterval(state.pings);
  clearInterval(state.statsTimer);
  state.pings = null;
  if (state.dc) state.dc.close();
  if (state.pc) state.pc.close();
  state.pc = state.dc = null;
  $('remote-video').srcObject = null;
  $('start').disabled = false;
  $('stop').disabled = true;
  setStatus('stopped');
}

// One snapshot of the numbers the page shows (and the tests check).
async function sample() {
  const result = { time: performance.now(), videoFramesDecoded: 0, videoWidth: 0, videoHeight: 0, videoCodec: null,
                   videoBytesReceived: 0, videoBytesSent: 0, videoPacketsLost: 0, audioPacketsReceived: 0,
                   audioPacketsLost: 0, audioCodec: null, audioEnergy: 0, rtt: null,
                   connectionState: state.pc && state.pc.connectionState, pongs: state.pongs, trickled: state.trickled,
                   sentSdpCandidates: (state.sentSdp.match(/^a=candidate:/mg) || []).length,
                   remoteCandidateTypes: [] };
  if (state.stream) {
    const settings = state.stream.getVideoTracks()[0].getSettings();
    result.localWidth = settings.width;
    result.localHeight = settings.height;
  }
  if (!state.pc) return result;
  const report = await state.pc.getStats();
  const codecs = {};
  report.forEach((s) => { if (s.type === 'codec') codecs[s.id] = s.mimeType; });
  report.forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'video') {
      result.videoFramesDecoded = s.framesDecoded || 0;
      result.videoWidth = s.frameWidth || 0;
      result.videoHeight = s.frameHeight || 0;
      result.videoBytesReceived = s.bytesReceived || 0;
      result.videoPacketsLost = s.packetsLost || 0;
      result.videoCodec = codecs[s.codecId] || null;
    } else if (s.type === 'inbound-rtp' && s.kind === 'audio') {
      result.audioPacketsReceived = s.packetsReceived || 0;
      result.audioPacketsLost = s.packetsLost || 0;
      result.audioCodec = codecs[s.codecId] || null;
      result.audioEnergy = s.totalAudioEnergy || 0;
    } else if (s.type === 'outbound-rtp' && s.kind === 'video') {
      result.videoBytesSent = s.bytesSent || 0;
      result.sentVideoCodec = codecs[s.codecId] || null;
    } else if (s.type === 'outbound-rtp' && s.kind === 'audio') {
      result.sentAudioCodec = codecs[s.codecId] || null;
    } else if (s.type === 'remote-candidate') {
      result.remoteCandidateTypes.push(s.candidateType);
    } else if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') {
      if (s.currentRoundTripTime !== undefined) result.rtt = s.currentRoundTripTime;
    }
  });
  return result;
}

async function showStats() {
  const now = await sample();
  const last = state.last;
  state.last = now;
  $('stat-rtt').textContent = now.rtt === null ? '–' : (now.rtt * 1000).toFixed(1) + ' ms';
  $('stat-codec').textContent = [now.videoCodec, now.audioCodec].filter((c) => c).join(', ') || '–';
  $('stat-frames').textContent = String(now.videoFramesDecoded) + (now.videoWidth ? ' (' + now.videoWidth + '×' + now.videoHeight + ')' : '');
  $('stat-lost').textContent = String(now.videoPacketsLost + now.audioPacketsLost);
  if (!last) return;
  const seconds = (now.time - last.time) / 1000;
  const kbps = (bytes) => (8 * bytes / seconds / 1000).toFixed(0) + ' kbit/s';
  $('stat-bitrate-out').textContent = kbps(now.videoBytesSent - last.videoBytesSent);
  $('stat-bitrate-in').textContent = kbps(now.videoBytesReceived - last.videoBytesReceived);
  $('stat-audio').textContent = ((now.audioPacketsReceived - last.audioPacketsReceived) / seconds).toFixed(1);
}

// Test support: deterministic binary payloads, an echo of each message compared with what was sent.
function pattern(length, seed) {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + seed * 7 + (i >> 8)) & 255;
  return bytes;
}

async function echo(cases) {
  const dc = state.dc;
  if (!dc || dc.readyState !== 'open') throw new Error('the data channel is not open');
  const pinging = state.pings !== null;
  clearInterval(state.pings);
  state.pings = null;
  const results = [];
  for (let n = 0; n < cases.length; n++) {
    const c = cases[n];
    const payload = c.kind === 'binary' ? pattern(c.length, n) : c.text;
    const reply = new Promise((resolve) => {
      const timer = setTimeout(() => { dc.removeEventListener('message', onMessage); resolve(null); }, 30000);  // a hang bound
      function onMessage(event) {
        if (typeof event.data === 'string' && event.data.startsWith('pong ')) return;
        clearTimeout(timer);
        dc.removeEventListener('message', onMessage);
        resolve(event.data);
      }
      dc.addEventListener('message', onMessage);
    });
    dc.send(payload);
    const data = await reply;
    const result = { name: c.name, sentLength: c.kind === 'binary' ? payload.length : payload.length,
                     receivedKind: data === null ? 'timeout' : (typeof data === 'string' ? 'text' : 'binary'), ok: false };
    if (c.kind === 'binary' && data instanceof ArrayBuffer) {
      const got = new Uint8Array(data);
      result.receivedLength = got.length;
      result.ok = got.length === payload.length && got.every((b, i) => b === payload[i]);
    } else if (c.kind === 'text' && typeof data === 'string') {
      result.receivedLength = data.length;
      result.ok = data === payload;
    }
    results.push(result);
  }
  if (pinging) startPings();
  return results;
}

// How far from uniform each video's picture is: the standard deviation of luma over a grid of samples.
function pixels() {
  const out = {};
  for (const id of ['local-video', 'remote-video']) {
    const video = $(id);
    const width = video.videoWidth, height = video.videoHeight;
    if (!width || !height) { out[id] = { width: 0, height: 0, stddev: 0, playing: false }; continue; }
    const canvas = document.createElement('canvas');
    canvas.width = width; canvas.height = height;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(video, 0, 0, width, height);
    const data = ctx.getImageData(0, 0, width, height).data;
    let sum = 0, sum2 = 0, count = 0;
    for (let y = 0; y < height; y += 4) {
      for (let x = 0; x < width; x += 4) {
        const i = (y * width + x) * 4;
        const l = 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
        sum += l; sum2 += l * l; count += 1;
      }
    }
    const mean = sum / count;
    out[id] = { width, height, mean, stddev: Math.sqrt(Math.max(0, sum2 / count - mean * mean)),
                playing: !video.paused && video.readyState >= 2, currentTime: video.currentTime };
  }
  return out;
}

$('start').addEventListener('click', () => start().catch((e) => { log('error: ' + e.message); setStatus('failed'); }));
$('stop').addEventListener('click', stop);
window.app = { start, stop, sample, echo, pixels };
"""#
}
