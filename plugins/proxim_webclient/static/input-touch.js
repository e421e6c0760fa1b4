// Touch gestures on the remote screen, in two modes.
//   direct:   tap = click there, drag = drag there, long press = right click
//   trackpad: slide = move the pointer, tap = left click, long press then slide = drag
// Both: two-finger tap = right click, two-finger slide = scroll, pinch = zoom and pan the picture.
'use strict';

(() => {
  const { session, view } = window.Proxim;
  const video = document.getElementById('screen');

  const TAP_SLOP_PX = 10;
  const TAP_MS = 300;
  const LONG_PRESS_MS = 500;
  const PINCH_SLOP_PX = 24;
  const SCROLL_SLOP_PX = 8;
  const SCROLL_GAIN = 3; // host wheel pixels per CSS pixel of finger travel
  const TRACKPAD_GAIN = 1.6; // pointer acceleration: a phone screen is small
  const MODE_KEY = 'proxim.touchMode';

  const touch = {
    mode: localStorage.getItem(MODE_KEY) === 'trackpad' ? 'trackpad' : 'direct',
    setMode(mode) {
      this.mode = mode === 'trackpad' ? 'trackpad' : 'direct';
      localStorage.setItem(MODE_KEY, this.mode);
      document.body.dataset.touchMode = this.mode;
    },
  };
  document.body.dataset.touchMode = touch.mode;

  // The gesture in progress, from the first finger down to the last finger up.
  // kind: 'one' (undecided), 'move', 'drag', 'held' (after a long press), 'two' (undecided), 'scroll', 'pinch', 'done'
  let gesture = null;
  let longPressTimer = 0;

  const fingers = (event) => Array.from(event.touches, (t) => ({ id: t.identifier, x: t.clientX, y: t.clientY }));
  const distance = (a, b) => Math.hypot(a.x - b.x, a.y - b.y);
  const midpoint = (a, b) => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });

  function click(button, point) {
    session.press({ t: 'down', b: button, ...point });
    session.lift({ t: 'up', b: button, ...point });
  }

  /** Where a one-finger action happens: under the finger (direct) or where the pointer is (trackpad: no point). */
  function actionPoint(finger) {
    return touch.mode === 'direct' ? view.hostPoint(finger.x, finger.y) : {};
  }

  function onLongPress() {
    if (gesture?.kind !== 'one') return;
    navigator.vibrate?.(15);
    if (touch.mode === 'direct') {
      const point = actionPoint(gesture.start);
      if (point) click('right', point);
      gesture.kind = 'done';
    } else {
      session.press({ t: 'down', b: 'left' });
      gesture.kind = 'held';
    }
  }

  function startGesture(list) {
    clearTimeout(longPressTimer);
    if (list.length === 1) {
      gesture = { kind: 'one', start: list[0], last: list[0], time: performance.now() };
      longPressTimer = setTimeout(onLongPress, LONG_PRESS_MS);
    } else if (list.length === 2 && (!gesture || gesture.kind === 'one')) {
      const [a, b] = list;
      const time = gesture?.time ?? performance.now(); // both fingers may land in one event
      gesture = { kind: 'two', start: a, distance: distance(a, b), mid: midpoint(a, b), time };
      gesture.lastMid = gesture.mid;
      gesture.lastDistance = gesture.distance;
    } else if (gesture?.kind === 'two') {
      gesture.kind = 'done'; // a third finger: no tap
    }
  }

  function moveOneFinger(finger) {
    const moved = distance(finger, gesture.start) > TAP_SLOP_PX;
    if (gesture.kind === 'one' && moved) {
      clearTimeout(longPressTimer);
      if (touch.mode === 'direct') {
        const point = view.hostPoint(gesture.start.x, gesture.start.y);
        if (point) session.press({ t: 'down', b: 'left', ...point });
        gesture.kind = 'drag';
      } else {
        gesture.kind = 'move';
      }
    }
    if (gesture.kind === 'drag') {
      const point = view.hostPoint(finger.x, finger.y);
      if (point) session.send({ t: 'move', ...point });
    } else if (gesture.kind === 'move' || gesture.kind === 'held') {
      const scale = view.hostPixelsPerCssPixel(session.hello?.screen?.w) * TRACKPAD_GAIN;
      const clamp = (value) => Math.max(-2000, Math.min(2000, Math.round(value * scale * 100) / 100));
      const dx = clamp(finger.x - gesture.last.x);
      const dy = clamp(finger.y - gesture.last.y);
      if (dx || dy) session.send({ t: 'rmove', dx, dy });
    }
    gesture.last = finger;
  }

  function moveTwoFingers(a, b) {
    const mid = midpoint(a, b);
    const spread = distance(a, b);
    if (gesture.kind === 'two') {
      if (Math.abs(spread - gesture.distance) > PINCH_SLOP_PX) gesture.kind = 'pinch';
      else if (distance(mid, gesture.mid) > SCROLL_SLOP_PX) gesture.kind = 'scroll';
    }
    if (gesture.kind === 'scroll') {
      // Natural scrolling: fingers moving up bring what is below into view.
      const dx = (gesture.lastMid.x - mid.x) * SCROLL_GAIN;
      const dy = (gesture.lastMid.y - mid.y) * SCROLL_GAIN;
      session.send({ t: 'wheel', dx, dy });
    } else if (gesture.kind === 'pinch') {
      const anchor = view.stagePoint(gesture.lastMid.x, gesture.lastMid.y);
      view.zoom(view.scale * (spread / gesture.lastDistance), anchor.x, anchor.y,
        mid.x - gesture.lastMid.x, mid.y - gesture.lastMid.y);
    }
    gesture.lastMid = mid;
    gesture.lastDistance = spread;
  }

  function endGesture() {
    clearTimeout(longPressTimer);
    const quick = performance.now() - gesture.time < TAP_MS * (gesture.kind === 'two' ? 2 : 1);
    if (gesture.kind === 'one' && quick) {
      const point = actionPoint(gesture.start);
      if (point) click('left', point);
    } else if (gesture.kind === 'two' && quick) {
      const point = actionPoint(gesture.start);
      if (point) click('right', point);
    } else if (gesture.kind === 'drag') {
      session.lift({ t: 'up', b: 'left', ...view.hostPoint(gesture.last.x, gesture.last.y) });
    } else if (gesture.kind === 'held') {
      session.lift({ t: 'up', b: 'left' });
    }
    gesture = null;
  }

  video.addEventListener('touchstart', (event) => {
    event.preventDefault(); // no emulated mouse events, no browser zoom: every gesture is ours
    if (session.state !== 'live') return;
    startGesture(fingers(event));
  }, { passive: false });

  video.addEventListener('touchmove', (event) => {
    event.preventDefault();
    if (!gesture) return;
    const list = fingers(event);
    if (list.length === 1 && ['one', 'move', 'drag', 'held'].includes(gesture.kind)) moveOneFinger(list[0]);
    else if (list.length === 2 && ['two', 'scroll', 'pinch'].includes(gesture.kind)) moveTwoFingers(list[0], list[1]);
  }, { passive: false });

  const onTouchEnd = (event) => {
    event.preventDefault();
    if (gesture && event.touches.length === 0) endGesture();
  };
  video.addEventListener('touchend', onTouchEnd, { passive: false });
  video.addEventListener('touchcancel', (event) => {
    event.preventDefault();
    clearTimeout(longPressTimer);
    if (gesture?.kind === 'drag' || gesture?.kind === 'held') session.lift({ t: 'up', b: 'left' });
    gesture = null;
  }, { passive: false });

  // Safari zooms the whole page on a pinch unless its own gesture events are cancelled.
  document.addEventListener('gesturestart', (event) => event.preventDefault());

  window.Proxim.touch = touch;
})();
