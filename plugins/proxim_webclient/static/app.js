// Proxim browser client: pairs with a host over the signaling WebSocket, shows its screen
// over WebRTC and forwards input on the `control` data channel. See docs/protocol.md.
'use strict';

const GATHER_TIMEOUT_MS = 1000;
const DISCONNECT_GRACE_MS = 3000;
const TEXT_LIMIT = 1000;
const LINE_HEIGHT_PX = 16;
const FINGERPRINT_RE = /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/;

const ACTIVE_STATES = new Set(['connecting', 'pending', 'live']);
const MESSAGES = {
  connecting: 'Contacting the host…',
  live: 'Connected.',
  rejected: "The host's user declined.",
  timeout: 'No answer from the host in time.',
  busy: 'The host is already in a session.',
  expired: 'This link is no longer valid. Scan the new QR code on the host.',
  ended: 'The host ended the session.',
  lost: 'Connection lost.',
  error: 'Something went wrong.',
};
const ENDED_MESSAGES = {
  host_stopped: 'The host ended the session.',
  host_shutdown: 'The host shut down.',
  error: 'The session ended because of an error on the host.',
};
// Indexed by PointerEvent.button; BUTTON_MASKS gives the matching PointerEvent.buttons bit.
const BUTTONS = ['left', 'middle', 'right'];
const BUTTON_MASKS = [1, 4, 2];

const $ = (id) => document.getElementById(id);
const ui = {
  status: $('status'), code: $('code'), hostCode: $('host-code'), codeWarning: $('code-warning'),
  countdown: $('countdown'), retry: $('retry'), video: $('screen'), hint: $('kbd-hint'),
  viewOnly: $('view-only'), text: $('text-input'), disconnect: $('disconnect'),
};

let state = null;
let pc = null, dc = null, ws = null;
let hostHello = null; // the host's data channel hello: {v, screen: {w, h}, permissions}
let localCode = '';
let canControl = false;
let countdownTimer = 0, lostTimer = 0;

const pressedButtons = new Set();
const pressedKeys = new Map(); // code (or key when code is empty) -> {key, code} sent with kd
let pendingMove = null;
let moveFrame = 0;
let composing = false;

window.proxim = {
  get state() { return state; },
  get pc() { return pc; },
  get dc() { return dc; },
  get ws() { return ws; },
  get hello() { return hostHello; },
};

// ---------------------------------------------------------------- state

function setState(next, message) {
  if (state && !ACTIVE_STATES.has(state)) return; // end states are final
  state = next;
  document.body.dataset.state = next;
  document.body.className = `state-${next}`;
  ui.status.textContent = message || MESSAGES[next];
  ui.retry.hidden = next !== 'lost';
  if (next !== 'pending') clearInterval(countdownTimer);
  if (!ACTIVE_STATES.has(next)) teardown();
  updateInputUi();
}

const fail = (message) => setState('error', message);

function teardown() {
  clearTimeout(lostTimer);
  releaseInput();
  if (ws) {
    ws.onclose = null;
    ws.close();
  }
  if (pc) pc.close();
  ui.video.srcObject = null;
}

function updateInputUi() {
  const live = state === 'live';
  ui.viewOnly.hidden = !live || canControl;
  ui.text.hidden = !live || !canControl;
  ui.hint.hidden = !live || !canControl || document.activeElement !== ui.video;
}

function applyPermissions(permissions) {
  canControl = Array.isArray(permissions) && permissions.includes('control');
  updateInputUi();
}

// ---------------------------------------------------------------- encoding helpers

function base64urlDecode(text) {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return null;
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  try {
    const binary = atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '='));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

function base64urlEncode(bytes) {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const toFingerprintHex = (bytes) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');

const fromFingerprintHex = (hex) => Uint8Array.from(hex.split(':'), (pair) => parseInt(pair, 16));

/** Uppercase values of every `a=fingerprint:sha-256` line of an SDP. */
function sha256Fingerprints(sdp) {
  return Array.from(sdp.matchAll(/^a=fingerprint:sha-256[ \t]+(\S+)/gim), (m) => m[1].toUpperCase());
}

function verificationCode(hostHex, clientHex) {
  const digest = sha256(new TextEncoder().encode(`proxim-v1|${hostHex}|${clientHex}`));
  const value = new DataView(digest.buffer).getUint32(0);
  return String(value % 1000000).padStart(6, '0');
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    console.warn('Proxim: ignoring a message that is not JSON');
    return null;
  }
}

const formatCode = (code) => `${code.slice(0, 3)} ${code.slice(3)}`;

function deviceName() {
  const ua = navigator.userAgent;
  const browsers = [
    [/Edg(A|iOS)?\//, 'Edge'], [/OPR\/|Opera/, 'Opera'], [/SamsungBrowser/, 'Samsung Internet'],
    [/Firefox|FxiOS/, 'Firefox'], [/Chrome|CriOS/, 'Chrome'], [/Safari/, 'Safari'],
  ];
  const systems = [
    [/Android/, 'Android'], [/iPhone|iPad|iPod/, 'iOS'], [/CrOS/, 'ChromeOS'], [/Windows/, 'Windows'],
    [/Macintosh/, navigator.maxTouchPoints > 1 ? 'iPadOS' : 'macOS'], [/Linux/, 'Linux'],
  ];
  const pick = (table) => table.find(([pattern]) => pattern.test(ua))?.[1];
  const browser = pick(browsers) || 'Browser';
  const system = pick(systems);
  return (system ? `${browser} on ${system}` : browser).slice(0, 64);
}

// ---------------------------------------------------------------- connection

function parseLink() {
  const path = location.pathname.match(/^\/p\/([A-Za-z0-9_-]+)\/?$/);
  const params = new URLSearchParams(location.hash.slice(1));
  const secret = params.get('k');
  const fp = params.get('fp');
  const fpBytes = fp && base64urlDecode(fp);
  if (!path || !secret || !fpBytes || fpBytes.length !== 32) return null;
  return { session: path[1], secret, fp, fpHex: toFingerprintHex(fpBytes) };
}

function preferH264(transceiver) {
  if (!window.RTCRtpReceiver?.getCapabilities || !transceiver.setCodecPreferences) return;
  const codecs = RTCRtpReceiver.getCapabilities('video')?.codecs || [];
  const isH264 = (codec) => codec.mimeType.toLowerCase() === 'video/h264';
  if (!codecs.some(isH264)) return;
  try {
    transceiver.setCodecPreferences([...codecs.filter(isH264), ...codecs.filter((c) => !isH264(c))]);
  } catch (err) {
    console.warn('Proxim: keeping default codec order', err);
  }
}

function waitForIceGathering(timeoutMs) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    };
    const check = () => pc.iceGatheringState === 'complete' && done();
    const timer = setTimeout(done, timeoutMs);
    pc.addEventListener('icegatheringstatechange', check);
  });
}

async function start() {
  setState('connecting');
  const link = parseLink();
  if (!link) {
    fail('This link is incomplete. Scan the QR code on the host again.');
    return;
  }
  if (!window.RTCPeerConnection) {
    fail('This browser cannot show remote screens (no WebRTC support).');
    return;
  }

  pc = new RTCPeerConnection({ iceServers: [] });
  preferH264(pc.addTransceiver('video', { direction: 'recvonly' }));
  dc = pc.createDataChannel('control');
  dc.onmessage = onControlMessage;
  pc.ontrack = (event) => {
    ui.video.srcObject = event.streams[0] || new MediaStream([event.track]);
    ui.video.play().catch(() => {}); // muted autoplay; the 'playing' event drives the state
  };
  pc.onconnectionstatechange = () => {
    clearTimeout(lostTimer);
    if (pc.connectionState === 'failed') setState('lost');
    if (pc.connectionState === 'disconnected') lostTimer = setTimeout(() => setState('lost'), DISCONNECT_GRACE_MS);
  };

  await pc.setLocalDescription(await pc.createOffer());
  await waitForIceGathering(GATHER_TIMEOUT_MS);
  if (state !== 'connecting') return; // the user disconnected meanwhile

  const offer = pc.localDescription.sdp;
  const clientHex = sha256Fingerprints(offer)[0];
  if (!clientHex) {
    fail("This browser's connection has no SHA-256 fingerprint; it cannot pair.");
    return;
  }
  localCode = verificationCode(link.fpHex, clientHex);
  openSignaling(link, offer);
}

function openSignaling(link, offer) {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  let opened = false;
  ws = new WebSocket(`${scheme}://${location.host}/ws`);
  ws.onopen = () => {
    opened = true;
    const device = { name: deviceName() };
    ws.send(JSON.stringify({ type: 'hello', v: 1, session: link.session, secret: link.secret, device, offer }));
  };
  ws.onmessage = (event) => {
    const message = parseJson(event.data);
    if (!message) return;
    onSignalingMessage(message, link).catch((err) => fail(`The host's answer could not be used: ${err.message}`));
  };
  ws.onclose = () => {
    if (opened) setState('lost');
    else fail('Could not reach the host. Check that this device is on the same network.');
  };
}

async function onSignalingMessage(message, link) {
  switch (message.type) {
    case 'pending':
      showPending(message);
      break;
    case 'approved':
      applyPermissions(message.permissions);
      setState('connecting', 'Approved. Connecting to the screen…');
      break;
    case 'answer':
      await acceptAnswer(message.sdp, link.fp);
      break;
    case 'rejected':
      setState(message.reason === 'timeout' ? 'timeout' : 'rejected');
      break;
    case 'ended':
      setState('ended', ENDED_MESSAGES[message.reason] || MESSAGES.ended);
      break;
    case 'error':
      if (message.code === 'busy') setState('busy');
      else if (message.code === 'unknown_session') setState('expired');
      else fail(message.message || `The host reported an error (${message.code}).`);
      break;
    default:
      console.warn('Proxim: ignoring signaling message', message.type);
  }
}

function showPending(message) {
  const pretty = formatCode(localCode);
  setState('pending', `Waiting for approval on the host — check that it shows code ${pretty}`);
  if (state !== 'pending') return;
  const hostCode = String(message.code ?? '');
  ui.code.textContent = pretty;
  ui.hostCode.textContent = /^\d{6}$/.test(hostCode) ? formatCode(hostCode) : hostCode || '–';
  ui.codeWarning.hidden = hostCode === localCode;

  const deadline = performance.now() + (Number(message.timeout) || 0) * 1000;
  const tick = () => {
    ui.countdown.textContent = String(Math.max(0, Math.ceil((deadline - performance.now()) / 1000)));
  };
  tick();
  clearInterval(countdownTimer);
  countdownTimer = setInterval(tick, 250);
}

async function acceptAnswer(sdp, expectedFp) {
  const fingerprints = typeof sdp === 'string' ? sha256Fingerprints(sdp) : [];
  const genuine = fingerprints.length > 0 && fingerprints.every(
    (hex) => FINGERPRINT_RE.test(hex) && base64urlEncode(fromFingerprintHex(hex)) === expectedFp,
  );
  if (!genuine) {
    fail('Stopped: host identity mismatch. The answer did not come from the computer that showed the QR code.');
    return;
  }
  // Drop the other hash algorithms so the browser can only accept the certificate we just checked.
  const checkedSdp = sdp.replace(/^a=fingerprint:(?!sha-256[ \t])[^\r\n]*(\r?\n|$)/gim, '');
  await pc.setRemoteDescription({ type: 'answer', sdp: checkedSdp });
}

function onControlMessage(event) {
  const message = parseJson(event.data);
  if (message?.t === 'hello') {
    hostHello = message;
    applyPermissions(message.permissions);
  } else if (message?.t === 'error') {
    console.warn('Proxim: the host refused input:', message.code, message.message);
  }
}

// ---------------------------------------------------------------- input

function canSendInput() {
  return state === 'live' && canControl && dc?.readyState === 'open';
}

function sendControl(message) {
  if (canSendInput()) dc.send(JSON.stringify(message));
}

/** Normalised position inside the displayed video content (object-fit: contain), or null outside it. */
function contentPoint(event) {
  const video = ui.video;
  const box = video.getBoundingClientRect();
  if (!video.videoWidth || !video.videoHeight || !box.width || !box.height) return null;
  const scale = Math.min(box.width / video.videoWidth, box.height / video.videoHeight);
  const width = video.videoWidth * scale;
  const height = video.videoHeight * scale;
  const x = (event.clientX - box.left - (box.width - width) / 2) / width;
  const y = (event.clientY - box.top - (box.height - height) / 2) / height;
  if (x < 0 || x > 1 || y < 0 || y > 1) return null;
  return { x: Math.round(x * 1e5) / 1e5, y: Math.round(y * 1e5) / 1e5 };
}

function flushMove() {
  moveFrame = 0;
  if (pendingMove) sendControl({ t: 'move', ...pendingMove });
  pendingMove = null;
}

function pressButton(event, point) {
  const button = BUTTONS[event.button];
  if (!button || !point || pressedButtons.has(button)) return;
  pendingMove = null; // the press carries a newer position
  pressedButtons.add(button);
  sendControl({ t: 'down', b: button, ...point });
}

function releaseButton(event) {
  const button = BUTTONS[event.button];
  if (!pressedButtons.delete(button)) return;
  pendingMove = null;
  sendControl({ t: 'up', b: button, ...contentPoint(event) });
}

function tapKey(key) {
  sendControl({ t: 'kd', key, code: key });
  sendControl({ t: 'ku', key, code: key });
}

/** Lifts everything this page holds pressed, then tells the host to do the same. */
function releaseInput() {
  pendingMove = null;
  if (canSendInput()) {
    pressedButtons.forEach((b) => sendControl({ t: 'up', b }));
    pressedKeys.forEach((pressed) => sendControl({ t: 'ku', ...pressed }));
    sendControl({ t: 'release' });
  }
  pressedButtons.clear();
  pressedKeys.clear();
}

function flushText() {
  const chars = Array.from(ui.text.value); // code points, as the host counts them
  ui.text.value = '';
  for (let i = 0; i < chars.length; i += TEXT_LIMIT) {
    sendControl({ t: 'text', text: chars.slice(i, i + TEXT_LIMIT).join('') });
  }
}

function bindVideoInput() {
  const video = ui.video;

  video.addEventListener('playing', () => {
    if (state === 'connecting') setState('live');
  });
  video.addEventListener('contextmenu', (event) => event.preventDefault());

  video.addEventListener('pointerdown', (event) => {
    if (state !== 'live') return;
    video.focus({ preventScroll: true });
    if (!event.isPrimary || !canSendInput()) return;
    const point = contentPoint(event);
    if (point) video.setPointerCapture(event.pointerId); // so the release is seen outside the video too
    pressButton(event, point);
  });

  video.addEventListener('pointermove', (event) => {
    if (!event.isPrimary || !canSendInput()) return;
    const point = contentPoint(event);
    // A second mouse button pressed or released while another is held arrives as a move.
    if (event.button >= 0) {
      if (event.buttons & BUTTON_MASKS[event.button]) pressButton(event, point);
      else releaseButton(event);
      return;
    }
    if (!point) return;
    pendingMove = point;
    moveFrame = moveFrame || requestAnimationFrame(flushMove);
  });

  video.addEventListener('pointerup', (event) => {
    if (event.isPrimary) releaseButton(event);
  });
  video.addEventListener('pointercancel', () => {
    pressedButtons.forEach((b) => sendControl({ t: 'up', b }));
    pressedButtons.clear();
  });

  video.addEventListener('wheel', (event) => {
    if (state !== 'live') return;
    event.preventDefault();
    const unitX = [1, LINE_HEIGHT_PX, window.innerWidth][event.deltaMode] ?? 1;
    const unitY = [1, LINE_HEIGHT_PX, window.innerHeight][event.deltaMode] ?? 1;
    sendControl({ t: 'wheel', dx: event.deltaX * unitX, dy: event.deltaY * unitY });
  }, { passive: false });

  video.addEventListener('keydown', (event) => {
    if (!canSendInput()) return;
    event.preventDefault();
    const modifier = ['Control', 'Alt', 'Shift'].includes(event.key);
    if (modifier && event.ctrlKey && event.altKey && event.shiftKey) {
      video.blur(); // the way out: blur releases everything held
      return;
    }
    const id = event.code || event.key;
    if (event.repeat || pressedKeys.has(id)) return; // the host repeats held keys itself
    const pressed = { key: event.key, code: event.code };
    pressedKeys.set(id, pressed);
    sendControl({ t: 'kd', ...pressed });
  });

  video.addEventListener('keyup', (event) => {
    if (!canSendInput()) return;
    event.preventDefault();
    const id = event.code || event.key;
    const pressed = pressedKeys.get(id);
    if (!pressed) return;
    pressedKeys.delete(id);
    // Release what was pressed: the key name may differ now (Shift+1 pressed "!", released "1").
    sendControl({ t: 'ku', ...pressed });
  });

  video.addEventListener('focus', updateInputUi);
  video.addEventListener('blur', () => {
    releaseInput();
    updateInputUi();
  });
  window.addEventListener('blur', releaseInput);
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) releaseInput();
  });
}

function bindTextInput() {
  const box = ui.text;
  box.addEventListener('compositionstart', () => { composing = true; });
  box.addEventListener('compositionend', () => {
    composing = false;
    setTimeout(flushText); // after the browser's final input event for the composition
  });
  // The box is emptied after every commit, so whatever it holds outside a composition is new text.
  box.addEventListener('input', (event) => {
    if (!composing && !event.isComposing) flushText();
  });
  box.addEventListener('keydown', (event) => {
    if (composing || event.isComposing || !['Enter', 'Backspace'].includes(event.key)) return;
    if (event.key === 'Backspace' && box.value) return;
    event.preventDefault();
    flushText();
    tapKey(event.key);
  });
  // Some phone keyboards report Backspace on an empty box only as an edit.
  box.addEventListener('beforeinput', (event) => {
    if (event.inputType !== 'deleteContentBackward' || box.value || composing) return;
    event.preventDefault();
    tapKey('Backspace');
  });
}

function bindButtons() {
  ui.disconnect.addEventListener('click', () => {
    if (ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'bye' }));
    setState('ended', 'You disconnected.');
  });
  ui.retry.addEventListener('click', () => location.reload());
}

bindVideoInput();
bindTextInput();
bindButtons();
start().catch((err) => fail(`Could not start the connection: ${err.message}`));
