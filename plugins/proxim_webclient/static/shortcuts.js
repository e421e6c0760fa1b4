// Key combinations the browser keeps for itself (Ctrl+W, Alt+Tab, Super...): sent from the menu, or, where the page
// is a secure context (localhost, https), captured in full screen with the Keyboard Lock API.
'use strict';

(() => {
  const { session, util } = window.Proxim;
  const $ = (id) => document.getElementById(id);
  const section = $('shortcuts-section');
  const fullscreen = $('fullscreen');
  const hint = $('kbd-hint');
  const sink = $('text-sink');
  const MODIFIER_CODES = { Control: 'ControlLeft', Alt: 'AltLeft', Shift: 'ShiftLeft', Meta: 'MetaLeft' };
  const windowedHint = hint.textContent;
  const lockedHint = 'Every key goes to the remote computer. Hold Esc to leave full screen; Ctrl+Alt+Shift lets go.';

  const codeOf = (key) => MODIFIER_CODES[key] || util.codeForChar(key) || key;

  /** Presses the keys in order, then releases them in reverse: "Control Alt Delete". */
  function sendCombination(keys) {
    const mods = [];
    for (const key of keys) {
      session.press({ t: 'kd', key, code: codeOf(key), mods: [...mods] });
      if (MODIFIER_CODES[key]) mods.push(key);
    }
    for (const key of [...keys].reverse()) {
      if (MODIFIER_CODES[key]) mods.splice(mods.indexOf(key), 1);
      session.lift({ t: 'ku', key, code: codeOf(key), mods: [...mods] });
    }
  }

  section.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-keys]');
    if (!button) return;
    sendCombination(button.dataset.keys.split(' '));
    $('menu-close').click();
  });

  const canLock = window.isSecureContext && !!navigator.keyboard?.lock && document.fullscreenEnabled;
  fullscreen.hidden = !canLock;
  fullscreen.addEventListener('click', async () => {
    $('menu-close').click();
    try {
      await document.documentElement.requestFullscreen({ navigationUI: 'hide' });
      await navigator.keyboard.lock();
      hint.textContent = lockedHint;
      sink.focus({ preventScroll: true });
    } catch (err) {
      console.info('Proxim: full screen with every key was refused:', err.message);
    }
  });
  document.addEventListener('fullscreenchange', () => {
    if (document.fullscreenElement) return;
    navigator.keyboard?.unlock();
    hint.textContent = windowedHint;
  });

  function render() {
    section.hidden = session.state !== 'live' || !session.can('control');
    if (section.hidden && document.fullscreenElement) document.exitFullscreen().catch(() => {});
  }
  session.on('state', render);
  session.on('hello', render);
  session.on('permissions', render);
})();
