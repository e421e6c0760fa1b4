"""The X11 input backend: every event is real XTEST input, keys are injected as keysyms, never as synthetic events.

pynput's own key typing sends synthetic events that many clients ignore, so this backend talks XTEST through
python-xlib (which pynput itself uses) and keeps one display connection, used only from the session's input thread.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable
from typing import Any

from proxim_input_x11 import leftovers
from proxim_input_x11.keymap import SHIFT_LEVEL, Keymap
from proxim_input_x11.keysyms import code_fallback, keysym_name_for
from proxim_input_x11.local_input import InjectedEvents, LocalInputWatcher
from proxim_tray import BackendUnavailable, InputBackend, char_keysym

logger = logging.getLogger(__name__)

BUTTONS = {"left": 1, "middle": 2, "right": 3, "back": 8, "forward": 9}
# X core buttons 4-7 scroll up, down, left, right
SCROLL_UP, SCROLL_DOWN, SCROLL_LEFT, SCROLL_RIGHT = 4, 5, 6, 7
IGNORED_KEYS = ("Dead", "Process", "Compose")  # the character they compose arrives as its own key or text


class X11InputBackend(InputBackend):
    name = "x11"

    def __init__(self) -> None:
        self._display: Any = None
        self._keymap: Keymap | None = None
        self._injected = InjectedEvents()
        self._pressed: dict[str, int] = {}  # the keycode each held key (by its code) pressed
        self._shift_down: set[int] = set()  # Shift keycodes among them
        self._altgr_down: set[int] = set()  # AltGr (ISO_Level3_Shift) keycodes among them
        self._buttons: set[int] = set()  # buttons held
        self._record: leftovers.HeldRecord | None = None
        self._lock = threading.Lock()

    def unavailable_reason(self) -> str | None:
        if sys.platform != "linux":
            return "this backend drives X11; use an input backend made for this operating system"
        if not os.environ.get("DISPLAY"):
            if os.environ.get("WAYLAND_DISPLAY"):
                return "Wayland without XWayland input: remote control needs an Xorg session (log in with 'Xorg')"
            return "no X display (DISPLAY is not set); run Proxim inside a desktop session"
        try:
            self._open()
        except BackendUnavailable as exc:
            return str(exc)
        if os.environ.get("WAYLAND_DISPLAY"):
            return (
                "this is a Wayland session: XWayland ignores injected input for native Wayland windows; "
                "log in with an Xorg session to control this desktop"
            )
        return None

    def _open(self) -> Any:
        with self._lock:
            if self._display is not None:
                return self._display
            try:
                from Xlib import display as xdisplay
                from Xlib.error import DisplayError
            except ImportError as exc:
                raise BackendUnavailable(f"python-xlib is missing ({exc}); reinstall Proxim") from exc
            try:
                opened = xdisplay.Display()
            except (DisplayError, OSError) as exc:
                raise BackendUnavailable(f"cannot open the X display {os.environ.get('DISPLAY')!r}: {exc}") from exc
            if not opened.has_extension("XTEST"):
                opened.close()
                raise BackendUnavailable("the X server lacks the XTEST extension needed to inject input")
            display_name = opened.get_display_name()
            for undone in leftovers.undo(opened, display_name):
                logger.warning("%s", undone)
            self._display = opened
            self._keymap = Keymap(opened)
            self._record = leftovers.HeldRecord(display_name)
            return opened

    def _fake(self, event_type: int, detail: int = 0, x: int = 0, y: int = 0) -> None:
        """Queue one XTEST event; callers flush. The server handles one connection's requests in order, so a flush
        (no round trip) is enough, also before a keycode is lent again to another character."""
        from Xlib import X
        from Xlib.ext import xtest

        self._injected.expect(event_type, (x, y) if event_type == X.MotionNotify else detail)
        xtest.fake_input(self._display, event_type, detail, x=x, y=y)

    # -- pointer -----------------------------------------------------------------------------------------------------

    def move(self, x: int, y: int) -> None:
        from Xlib import X

        self._open()
        self._fake(X.MotionNotify, x=x, y=y)
        self._display.flush()

    def move_relative(self, dx: int, dy: int) -> None:
        display = self._open()
        screen = display.screen()
        where = screen.root.query_pointer()
        x = min(max(where.root_x + dx, 0), screen.width_in_pixels - 1)
        y = min(max(where.root_y + dy, 0), screen.height_in_pixels - 1)
        self.move(x, y)

    def button(self, button: str, down: bool) -> None:
        from Xlib import X

        self._open()
        number = BUTTONS[button]
        (self._buttons.add if down else self._buttons.discard)(number)
        self._note_held()
        self._fake(X.ButtonPress if down else X.ButtonRelease, number)
        self._display.flush()

    def scroll(self, dx: int, dy: int) -> None:
        from Xlib import X

        self._open()
        for count, button in (
            (abs(dy), SCROLL_DOWN if dy > 0 else SCROLL_UP),
            (abs(dx), SCROLL_RIGHT if dx > 0 else SCROLL_LEFT),
        ):
            for _ in range(count):
                self._fake(X.ButtonPress, button)
                self._fake(X.ButtonRelease, button)
        self._display.flush()

    # -- keyboard ----------------------------------------------------------------------------------------------------

    def key(self, key: str, code: str, down: bool) -> None:
        """Press or release a key. A key-up releases the keycode its key-down pressed, whatever the modifiers (and so
        the key the client reports) are now: Shift let go before the letter must not leave the letter held."""
        if key in IGNORED_KEYS:
            return
        self._open()
        held_as = code or key
        if not down:
            keycode = self._pressed.pop(held_as, None)
            if keycode is not None:
                self._shift_down.discard(keycode)
                self._altgr_down.discard(keycode)
                self._fake_key(keycode, False)
                self._display.flush()
                self._note_held()
            return
        if held_as in self._pressed:
            return  # already held: X repeats a held key by itself
        keymap = self._require_keymap()
        keysym = self._keysym(key, code)
        if not keysym:
            logger.info("no X keysym for key %r (code %r); ignored", key, code)
            return
        keycode, level = keymap.keycode(keysym, in_use=self._pressed.values())
        if len(key) == 1 and (self._altgr_down or (level == SHIFT_LEVEL) != bool(self._shift_down)):
            # A phone keyboard sends "A" without any Shift event, a German one "@" with AltGr held (which here would
            # pick level 3 of the keycode that types "@"): the character the client meant wins, so it is typed whole
            # now with the Shift state it needs and AltGr up, and its key-up has nothing left to release.
            self._tap(keycode, level)
            return
        if keysym in keymap.shift_keysyms:
            self._shift_down.add(keycode)
        elif keysym == keymap.altgr_keysym:
            self._altgr_down.add(keycode)
        self._pressed[held_as] = keycode
        self._note_held()  # before the press: a SIGKILL right after it must find it recorded
        self._fake_key(keycode, True)
        self._display.flush()

    def type_text(self, text: str) -> None:
        self._open()
        keymap = self._require_keymap()
        for char in text:
            keysym = keymap.keysym("Return") if char == "\n" else char_keysym(char)
            self._tap(*keymap.keycode(keysym, in_use=self._pressed.values()))
        self._display.flush()
        self._note_held()

    def _require_keymap(self) -> Keymap:
        assert self._keymap is not None
        self._keymap.follow_changes()
        return self._keymap

    def _tap(self, keycode: int, level: int) -> None:
        """Press and release ``keycode`` with Shift set as ``level`` needs and AltGr up, restoring the held keys after:
        the client's Shift and AltGr only picked the character on its own layout. Ctrl, Alt and Super stay held."""
        keymap = self._require_keymap()
        need_shift = level == SHIFT_LEVEL
        lifted = self._altgr_down | (set() if need_shift else self._shift_down)
        temporary = keymap.keycode(keymap.keysym("Shift_L"))[0] if need_shift and not self._shift_down else 0
        for held in lifted:
            self._fake_key(held, False)
        if temporary:
            self._fake_key(temporary, True)
        self._fake_key(keycode, True)
        self._fake_key(keycode, False)
        if temporary:
            self._fake_key(temporary, False)
        for held in lifted:
            self._fake_key(held, True)
        self._display.flush()

    def _note_held(self) -> None:
        """Keep the state file in step with what is held and lent (see :mod:`proxim_input_x11.leftovers`)."""
        if self._record is not None and self._keymap is not None:
            held = leftovers.Held(set(self._pressed.values()), set(self._buttons), self._keymap.lent())
            self._record.save(held)

    def _keysym(self, key: str, code: str) -> int:
        keymap = self._require_keymap()
        name = keysym_name_for(key, code)
        if name is not None:
            return keymap.keysym(name)
        if len(key) == 1:
            return char_keysym(key)
        fallback = code_fallback(code) if key == "Unidentified" else None
        if fallback is None:
            return 0
        return char_keysym(fallback) if len(fallback) == 1 else keymap.keysym(fallback)

    def _fake_key(self, keycode: int, down: bool) -> None:
        from Xlib import X

        self._injected.key_held(keycode, down)
        self._fake(X.KeyPress if down else X.KeyRelease, keycode)

    # -- local input -------------------------------------------------------------------------------------------------

    def watch_local_input(self, on_local_input: Callable[[], None]) -> Callable[[], None] | None:
        self._open()
        try:
            watcher = LocalInputWatcher(self._injected, on_local_input)
        except Exception as exc:
            logger.warning("cannot watch local input (%s): remote input will not yield to the local user", exc)
            return None
        return watcher.stop

    def close(self) -> None:
        """Release whatever is still held, give the lent keycodes back, and forget the state file."""
        from Xlib import X

        with self._lock:
            display, keymap = self._display, self._keymap
            if display is None or keymap is None:
                return
            for keycode in self._pressed.values():
                self._fake_key(keycode, False)
            for button in self._buttons:
                self._fake(X.ButtonRelease, button)
            self._pressed.clear()
            self._buttons.clear()
            keymap.restore()  # flushes the releases too
            if self._record is not None:
                self._record.save(leftovers.Held())
            self._display = self._keymap = None
        display.close()
