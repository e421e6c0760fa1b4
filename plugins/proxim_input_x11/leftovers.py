"""What the backend holds on the X server, in a small state file, so what a killed Proxim left can be undone.

A SIGKILL (or a crash) leaves keys and buttons pressed on the X server, autorepeating, and keycodes lent to characters
still mapped. While anything is held or lent, the backend keeps a list of it in the user's state directory, one file
per display and process; the next start, and ``proxim doctor``, release and clear what dead processes left
(:func:`undo`), never what a running Proxim holds.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

logger = logging.getLogger(__name__)


def _state_dir() -> Path:
    return Path(platformdirs.user_state_dir("proxim", appauthor=False))


def _prefix(display_name: str) -> str:
    return "input-held-" + re.sub(r"[^A-Za-z0-9._-]", "_", display_name) + "-"


def state_path(display_name: str, pid: int) -> Path:
    return _state_dir() / f"{_prefix(display_name)}{pid}.json"


@dataclass
class Held:
    """Keycodes and buttons pressed, and keycodes lent (keycode -> the keysym lent to it)."""

    keycodes: set[int] = field(default_factory=set)
    buttons: set[int] = field(default_factory=set)
    lent: dict[int, int] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.keycodes or self.buttons or self.lent)


class HeldRecord:
    """The state file of one display, rewritten (atomically) whenever what is held changes; absent when nothing is."""

    def __init__(self, display_name: str) -> None:
        self.path = state_path(display_name, os.getpid())
        self._written = Held()

    def save(self, held: Held) -> None:
        if held == self._written:
            return
        try:
            if held:
                self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                partial = self.path.with_suffix(".partial")
                partial.write_text(json.dumps(_encode(held)))
                os.replace(partial, self.path)
            else:
                self.path.unlink(missing_ok=True)
        except OSError as exc:
            logger.warning("cannot record the keys held in %s (%s): a crash could leave them held", self.path, exc)
            return
        self._written = Held(set(held.keycodes), set(held.buttons), dict(held.lent))


def _encode(held: Held) -> dict[str, Any]:
    return {
        "keycodes": sorted(held.keycodes),
        "buttons": sorted(held.buttons),
        "lent": {str(keycode): keysym for keycode, keysym in held.lent.items()},
    }


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def undo(display: Any, display_name: str) -> list[str]:
    """Release and clear what Proxim processes no longer running left held or lent on this display; what was done."""
    done = []
    for path in sorted(_state_dir().glob(f"{_prefix(display_name)}*.json")):
        pid = path.stem.rpartition("-")[2]
        if pid.isdigit() and not _alive(int(pid)):
            held = _read(path)
            path.unlink(missing_ok=True)
            undone = _undo(display, held) if held else None
            if undone:
                done.append(f"a Proxim that stopped abruptly (process {pid}) left {undone} on display {display_name}")
    return done


def _read(path: Path) -> Held | None:
    try:
        record = json.loads(path.read_text())
        return Held(
            {int(code) for code in record["keycodes"]},
            {int(button) for button in record["buttons"]},
            {int(code): int(keysym) for code, keysym in record["lent"].items()},
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        logger.warning("ignoring the unreadable record of held keys %s (%s)", path, exc)
        return None


def _undo(display: Any, held: Held) -> str | None:
    """Release what ``held`` says is pressed and still is, clear what it lent and still maps; what that was."""
    from Xlib import X
    from Xlib.ext import xtest

    keymap = display.query_keymap()
    pressed = {byte * 8 + bit for byte, bits in enumerate(keymap) for bit in range(8) if bits & (1 << bit)}
    keys = sorted(held.keycodes & pressed)
    for keycode in keys:
        xtest.fake_input(display, X.KeyRelease, keycode)
    mask = display.screen().root.query_pointer().mask
    # the pointer's state shows buttons 1-5 only; back and forward (8, 9) are released whatever
    buttons = sorted(button for button in held.buttons if button > 5 or mask & (X.Button1Mask << (button - 1)))
    for button in buttons:
        xtest.fake_input(display, X.ButtonRelease, button)
    lent = [keycode for keycode, keysym in held.lent.items() if display.keycode_to_keysym(keycode, 0) == keysym]
    for keycode in lent:
        display.change_keyboard_mapping(keycode, [(0, 0)])
    display.sync()
    if not (keys or buttons or lent):
        return None
    return f"{len(keys)} key(s) and {len(buttons)} button(s) held and {len(lent)} keycode(s) lent: released and cleared"
