// The session: pairing over the signaling WebSocket, the WebRTC peer, the `control` data channel, the page's state
// and everything this page holds pressed on the host; after a network blip, resuming it on a new connection. Other
// scripts listen to its events. See docs/protocol.md.
'use strict';

(() => {
  const util = window.Proxim.util;

  const GATHER_TIMEOUT_MS = 1000;
  const GATHER_WITH_SERVERS_MS = 3000; // STUN and TURN answers take a round trip beyond the LAN
  const ICE_URL_RE = /^(stun|turns?):[^\s]+$/;
  const DISCONNECT_GRACE_MS = 3000;
  const HEARTBEAT_MS = 250;
  // a resume attempt whose WebSocket has not opened by then is dropped for a new one (a connect sent while the
  // network was down would otherwise wait for TCP's retransmission, seconds later)
  const RESUME_RETRY_MS = 500;
  const RESUME_ATTEMPT_MS = 5000; // from the WebSocket's opening to a playing picture
  // right after the network comes back the browser may not see it yet: a connection made then gathers nothing until
  // its timeout, so a resume starts another one every RESUME_GATHER_STEP_MS, up to RESUME_GATHER_PEERS
  const RESUME_GATHER_STEP_MS = 250;
  const RESUME_GATHER_PEERS = 4;
  // nothing received for this long while live (the host's frames, its acks of our heartbeats): the network dropped.
  // Chromium's own 'disconnected' comes seconds later, and the WebSocket's close only once the network is back.
  const SILENCE_MS = 1000;
  const WATCH_MS = 250;
  // once the network is back, how long the dropped connection has to answer a ping, showing it came back by itself
  const RECOVERY_GRACE_MS = 300;
  const ACTIVE_STATES = new Set(['connecting', 'pending', 'live', 'reconnecting']);
  const NEEDS_CONTROL = new Set(['move', 'rmove', 'down', 'up', 'wheel', 'kd', 'ku', 'text']);
  const NEEDS_COMMANDS = new Set(['cmd', 'clip_get', 'clip_set']);
  const SCAN_AGAIN = 'Scan the QR code the host shows now to connect again.';

  const MESSAGES = {
    idle: 'Scan the QR code shown by the computer you want to control.',
    connecting: 'Contacting the host…',
    live: 'Connected.',
    reconnecting: 'The connection to the host dropped. Getting it back…',
    rejected: `The host's user declined. ${SCAN_AGAIN}`,
    timeout: `Nobody answered on the host in time. ${SCAN_AGAIN}`,
    busy: 'The host is already in a session with another device. Try again when it ends.',
    expired: 'This link was already used or has expired. Scan the new QR code on the host.',
    ended: `The host ended the session. ${SCAN_AGAIN}`,
    lost: `Connection lost: the host stopped answering. ${SCAN_AGAIN}`,
    resume_failed: `The connection stayed lost too long and the session ended. ${SCAN_AGAIN}`,
    session_ended: `The session ended while this device was offline. ${SCAN_AGAIN}`,
    nopath: 'No network path between this device and the host: they could not reach each other directly, and no '
      + 'relay got through. Put both on the same network (or VPN), or have the host set up a TURN server (see '
      + 'Proxim\u2019s networks documentation).',
    error: 'Something went wrong.',
  };
  const ENDED_MESSAGES = {
    host_stopped: `The host stopped sharing. ${SCAN_AGAIN}`,
    host_shutdown: 'The host shut down. Start Proxim on it again, then scan its new QR code.',
    error: `The session ended because of an error on the host. ${SCAN_AGAIN}`,
  };

  const events = new EventTarget();
  const emit = (type, detail) => events.dispatchEvent(new CustomEvent(type, { detail }));

  const heldButtons = new Set();
  const heldKeys = new Map(); // code (or key when code is empty) -> {key, code} sent with kd
  const warnedCodes = new Set();
  let heartbeat = 0;
  let watch = 0;
  let proof = null; // this page's part of the code, fixed before the host's nonce arrives: {clientHex, nonce}
  let lostTimer = 0;
  let certificate = null; // one DTLS identity for every connection of this page: the host binds the resume to it
  let iceServerList = []; // the host's STUN and TURN servers, from its `ice_servers` answer
  let resumeToken = '';
  let resumeWindowMs = 0;
  let reconnect = null; // while reconnecting: {giveUp, timer, ws, gathering, sent, oldWs}
  const pongs = new Map(); // ping id -> the function that settles its wait
  let pings = 0;
  let awaitingPicture = false; // an answer was accepted: the first frame played makes the session live
  let sessionLink = null; // the pairing link the session was approved through; a resume names its session

  const pluginChannels = new Map(); // label -> the RTCDataChannel a host plugin opened
  const session = {
    state: null,
    message: '',
    /** true when the link was never presented to the host, so trying again can still succeed */
    retryable: false,
    pc: null,
    dc: null,
    ws: null,
    hello: null, // the host's control channel hello
    permissions: new Set(),
    optional: [], // the permissions the host's plugins declare ({name, label}), granted or not
    paused: null, // {reason, seconds} while the host pauses remote input
    code: '',
    hostCode: '',
    approvalDeadline: 0,
    reconnectDeadline: 0,

    /** The open data channel a host plugin opened under `label`, or null. */
    channel(label) {
      const channel = pluginChannels.get(label);
      return channel?.readyState === 'open' ? channel : null;
    },
    on(type, listener) {
      events.addEventListener(type, (event) => listener(event.detail));
    },
    can(permission) {
      return this.permissions.has(permission);
    },
    get capabilities() {
      return Array.isArray(this.hello?.capabilities) ? this.hello.capabilities : [];
    },
    get commands() {
      return Array.isArray(this.hello?.commands) ? this.hello.commands : [];
    },
    canSendInput() {
      return this.state === 'live' && this.can('control') && !this.paused && this.dc?.readyState === 'open';
    },

    /** Sends a control message if this session may; returns whether it went out. */
    send(message) {
      if (this.state !== 'live' || this.dc?.readyState !== 'open') return false;
      if (NEEDS_CONTROL.has(message.t) && !this.canSendInput()) return false;
      if (NEEDS_COMMANDS.has(message.t) && !this.can('commands')) return false;
      this.dc.send(JSON.stringify(message));
      return true;
    },

    /** Presses a button (`down`) or key (`kd`) on the host and remembers it until it is lifted. */
    press(message) {
      if (!this.canSendInput()) return;
      if (message.t === 'down') {
        if (heldButtons.has(message.b)) return;
        heldButtons.add(message.b);
      } else {
        const id = message.code || message.key;
        if (heldKeys.has(id)) return; // auto-repeat: the host repeats held keys itself
        heldKeys.set(id, { key: message.key, code: message.code });
      }
      this.send(message);
    },

    /** Lifts what `press` pressed; a key is released as it was pressed (Shift+1 pressed "!", released "1"). */
    lift(message) {
      if (message.t === 'up') {
        if (heldButtons.delete(message.b)) this.send(message);
        return;
      }
      const id = message.code || message.key;
      const pressed = heldKeys.get(id);
      if (!pressed) return;
      heldKeys.delete(id);
      this.send({ ...message, ...pressed });
    },

    isHeld(button) {
      return heldButtons.has(button);
    },

    /** Lifts everything this page holds, then tells the host to release everything too. */
    releaseAll() {
      heldButtons.forEach((b) => this.send({ t: 'up', b }));
      heldKeys.forEach((pressed) => this.send({ t: 'ku', ...pressed }));
      heldButtons.clear();
      heldKeys.clear();
      this.send({ t: 'release' });
      emit('released');
    },

    disconnect() {
      if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type: 'bye' }));
      setState('ended', 'You disconnected. Scan the QR code on the host to connect again.');
    },

    start() {
      start().catch((err) => fail(`Could not start the connection: ${err.message}`));
    },
  };

  function setState(next, message, retryable = false) {
    if (session.state && !ACTIVE_STATES.has(session.state)) return; // end states are final
    if (!ACTIVE_STATES.has(next)) teardown();
    session.state = next;
    session.message = message || MESSAGES[next];
    session.retryable = retryable;
    emit('state', session);
  }

  const fail = (message) => setState('error', message);

  function teardown() {
    clearTimeout(lostTimer);
    clearInterval(heartbeat);
    clearInterval(watch);
    stopReconnecting();
    if (session.state === 'live') session.releaseAll();
    heldButtons.clear();
    heldKeys.clear();
    if (session.ws) {
      session.ws.onclose = null;
      session.ws.close();
    }
    if (session.pc) session.pc.close();
  }

  function setPermissions(permissions) {
    session.permissions = new Set(Array.isArray(permissions) ? permissions : []);
    if (!session.can('control')) {
      heldButtons.clear();
      heldKeys.clear();
    }
    emit('permissions', session);
  }

  // ---------------------------------------------------------------- pairing and negotiation

  function parseLink() {
    const path = location.pathname.match(/^\/p\/([A-Za-z0-9_-]+)\/?$/);
    const params = new URLSearchParams(location.hash.slice(1));
    const secret = params.get('k');
    const fp = params.get('fp');
    const fpBytes = fp && util.base64urlDecode(fp);
    if (!path || !secret || !fpBytes || fpBytes.length !== 32) return null;
    return { session: path[1], secret, fp, fpHex: util.toFingerprintHex(fpBytes) };
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

  function waitForIceGathering(pc, timeoutMs) {
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
    if (location.pathname === '/' && !location.hash) {
      setState('idle'); // opened from the home screen: there is nothing to pair with yet
      return;
    }
    setState('connecting');
    const link = parseLink();
    if (!link) {
      fail('This link is incomplete. Scan the QR code on the host again.');
      return;
    }
    if (!window.RTCPeerConnection) {
      fail('This browser cannot show remote screens (it has no WebRTC). Open the link in a current browser.');
      return;
    }
    const generated = RTCPeerConnection.generateCertificate?.({ name: 'ECDSA', namedCurve: 'P-256' });
    certificate = await Promise.resolve(generated).catch(() => null);
    openSignaling(link);
  }

  /** The host's STUN and TURN servers as RTCIceServer entries, or null when the message is malformed. */
  function iceServers(message) {
    const servers = message.servers;
    if (!Array.isArray(servers)) return null;
    const valid = servers.every((server) => server && Array.isArray(server.urls) && server.urls.length > 0
      && server.urls.every((url) => typeof url === 'string' && ICE_URL_RE.test(url))
      && ['username', 'credential'].every((key) => server[key] === undefined || typeof server[key] === 'string'));
    return valid ? servers.map(({ urls, username, credential }) => ({ urls, username, credential })) : null;
  }

  /** Creates the peer with the host's ICE servers, gathers every candidate, then asks the host with the offer. */
  async function offer(link, servers) {
    iceServerList = servers;
    const { pc, dc } = newPeer();
    session.pc = pc;
    session.dc = dc;
    const sdp = await makeOffer(pc);
    if (session.state !== 'connecting') return; // the user disconnected meanwhile

    const clientHex = util.sdpFingerprint(sdp);
    if (!clientHex) {
      fail("This browser's connection has no single SHA-256 fingerprint; it cannot pair.");
      return;
    }
    proof = { clientHex, nonce: util.newNonce() };
    const device = { name: util.deviceName() };
    const commitment = util.commitment(proof.clientHex, proof.nonce);
    session.ws.send(JSON.stringify({
      type: 'hello', v: 2, session: link.session, secret: link.secret, device, offer: sdp, commitment,
    }));
  }

  /** A peer connection with the page's one certificate and the host's ICE servers (a resume reuses those it learned
   * when pairing: TURN credentials from then still work for a while, and a LAN path needs none), its video
   * transceiver and its `control` channel. */
  function newPeer() {
    const certificates = certificate ? [certificate] : undefined;
    const pc = new RTCPeerConnection({ iceServers: iceServerList, ...(certificates && { certificates }) });
    preferH264(pc.addTransceiver('video', { direction: 'recvonly' }));
    const dc = pc.createDataChannel('control');
    dc.onmessage = onControlMessage;
    pc.ondatachannel = (event) => onPluginChannel(pc, event.channel);
    pc.ontrack = (event) => emit('track', event.streams[0] || new MediaStream([event.track]));
    pc.onconnectionstatechange = () => onPeerState(pc);
    return { pc, dc };
  }

  /** A channel a plugin of the host opened (the host opens each while the session holds its permission). */
  function onPluginChannel(pc, channel) {
    if (pc !== session.pc) {
      channel.close();
      return;
    }
    pluginChannels.set(channel.label, channel);
    channel.addEventListener('close', () => {
      if (pluginChannels.get(channel.label) === channel) pluginChannels.delete(channel.label);
    });
    emit('channel', channel);
  }

  async function makeOffer(pc) {
    await pc.setLocalDescription(await pc.createOffer());
    await waitForIceGathering(pc, iceServerList.length ? GATHER_WITH_SERVERS_MS : GATHER_TIMEOUT_MS);
    return pc.localDescription.sdp;
  }

  function onPeerState(pc) {
    if (pc !== session.pc) return; // a connection this page has already replaced
    const state = pc.connectionState;
    clearTimeout(lostTimer);
    if (session.state === 'live' && (state === 'disconnected' || state === 'failed')) {
      startReconnecting();
    } else if (session.state === 'reconnecting') {
      // the old connection came back by itself, before any resume was sent: nothing was lost but held keys
      if (state === 'connected' && !reconnect.sent && session.ws?.readyState === WebSocket.OPEN) goLive();
      else if (state === 'failed' && reconnect.sent) retrySoon();
    } else if (state === 'failed') {
      noNetworkPath();
    } else if (state === 'disconnected') {
      lostTimer = setTimeout(() => setState('lost'), DISCONNECT_GRACE_MS);
    }
  }

  function signalingUrl() {
    return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
  }

  /** The signaling socket of the session: its messages go to onSignalingMessage, its closing to onClose. */
  function listen(ws, link, onClose) {
    session.ws = ws;
    ws.onmessage = (event) => {
      const message = util.parseJson(event.data);
      if (!message) return;
      onSignalingMessage(message, link)
        .catch((err) => fail(`The host's answer could not be used: ${err.message}`));
    };
    ws.onclose = () => {
      if (ws === session.ws) onClose();
    };
  }

  /** Opens the signaling socket and first asks for the host's ICE servers, which the peer needs before gathering. */
  function openSignaling(link) {
    let opened = false;
    const ws = new WebSocket(signalingUrl());
    listen(ws, link, () => {
      if (session.state === 'live') startReconnecting();
      else if (session.state === 'reconnecting') nudgeReconnect();
      else if (opened) setState('lost');
      else {
        setState('lost', 'Could not reach the host. Check that this device is on the same network, then try again.',
          true);
      }
    });
    ws.onopen = () => {
      opened = true;
      ws.send(JSON.stringify({ type: 'ice', v: 2, session: link.session, secret: link.secret }));
    };
  }

  /** ICE failed before the session was live: tell the host why this page leaves, so both say the same. */
  function noNetworkPath() {
    if (session.ws?.readyState === WebSocket.OPEN) {
      session.ws.send(JSON.stringify({ type: 'bye', reason: 'no_network_path' }));
    }
    setState('nopath');
  }

  // ---------------------------------------------------------------- resuming after a network blip

  /** The connection dropped while live: the host released everything; try to resume until the window closes. */
  function startReconnecting() {
    if (!resumeToken) {
      setState('lost');
      return;
    }
    session.releaseAll(); // reaches the host if the old connection comes back by itself
    clearInterval(heartbeat);
    reconnect = { timer: 0, ws: null, gathering: null, sent: false, oldWs: null };
    reconnect.giveUp = setTimeout(() => setState('lost', MESSAGES.resume_failed), resumeWindowMs);
    session.reconnectDeadline = performance.now() + resumeWindowMs;
    setState('reconnecting');
    attemptResume();
  }

  /** The old socket's close arrived, so the network is likely back: try now, unless a try is already through. */
  function nudgeReconnect() {
    if (reconnect.ws?.readyState !== WebSocket.OPEN) attemptResume();
  }

  function retrySoon() {
    if (!reconnect) return;
    clearTimeout(reconnect.timer);
    reconnect.timer = setTimeout(attemptResume, RESUME_RETRY_MS);
  }

  function dropAttempt() {
    clearTimeout(reconnect.timer);
    if (reconnect.ws) {
      reconnect.ws.onclose = null;
      reconnect.ws.onopen = null;
      reconnect.ws.close();
    }
    reconnect.gathering?.close(session.pc);
    Object.assign(reconnect, { ws: null, gathering: null });
  }

  /** Peer connections for a resume, one more every RESUME_GATHER_STEP_MS: ``peer`` settles with the first whose
   * offer has candidates ({pc, dc, offer}), or fails when none has; ``close(keep)`` closes all but ``keep``. */
  function gatherForResume() {
    const peers = [];
    let timer = 0;
    const peer = new Promise((resolve, reject) => {
      let settled = 0;
      const start = () => {
        const started = newPeer();
        peers.push(started);
        if (peers.length === RESUME_GATHER_PEERS) clearInterval(timer);
        makeOffer(started.pc).then((offer) => {
          if (/^a=candidate:/m.test(offer)) resolve({ ...started, offer });
        }).catch(() => {}).finally(() => {
          settled += 1;
          if (settled === RESUME_GATHER_PEERS) reject(new Error('no network to gather candidates on'));
        });
      };
      start();
      timer = setInterval(start, RESUME_GATHER_STEP_MS);
    });
    peer.then(() => clearInterval(timer), () => {});
    return {
      peer,
      close(keep) {
        clearInterval(timer);
        peers.forEach((p) => p.pc !== keep && p.pc.close());
      },
    };
  }

  /** One try: a new WebSocket and, made meanwhile, a fresh offer from a new peer connection; once the socket
   * opens, the resume. */
  function attemptResume() {
    if (session.state !== 'reconnecting') return;
    dropAttempt();
    if (!navigator.onLine) {
      // no network interface up: a connection made now would gather nothing; the 'online' event tries at once
      reconnect.timer = setTimeout(attemptResume, RESUME_RETRY_MS);
      return;
    }
    const ws = new WebSocket(signalingUrl());
    const gathering = gatherForResume(); // while the socket connects
    gathering.peer.catch(() => {});
    Object.assign(reconnect, { ws, gathering });
    reconnect.timer = setTimeout(attemptResume, RESUME_RETRY_MS);
    ws.onopen = () => {
      const openedAt = performance.now();
      clearTimeout(reconnect.timer);
      reconnect.timer = setTimeout(attemptResume, RESUME_ATTEMPT_MS);
      sendResume(ws, gathering, openedAt).catch((err) => {
        console.warn('Proxim: resume attempt failed', err);
        if (ws === reconnect?.ws) attemptResume();
      });
    };
  }

  async function sendResume(ws, gathering, openedAt) {
    const { pc, dc, offer } = await gathering.peer;
    gathering.close(pc);
    const cameBack = await oldConnectionCameBack(openedAt);
    if (ws !== reconnect?.ws || ws.readyState !== WebSocket.OPEN) return;
    if (cameBack) {
      goLive();
      return;
    }
    const old = { ws: session.ws, pc: session.pc };
    session.pc = pc;
    session.dc = dc;
    listen(ws, sessionLink, retrySoon);
    if (old.ws) old.ws.onclose = null;
    // closed once the host has answered: a close before that could reach it first and tell it this device left
    reconnect.oldWs = old.ws;
    if (old.pc) old.pc.close();
    reconnect.sent = true;
    awaitingPicture = false;
    ws.send(JSON.stringify({ type: 'resume', v: 2, session: sessionLink.session, token: resumeToken, offer }));
  }

  function retireOldSocket() {
    reconnect?.oldWs?.close();
    if (reconnect) reconnect.oldWs = null;
  }

  function stopReconnecting() {
    if (!reconnect) return;
    retireOldSocket();
    clearTimeout(reconnect.giveUp);
    if (reconnect.ws === session.ws) reconnect.ws = null; // the resumed connection is the session's now
    dropAttempt();
    reconnect = null;
  }

  /** Whether the connection that dropped came back by itself: its socket still open and the host answering a ping
   * on its control channel within RECOVERY_GRACE_MS of ``backAt``, when the network was seen back. Then nothing
   * needs resuming. (Packets alone prove nothing: they may be the host's goodbye to that connection.) */
  function oldConnectionCameBack(backAt) {
    const { ws, dc } = session;
    if (ws?.readyState !== WebSocket.OPEN || dc?.readyState !== 'open') return Promise.resolve(false);
    pings += 1;
    const id = pings;
    return new Promise((resolve) => {
      const settle = (answered) => {
        clearTimeout(timer);
        pongs.delete(id);
        resolve(answered);
      };
      const timer = setTimeout(() => settle(false), Math.max(0, backAt + RECOVERY_GRACE_MS - performance.now()));
      pongs.set(id, settle);
      dc.send(JSON.stringify({ t: 'ping', id }));
    });
  }

  function goLive() {
    awaitingPicture = false;
    stopReconnecting();
    setState('live');
    clearInterval(heartbeat);
    heartbeat = setInterval(() => session.send({ t: 'hb' }), HEARTBEAT_MS);
    clearInterval(watch);
    watch = setInterval(watchInbound, WATCH_MS);
  }

  window.addEventListener('online', () => {
    if (session.state === 'reconnecting') attemptResume();
  });

  // ---------------------------------------------------------------- noticing a drop

  const inbound = { pc: null, bytes: -1, at: 0 }; // what the session's peer connection had received, and when

  async function bytesReceived(pc) {
    let total = 0;
    (await pc.getStats()).forEach((stats) => {
      if (stats.type === 'transport') total += stats.bytesReceived || 0;
    });
    return total;
  }

  async function watchInbound() {
    const pc = session.pc;
    if (!pc) return;
    const bytes = await bytesReceived(pc);
    const now = performance.now();
    if (pc !== inbound.pc || bytes !== inbound.bytes) Object.assign(inbound, { pc, bytes, at: now });
    else if (session.state === 'live' && pc === session.pc && now - inbound.at > SILENCE_MS) startReconnecting();
  }

  async function onSignalingMessage(message, link) {
    switch (message.type) {
      case 'ice_servers': {
        const servers = iceServers(message);
        if (servers) await offer(link, servers);
        else fail('The host sent STUN or TURN settings this page cannot use.');
        break;
      }
      case 'challenge':
        // one challenge per hello: a second would let whoever sends it choose the code after seeing our nonce
        if (!proof || session.code || typeof message.nonce !== 'string') {
          fail('Stopped: the host sent an unexpected challenge. Scan the QR code on the host again.');
          return;
        }
        session.code = util.verificationCode(link.fpHex, proof.clientHex, proof.nonce, message.nonce);
        session.ws.send(JSON.stringify({ type: 'reveal', nonce: proof.nonce }));
        break;
      case 'pending':
        if (!session.code) {
          fail('Stopped: the host asked for approval without a challenge. Scan the QR code on the host again.');
          return;
        }
        session.hostCode = String(message.code ?? '');
        session.approvalDeadline = performance.now() + (Number(message.timeout) || 0) * 1000;
        setState('pending', `Accept the request on the host if it shows the code ${util.formatCode(session.code)}.`);
        break;
      case 'approved':
        session.optional = Array.isArray(message.optional) ? message.optional : [];
        setPermissions(message.permissions);
        keepResumeTicket(message, link);
        setState('connecting', 'Approved. Connecting to the screen…');
        break;
      case 'resumed':
        setPermissions(message.permissions);
        keepResumeTicket(message, link);
        retireOldSocket();
        break;
      case 'answer':
        await acceptAnswer(message.sdp, link.fpHex);
        awaitingPicture = true;
        break;
      case 'rejected':
        setState(message.reason === 'timeout' ? 'timeout' : 'rejected');
        break;
      case 'ended':
        if (message.reason === 'no_network_path') setState('nopath');
        else setState('ended', ENDED_MESSAGES[message.reason] || MESSAGES.ended);
        break;
      case 'error':
        if (message.code === 'busy') setState('busy');
        else if (message.code === 'unknown_session') setState('expired');
        else if (message.code === 'session_ended') setState('ended', MESSAGES.session_ended);
        else fail(message.message || `The host reported an error (${message.code}).`);
        break;
      default:
        console.warn('Proxim: ignoring signaling message', message.type);
    }
  }

  function keepResumeTicket(message, link) {
    resumeToken = typeof message.resume === 'string' ? message.resume : resumeToken;
    resumeWindowMs = (Number(message.resume_window) || resumeWindowMs / 1000) * 1000;
    sessionLink = link;
  }

  async function acceptAnswer(sdp, expectedHex) {
    if (typeof sdp !== 'string' || util.sdpFingerprint(sdp) !== expectedHex) {
      fail('Stopped: host identity mismatch. The answer did not come from the computer that showed the QR code.');
      return;
    }
    // Drop the other hash algorithms so the browser can only accept the certificate we just checked.
    const checkedSdp = sdp.replace(/^a=fingerprint:(?!sha-256[ \t])[^\r\n]*(\r?\n|$)/gim, '');
    await session.pc.setRemoteDescription({ type: 'answer', sdp: checkedSdp });
  }

  /** The first decoded frame is on screen: the session is live. */
  session.videoPlaying = () => {
    if (awaitingPicture && (session.state === 'connecting' || session.state === 'reconnecting')) goLive();
  };

  // ---------------------------------------------------------------- host -> page control messages

  function onControlMessage(event) {
    const message = util.parseJson(event.data);
    switch (message?.t) {
      case 'hello':
        session.hello = message;
        setPermissions(message.permissions);
        emit('hello', session);
        break;
      case 'perm':
        setPermissions(message.permissions);
        break;
      case 'paused':
        session.paused = { reason: message.reason, seconds: Number(message.seconds) || 0 };
        heldButtons.clear(); // the host released everything when it paused
        heldKeys.clear();
        emit('paused', session);
        break;
      case 'resumed':
        session.paused = null;
        emit('paused', session);
        break;
      case 'pong':
        pongs.get(message.id)?.(true);
        break;
      case 'clip':
        emit('clip', String(message.text ?? ''));
        break;
      case 'error':
        emit('refused', message);
        if (!warnedCodes.has(message.code)) {
          console.warn('Proxim: the host refused a message:', message.code, message.message);
        }
        warnedCodes.add(message.code);
        break;
      default:
        break;
    }
  }

  window.Proxim.session = session;
})();
