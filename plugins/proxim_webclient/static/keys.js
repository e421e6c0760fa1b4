// Typing from a phone: the text box that opens the phone's keyboard (IME and emoji included) and the bar of keys a
// phone keyboard lacks. Ctrl, Alt, Shift and Super latch until the next key, which is sent with them held.
'use strict';

(() => {
  const { session, util } = window.Proxim;
  const TEXT_LIMIT = 1000;
  const MODIFIER_CODES = { Control: 'ControlLeft', Alt: 'AltLeft', Shift: 'ShiftLeft', Meta: 'MetaLeft' };

  const bar = document.getElementById('keys');
  const box = document.getElementById('text-input');
  const toggle = document.getElementById('keys-toggle');
  const fnToggle = document.getElementById('fn-toggle');
  const fnRow = document.getElementById('fkeys');
  const modButtons = Array.from(bar.querySelectorAll('[data-mod]'));
  let composing = false;

  const latched = () => modButtons.filter((b) => b.getAttribute('aria-pressed') === 'true').map((b) => b.dataset.mod);

  function unlatch() {
    modButtons.forEach((b) => b.setAttribute('aria-pressed', 'false'));
  }

  /** Presses and releases one key with the latched modifiers held around it. */
  function tapKey(key, code) {
    const mods = latched();
    mods.forEach((mod) => session.press({ t: 'kd', key: mod, code: MODIFIER_CODES[mod] }));
    session.press({ t: 'kd', key, code, mods });
    session.lift({ t: 'ku', key, code, mods });
    mods.reverse().forEach((mod) => session.lift({ t: 'ku', key: mod, code: MODIFIER_CODES[mod] }));
    unlatch();
  }

  /** Sends what the box holds: as text, or as key presses when modifiers are latched (Ctrl + c). */
  function flushText() {
    const chars = Array.from(box.value); // code points, as the host counts them
    box.value = '';
    if (!chars.length) return;
    if (latched().length) {
      const shifted = latched().includes('Shift');
      chars.forEach((char) => tapKey(shifted ? char.toUpperCase() : char, util.codeForChar(char)));
      return;
    }
    for (let i = 0; i < chars.length; i += TEXT_LIMIT) {
      session.send({ t: 'text', text: chars.slice(i, i + TEXT_LIMIT).join('') });
    }
  }

  function setOpen(open) {
    bar.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    if (open) box.focus({ preventScroll: true });
    else unlatch();
    window.dispatchEvent(new Event('resize')); // the stage got smaller or bigger
  }

  toggle.addEventListener('click', () => setOpen(bar.hidden));

  // Keep the phone's keyboard open: buttons of the bar must not take the focus from the box.
  bar.addEventListener('pointerdown', (event) => {
    if (event.target.closest('button')) event.preventDefault();
  });
  bar.addEventListener('mousedown', (event) => {
    if (event.target.closest('button')) event.preventDefault();
  });

  bar.addEventListener('click', (event) => {
    const button = event.target.closest('button');
    if (!button) return;
    if (button.dataset.mod) {
      const on = button.getAttribute('aria-pressed') !== 'true';
      button.setAttribute('aria-pressed', String(on));
    } else if (button.dataset.key) {
      flushText();
      tapKey(button.dataset.key, button.dataset.code || button.dataset.key);
    }
  });

  fnToggle.addEventListener('click', () => {
    fnRow.hidden = !fnRow.hidden;
    fnToggle.setAttribute('aria-pressed', String(!fnRow.hidden));
    window.dispatchEvent(new Event('resize'));
  });

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
    tapKey(event.key, event.key);
  });
  // Some phone keyboards report Backspace on an empty box only as an edit.
  box.addEventListener('beforeinput', (event) => {
    if (event.inputType !== 'deleteContentBackward' || box.value || composing) return;
    event.preventDefault();
    tapKey('Backspace', 'Backspace');
  });

  const closeUnlessTyping = () => {
    if (!bar.hidden && !session.canSendInput()) setOpen(false);
  };
  session.on('state', closeUnlessTyping);
  session.on('permissions', closeUnlessTyping);
  session.on('released', unlatch);
})();
