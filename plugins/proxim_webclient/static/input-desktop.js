// Mouse, pen and physical keyboard: captured while the video's text sink has focus; Ctrl+Alt+Shift or a click outside
// lets go. The sink is an invisible text box over the picture: key presses go out as keys, and text that arrives
// without one (IME compositions, the emoji picker, dictation, characters the keyboard lacks) goes out as text.
'use strict';

(() => {
  const { session, view } = window.Proxim;
  const video = document.getElementById('screen');
  const sink = document.getElementById('text-sink');
  const LINE_HEIGHT_PX = 16;
  const TEXT_LIMIT = 1000;
  // Indexed by PointerEvent.button; BUTTON_MASKS gives the matching PointerEvent.buttons bit.
  const BUTTONS = ['left', 'middle', 'right', 'back', 'forward'];
  const BUTTON_MASKS = [1, 4, 2, 8, 16];
  const MODIFIERS = ['Shift', 'Control', 'Alt', 'AltGraph', 'Meta'];

  let pendingMove = null;
  let moveFrame = 0;

  const isMouse = (event) => event.pointerType !== 'touch';

  function flushMove() {
    moveFrame = 0;
    if (pendingMove) session.send({ t: 'move', ...pendingMove });
    pendingMove = null;
  }

  function pressButton(event) {
    const button = BUTTONS[event.button];
    const point = view.hostPoint(event.clientX, event.clientY);
    if (!button || !point) return;
    pendingMove = null; // the press carries a newer position
    session.press({ t: 'down', b: button, ...point });
  }

  function releaseButton(event) {
    const button = BUTTONS[event.button];
    if (!button || !session.isHeld(button)) return;
    pendingMove = null;
    session.lift({ t: 'up', b: button, ...view.hostPoint(event.clientX, event.clientY) });
  }

  const modifiersOf = (event) => MODIFIERS.filter((name) => event.getModifierState(name));

  video.addEventListener('contextmenu', (event) => event.preventDefault());

  /** Gives the keyboard to the sink, placed under the pointer so that an IME shows its candidates there. */
  function capture(clientX, clientY) {
    if (clientX !== undefined) {
      const stage = view.stagePoint(clientX, clientY);
      sink.style.left = `${stage.x}px`;
      sink.style.top = `${stage.y}px`;
    }
    sink.focus({ preventScroll: true });
  }

  video.addEventListener('focus', () => {
    if (session.canSendInput()) capture(); // reached with Tab
  });
  video.addEventListener('mousedown', (event) => event.preventDefault()); // the sink keeps the focus

  video.addEventListener('pointerdown', (event) => {
    if (!isMouse(event) || session.state !== 'live') return;
    capture(event.clientX, event.clientY);
    if (!event.isPrimary || !session.canSendInput()) return;
    event.preventDefault(); // back/forward buttons must not navigate the page
    video.setPointerCapture(event.pointerId); // so the release is seen outside the video too
    pressButton(event);
  });

  video.addEventListener('pointermove', (event) => {
    if (!isMouse(event) || !event.isPrimary || !session.canSendInput()) return;
    // A second button pressed or released while another is held arrives as a move.
    if (event.button >= 0) {
      if (event.buttons & BUTTON_MASKS[event.button]) pressButton(event);
      else releaseButton(event);
      return;
    }
    const point = view.hostPoint(event.clientX, event.clientY);
    if (!point) return;
    pendingMove = point;
    moveFrame = moveFrame || requestAnimationFrame(flushMove);
  });

  video.addEventListener('pointerup', (event) => {
    if (!isMouse(event) || !event.isPrimary) return;
    event.preventDefault(); // browsers navigate on the back and forward buttons' release unless told not to
    releaseButton(event);
  });

  video.addEventListener('wheel', (event) => {
    if (session.state !== 'live') return;
    event.preventDefault();
    const unitX = [1, LINE_HEIGHT_PX, window.innerWidth][event.deltaMode] ?? 1;
    const unitY = [1, LINE_HEIGHT_PX, window.innerHeight][event.deltaMode] ?? 1;
    session.send({ t: 'wheel', dx: event.deltaX * unitX, dy: event.deltaY * unitY });
  }, { passive: false });

  // An input method at work: its keys are its own, and what it commits arrives as text.
  const composing = (event) => event.isComposing || event.key === 'Process' || event.keyCode === 229;

  sink.addEventListener('keydown', (event) => {
    if (!session.canSendInput() || composing(event)) return;
    event.preventDefault(); // a key sent as a key types nothing into the sink
    const modifier = ['Control', 'Alt', 'Shift'].includes(event.key);
    if (modifier && event.ctrlKey && event.altKey && event.shiftKey) {
      sink.blur(); // the way out; blurring releases everything held
      return;
    }
    session.press({ t: 'kd', key: event.key, code: event.code, mods: modifiersOf(event) });
  });

  sink.addEventListener('keyup', (event) => {
    if (!session.canSendInput()) return;
    event.preventDefault();
    session.lift({ t: 'ku', key: event.key, code: event.code, mods: modifiersOf(event) });
  });

  /** Sends what the sink holds as text, and empties it. */
  function flushText() {
    const chars = Array.from(sink.value); // code points, as the host counts them
    sink.value = '';
    for (let i = 0; i < chars.length; i += TEXT_LIMIT) {
      session.send({ t: 'text', text: chars.slice(i, i + TEXT_LIMIT).join('') });
    }
  }

  let inComposition = false;
  sink.addEventListener('compositionstart', () => { inComposition = true; });
  sink.addEventListener('compositionend', () => {
    inComposition = false;
    setTimeout(flushText); // after the browser's final input event for the composition
  });
  sink.addEventListener('input', (event) => {
    if (!inComposition && !event.isComposing) flushText();
  });

  const releaseEverything = () => {
    pendingMove = null;
    if (session.state === 'live') session.releaseAll();
  };
  sink.addEventListener('blur', () => {
    inComposition = false;
    sink.value = ''; // a composition left unfinished is dropped, as a local text box would drop it
    releaseEverything();
  });
  window.addEventListener('blur', releaseEverything);
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) releaseEverything();
  });
})();
