"""Input through pynput: SendInput on Windows, Quartz events on macOS, and pynput's X11 path elsewhere.

Pointer positions arrive in the capture's coordinates: mss's monitors are physical pixels in the virtual screen on
Windows (the process made per-monitor DPI aware, see windows.py) and points in the global display space on macOS (a
Retina frame has more pixels than that: the picture is scaled, the coordinates are not), which is what pynput moves to.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
import threading
from collections.abc import Callable
from typing import Any

from proxim_input_pynput import local_input, macos, pointer, windows
from proxim_input_pynput.keys import Target, target_for
from proxim_input_pynput.pointer import button_name, pynput_scroll
from proxim_tray import InputBackend
from proxim_tray.errors import BackendUnavailable

logger = logging.getLogger(__name__)

INSTALL_ADVICE = "pynput is not installed: install it into Proxim's environment (pip install pynput)"
X11_CAVEAT = (
    "pynput on X11 sends characters as synthetic key events to the focused window (XSendEvent): xterm and many "
    "other clients ignore them, and typing a character the keyboard lacks remaps a keycode for good; "
    "the x11 input backend injects real XTEST input instead"
)


def uses_x11() -> bool:
    return sys.platform not in ("win32", "darwin")


class PynputInputBackend(InputBackend):
    name = "pynput"
    wheel_resolution = pointer.wheel_resolution(sys.platform)

    def __init__(self) -> None:
        self._mouse: Any = None
        self._keyboard: Any = None
        self._held_keys: dict[str, Any] = {}  # what each held key (by its code) pressed
        self._held_buttons: dict[str, Any] = {}
        self._lock = threading.Lock()

    def unavailable_reason(self) -> str | None:
        if uses_x11():
            if os.environ.get("WAYLAND_DISPLAY"):
                return "pynput drives X11 here, and XWayland ignores injected input for Wayland windows"
            if not os.environ.get("DISPLAY"):
                return "no X display (DISPLAY is not set); run Proxim inside a desktop session"
        try:
            self._open()
        except BackendUnavailable as exc:
            return str(exc)
        return macos.accessibility_problem()

    def _open(self) -> None:
        with self._lock:
            if self._mouse is not None:
                return
            if importlib.util.find_spec("pynput") is None:
                raise BackendUnavailable(INSTALL_ADVICE)
            try:
                from pynput import keyboard, mouse

                windows.make_dpi_aware()
                self._mouse, self._keyboard = mouse.Controller(), keyboard.Controller()
            except Exception as exc:  # on X11: pynput's import or its controllers open the display
                where = f"the X display {os.environ.get('DISPLAY')!r}" if uses_x11() else "input injection"
                raise BackendUnavailable(f"cannot open {where} through pynput: {exc}") from exc

    # -- pointer -----------------------------------------------------------------------------------------------------

    def move(self, x: int, y: int) -> None:
        self._open()
        self._mouse.position = (x, y)

    def move_relative(self, dx: int, dy: int) -> None:
        self._open()
        self._mouse.move(dx, dy)

    def button(self, button: str, down: bool) -> None:
        self._open()
        if not down:
            held = self._held_buttons.pop(button, None)
            if held is not None:
                self._mouse.release(held)
            return
        if button in self._held_buttons:
            return
        pressed = self._pynput_button(button)
        if pressed is None:
            logger.info("pynput has no %s button on this system; ignored", button)
            return
        self._held_buttons[button] = pressed
        self._mouse.press(pressed)

    def _pynput_button(self, button: str) -> Any:
        from pynput.mouse import Button

        name = button_name(button, sys.platform)
        if name is not None:
            return getattr(Button, name, None)
        if sys.platform == "darwin" and button in macos.OTHER_BUTTONS:
            return macos.OtherButton(macos.OTHER_BUTTONS[button])
        return None

    def scroll(self, dx: int, dy: int) -> None:
        self._open()
        self._mouse.scroll(*pynput_scroll(dx, dy, sys.platform))

    # -- keyboard ----------------------------------------------------------------------------------------------------

    def key(self, key: str, code: str, down: bool) -> None:
        """Press or release a key. A key-up releases what its key-down pressed, whatever the client reports now."""
        self._open()
        held_as = code or key
        if not down:
            pressed = self._held_keys.pop(held_as, None)
            if pressed is not None:
                self._keyboard.release(pressed)
            return
        if held_as in self._held_keys:
            return  # already held: the system repeats a held key by itself
        target = target_for(key, code, sys.platform)
        pynput_key = None if target is None else self._pynput_key(target)
        if pynput_key is None:
            logger.info("no pynput key for key %r (code %r); ignored", key, code)
            return
        self._held_keys[held_as] = pynput_key
        try:
            self._keyboard.press(pynput_key)
        except self._keyboard.InvalidKeyException:
            del self._held_keys[held_as]
            logger.info("pynput cannot press key %r (code %r) here; ignored", key, code)

    @staticmethod
    def _pynput_key(target: Target) -> Any:
        from pynput.keyboard import Key, KeyCode

        if target.kind == "named":
            member = getattr(Key, str(target.value), None)
            return None if member is None or member.value.vk == 0 else member  # 0: not on this platform
        if target.kind == "code":
            return KeyCode.from_vk(int(target.value))
        return target.value

    def type_text(self, text: str) -> None:
        """Type ``text`` exactly, whatever the keyboard layout: on Windows a character the layout types without
        modifiers as its virtual key, any other by KEYEVENTF_UNICODE; on macOS by CGEventKeyboardSetUnicodeString."""
        self._open()
        self._keyboard.type(text)

    # -- local input -------------------------------------------------------------------------------------------------

    if sys.platform in ("win32", "darwin"):  # elsewhere pynput cannot tell its injection from a device (local_input.py)

        def watch_local_input(self, on_local_input: Callable[[], None]) -> Callable[[], None] | None:
            self._open()
            try:
                return local_input.watch(on_local_input)
            except Exception as exc:
                logger.warning("cannot watch local input (%s): remote input will not yield to the local user", exc)
                return None

    def close(self) -> None:
        """Release whatever is still held."""
        with self._lock:
            if self._mouse is None:
                return
            keys, self._held_keys = list(self._held_keys.values()), {}
            buttons, self._held_buttons = list(self._held_buttons.values()), {}
            for pressed in keys:
                self._keyboard.release(pressed)
            for button in buttons:
                self._mouse.release(button)
            self._mouse = self._keyboard = None
