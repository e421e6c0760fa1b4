"""The pynput input backend: pointer through pynput, keys as keysyms through XTEST."""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

from proxim_input_pynput.keysyms import char_keysym, code_fallback, keysym_name_for
from proxim_tray import InputBackend
from proxim_tray.errors import BackendUnavailable

SHIFT_LEVEL = 1


class PynputInputBackend(InputBackend):
    name = "pynput"

    def __init__(self) -> None:
        self._mouse: Any = None
        self._display: Any = None
        self._buttons: dict[str, Any] = {}
        self._borrowed: dict[int, int] = {}  # keysym -> keycode lent to it
        self._shift_down: set[int] = set()  # Shift keycodes the client holds down
        self._tapped: set[str] = set()  # keys typed whole at key-down, whose key-up is a no-op
        self._lock = threading.Lock()

    def unavailable_reason(self) -> str | None:
        if sys.platform == "linux":
            if os.environ.get("WAYLAND_DISPLAY") and not os.environ.get("DISPLAY"):
                return "Wayland does not let programs inject input through X11; log in with an Xorg session"
            if not os.environ.get("DISPLAY"):
                return "no X display (DISPLAY is not set); run Proxim inside a desktop session"
        try:
            self._open()
        except BackendUnavailable as exc:
            return str(exc)
        return None

    def _open(self) -> None:
        with self._lock:
            if self._mouse is not None:
                return
            try:
                from pynput import mouse
                from Xlib import display as xdisplay
            except Exception as exc:  # pynput raises ImportError, Xlib its own errors, without a display
                raise BackendUnavailable(f"cannot open the display for input: {exc}") from exc
            self._display = xdisplay.Display()
            if not self._display.has_extension("XTEST"):
                raise BackendUnavailable("the X server lacks the XTEST extension needed to inject input")
            self._mouse = mouse.Controller()
            self._buttons = {
                "left": mouse.Button.left,
                "middle": mouse.Button.middle,
                "right": mouse.Button.right,
            }

    # -- pointer -----------------------------------------------------------------------------------------------------

    def move(self, x: int, y: int) -> None:
        self._open()
        self._mouse.position = (x, y)

    def button(self, button: str, down: bool) -> None:
        self._open()
        if down:
            self._mouse.press(self._buttons[button])
        else:
            self._mouse.release(self._buttons[button])

    def scroll(self, dx: int, dy: int) -> None:
        self._open()
        self._mouse.scroll(dx, -dy)  # pynput scrolls up for positive dy

    # -- keyboard ----------------------------------------------------------------------------------------------------

    def key(self, key: str, code: str, down: bool) -> None:
        self._open()
        held_as = code or key
        keysym = self._keysym(key, code)
        if not keysym:
            return
        keycode, level = self._keycode(keysym)
        if keysym in self._shift_keysyms():
            self._shift_down.discard(keycode)
            if down:
                self._shift_down.add(keycode)
        if len(key) == 1 and (level == SHIFT_LEVEL) != bool(self._shift_down):
            # A phone keyboard sends "A" without any Shift event: the character the client meant wins, so it is typed
            # whole now with the Shift state it needs, and its key-up has nothing left to release.
            if down:
                self._tap(keycode, level)
                self._tapped.add(held_as)
            return
        if not down and held_as in self._tapped:
            self._tapped.discard(held_as)
            return
        self._fake_key(keycode, down)

    def type_text(self, text: str) -> None:
        self._open()
        for char in text:
            keysym = self._name_to_keysym("Return") if char == "\n" else char_keysym(char)
            self._tap(*self._keycode(keysym))

    def _shift_keysyms(self) -> tuple[int, int]:
        return self._name_to_keysym("Shift_L"), self._name_to_keysym("Shift_R")

    def _tap(self, keycode: int, level: int) -> None:
        """Press and release ``keycode`` with Shift set as ``level`` needs, restoring the held Shift keys after."""
        need_shift = level == SHIFT_LEVEL
        held = set(self._shift_down)
        temporary = self._keycode(self._name_to_keysym("Shift_L"))[0] if need_shift and not held else 0
        for shift in held if not need_shift else ():
            self._fake_key(shift, False)
        if temporary:
            self._fake_key(temporary, True)
        self._fake_key(keycode, True)
        self._fake_key(keycode, False)
        if temporary:
            self._fake_key(temporary, False)
        for shift in held if not need_shift else ():
            self._fake_key(shift, True)

    def _keysym(self, key: str, code: str) -> int:
        name = keysym_name_for(key, code)
        if name is not None:
            return self._name_to_keysym(name)
        if len(key) == 1:
            return char_keysym(key)
        fallback = code_fallback(code)
        if fallback is None:
            return 0
        return char_keysym(fallback) if len(fallback) == 1 else self._name_to_keysym(fallback)

    @staticmethod
    def _name_to_keysym(name: str) -> int:
        from Xlib import XK

        return int(XK.string_to_keysym(name))

    def _keycode(self, keysym: int) -> tuple[int, int]:
        """The keycode and shift level that produce ``keysym``, lending a spare keycode when the layout lacks it."""
        if keysym in self._borrowed:
            return self._borrowed[keysym], 0
        found = sorted(self._display.keysym_to_keycodes(keysym), key=lambda pair: pair[1])
        if found and found[0][1] <= SHIFT_LEVEL:
            return int(found[0][0]), int(found[0][1])
        return self._borrow(keysym), 0

    def _borrow(self, keysym: int) -> int:
        display = self._display
        first = display.display.info.min_keycode
        count = display.display.info.max_keycode - first + 1
        mapping = display.get_keyboard_mapping(first, count)
        lent = set(self._borrowed.values())
        for offset in range(count - 1, -1, -1):
            keycode = first + offset
            if keycode not in lent and not any(mapping[offset]):
                display.change_keyboard_mapping(keycode, [(keysym, keysym)])
                display.sync()
                self._borrowed[keysym] = keycode
                return int(keycode)
        raise BackendUnavailable("no spare keycode left to type this character")

    def _fake_key(self, keycode: int, down: bool) -> None:
        from Xlib import X
        from Xlib.ext import xtest

        xtest.fake_input(self._display, X.KeyPress if down else X.KeyRelease, keycode)
        self._display.sync()

    def close(self) -> None:
        with self._lock:
            display, self._display, self._mouse = self._display, None, None
        if display is None:
            return
        for keycode in self._borrowed.values():
            display.change_keyboard_mapping(keycode, [(0, 0)])
        self._borrowed.clear()
        display.sync()
        display.close()
