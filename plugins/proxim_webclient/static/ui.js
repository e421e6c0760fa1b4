// What the page shows for each state: the status panel, the verification codes and countdown, the toolbar, the
// paused and view-only notices, the keyboard hint; and the screen wake lock while connected.
'use strict';

(() => {
  const { session, util } = window.Proxim;
  const $ = (id) => document.getElementById(id);
  const ui = {
    status: $('status'), code: $('code'), hostCode: $('host-code'), codeWarning: $('code-warning'),
    countdown: $('countdown'), reconnectLeft: $('reconnect-left'), retry: $('retry'), video: $('screen'), hint: $('kbd-hint'),
    sink: $('text-sink'),
    headline: $('headline'), viewOnly: $('view-only'), paused: $('paused'), disconnect: $('disconnect'),
    controls: $('live-controls'),
  };
  const HEADLINES = {
    idle: 'Ready to connect', connecting: 'Connecting', pending: 'Waiting for approval', live: 'Connected',
    reconnecting: 'Reconnecting…',
    rejected: 'Declined', timeout: 'No answer', busy: 'Host busy', expired: 'Link expired', ended: 'Session ended',
    lost: 'Connection lost', nopath: 'No network path', error: 'Cannot connect',
  };
  let countdownTimer = 0;
  let wakeLock = null;

  function renderState() {
    const { state } = session;
    document.body.dataset.state = state;
    document.body.className = `state-${state}`;
    ui.headline.textContent = HEADLINES[state] || '';
    ui.headline.classList.remove('alarm');
    ui.status.textContent = session.message;
    ui.disconnect.textContent = state === 'live' ? 'Disconnect' : 'Cancel';
    ui.retry.hidden = !session.retryable;
    clearInterval(countdownTimer);
    if (state === 'pending') showPairing();
    if (state === 'reconnecting') countDown(ui.reconnectLeft, session.reconnectDeadline);
    if (!['connecting', 'pending', 'live', 'reconnecting'].includes(state)) ui.video.srcObject = null;
    renderInputState();
    keepAwake(state === 'live');
  }

  function showPairing() {
    ui.code.textContent = util.formatCode(session.code);
    const hostCode = session.hostCode;
    ui.hostCode.textContent = /^\d{6}$/.test(hostCode) ? util.formatCode(hostCode) : hostCode || '–';
    const mismatch = hostCode !== session.code;
    ui.codeWarning.hidden = !mismatch;
    ui.headline.classList.toggle('alarm', mismatch);
    if (mismatch) {
      ui.headline.textContent = 'Do not approve';
      ui.status.textContent = 'This device and the host computed different codes.';
    }
    countDown(ui.countdown, session.approvalDeadline);
  }

  /** Shows in ``element`` the whole seconds left until ``deadline`` (performance.now() time), until the next state. */
  function countDown(element, deadline) {
    const tick = () => {
      element.textContent = String(Math.max(0, Math.ceil((deadline - performance.now()) / 1000)));
    };
    tick();
    countdownTimer = setInterval(tick, 250);
  }

  function renderInputState() {
    const live = session.state === 'live';
    const control = live && session.can('control');
    ui.viewOnly.hidden = !live || session.can('control');
    ui.controls.hidden = !control;
    ui.hint.hidden = !control || !!session.paused || document.activeElement !== ui.sink;
    const paused = live && session.paused;
    ui.paused.hidden = !paused;
    if (paused) {
      ui.paused.textContent = session.paused.reason === 'local_input'
        ? 'Someone is using the host\u2019s mouse or keyboard: your input is paused for a moment.'
        : 'The host paused sharing. You can continue when it resumes.';
    }
    document.body.classList.toggle('paused', !!paused);
  }

  /** Keeps the phone's screen on while connected, where the browser allows it (secure contexts only). */
  async function keepAwake(awake) {
    try {
      if (awake && !wakeLock && navigator.wakeLock && document.visibilityState === 'visible') {
        wakeLock = await navigator.wakeLock.request('screen');
        wakeLock.addEventListener('release', () => { wakeLock = null; });
      } else if (!awake && wakeLock) {
        await wakeLock.release();
      }
    } catch (err) {
      console.info('Proxim: the screen may turn off while connected:', err.message);
    }
  }
  document.addEventListener('visibilitychange', () => keepAwake(session.state === 'live'));

  session.on('state', renderState);
  session.on('permissions', renderInputState);
  session.on('paused', renderInputState);
  // the host says why this session is view-only (a Wayland desktop's dialog left remote interaction off, say)
  session.on('refused', (message) => {
    if (message.code === 'input_unavailable') ui.viewOnly.textContent = `View only: ${message.message}`;
  });
  session.on('track', (stream) => {
    ui.video.srcObject = stream;
    ui.video.play().catch(() => {}); // muted autoplay; the 'playing' event drives the state
  });
  ui.video.addEventListener('playing', () => session.videoPlaying());
  ui.sink.addEventListener('focus', renderInputState);
  ui.sink.addEventListener('blur', renderInputState);
  ui.disconnect.addEventListener('click', () => session.disconnect());
  ui.retry.addEventListener('click', () => location.reload());
})();
