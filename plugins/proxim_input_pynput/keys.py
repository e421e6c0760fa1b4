"""Browser keys (KeyboardEvent.key and .code) to what pynput presses: a named ``Key``, a character, or a platform key
code (a virtual key on Windows, a key code on macOS) for a key the browser could not name.

Pure tables and logic, the same on every platform, so they are tested on any machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

IGNORED_KEYS = ("Dead", "Process", "Compose")  # the character they compose arrives as its own key or text

# browser key -> pynput ``Key`` member
NAMED = {
    "Enter": "enter",
    "Backspace": "backspace",
    "Tab": "tab",
    "Escape": "esc",
    "Delete": "delete",
    "Insert": "insert",
    "Home": "home",
    "End": "end",
    "PageUp": "page_up",
    "PageDown": "page_down",
    "ArrowLeft": "left",
    "ArrowRight": "right",
    "ArrowUp": "up",
    "ArrowDown": "down",
    "CapsLock": "caps_lock",
    "NumLock": "num_lock",
    "ScrollLock": "scroll_lock",
    "Pause": "pause",
    "PrintScreen": "print_screen",
    "ContextMenu": "menu",
    "AltGraph": "alt_gr",
    "Shift": "shift",
    "Control": "ctrl",
    "Alt": "alt",
    "Meta": "cmd",
    "OS": "cmd",
    "MediaPlayPause": "media_play_pause",
    "MediaTrackNext": "media_next",
    "MediaTrackPrevious": "media_previous",
    "AudioVolumeUp": "media_volume_up",
    "AudioVolumeDown": "media_volume_down",
    "AudioVolumeMute": "media_volume_mute",
    **{f"F{n}": f"f{n}" for n in range(1, 21)},  # pynput names F1-F20 on every platform
}

# the side of a modifier comes from its code
MODIFIER_SIDES = {
    "ShiftLeft": "shift_l",
    "ShiftRight": "shift_r",
    "ControlLeft": "ctrl_l",
    "ControlRight": "ctrl_r",
    "AltLeft": "alt_l",
    "AltRight": "alt_r",
    "MetaLeft": "cmd_l",
    "MetaRight": "cmd_r",
}

# physical keys a browser could not name ("Unidentified"), as the US layout prints them
US_LAYOUT = {
    "Space": " ",
    "Minus": "-",
    "Equal": "=",
    "BracketLeft": "[",
    "BracketRight": "]",
    "Backslash": "\\",
    "Semicolon": ";",
    "Quote": "'",
    "Backquote": "`",
    "Comma": ",",
    "Period": ".",
    "Slash": "/",
    "IntlBackslash": "<",
    **{f"Key{letter}": letter.lower() for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
    **{f"Digit{digit}": digit for digit in "0123456789"},
}

# Windows virtual-key codes (winuser.h) by physical key
WINDOWS_VK = {
    **{f"Key{letter}": ord(letter) for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
    **{f"Digit{digit}": ord(digit) for digit in "0123456789"},
    "Space": 0x20,
    "Semicolon": 0xBA,
    "Equal": 0xBB,
    "Comma": 0xBC,
    "Minus": 0xBD,
    "Period": 0xBE,
    "Slash": 0xBF,
    "Backquote": 0xC0,
    "BracketLeft": 0xDB,
    "Backslash": 0xDC,
    "BracketRight": 0xDD,
    "Quote": 0xDE,
    "IntlBackslash": 0xE2,
}

# macOS virtual key codes (Carbon's kVK_ANSI_*: positions on an ANSI keyboard, whatever the layout)
MACOS_KEY_CODES = {
    **dict(zip((f"Key{letter}" for letter in "ASDFHGZXCV"), range(0x00, 0x0A), strict=True)),
    **dict(zip((f"Key{letter}" for letter in "BQWERYT"), range(0x0B, 0x12), strict=True)),
    "Digit1": 0x12,
    "Digit2": 0x13,
    "Digit3": 0x14,
    "Digit4": 0x15,
    "Digit6": 0x16,
    "Digit5": 0x17,
    "Equal": 0x18,
    "Digit9": 0x19,
    "Digit7": 0x1A,
    "Minus": 0x1B,
    "Digit8": 0x1C,
    "Digit0": 0x1D,
    "BracketRight": 0x1E,
    "KeyO": 0x1F,
    "KeyU": 0x20,
    "BracketLeft": 0x21,
    "KeyI": 0x22,
    "KeyP": 0x23,
    "KeyL": 0x25,
    "KeyJ": 0x26,
    "Quote": 0x27,
    "KeyK": 0x28,
    "Semicolon": 0x29,
    "Backslash": 0x2A,
    "Comma": 0x2B,
    "Slash": 0x2C,
    "KeyN": 0x2D,
    "KeyM": 0x2E,
    "Period": 0x2F,
    "Space": 0x31,
    "Backquote": 0x32,
    "IntlBackslash": 0x0A,
}

KEY_CODES_BY_PLATFORM = {"win32": WINDOWS_VK, "darwin": MACOS_KEY_CODES}


@dataclass(frozen=True)
class Target:
    """What to press: a pynput ``Key`` member by name, a character, or a platform key code."""

    kind: Literal["named", "char", "code"]
    value: str | int


def target_for(key: str, code: str, platform: str) -> Target | None:
    """What pynput presses for the browser's ``key`` at ``code`` on ``platform`` (``sys.platform``); None when the
    key is to be ignored or has no equivalent."""
    if key in IGNORED_KEYS:
        return None
    if key in ("Shift", "Control", "Alt", "Meta") and code in MODIFIER_SIDES:
        return Target("named", MODIFIER_SIDES[code])
    if key in NAMED:
        return Target("named", NAMED[key])
    if len(key) == 1:
        return Target("named", "space") if key == " " else Target("char", key)
    if key != "Unidentified":
        return None
    platform_code = KEY_CODES_BY_PLATFORM.get(platform, {}).get(code)
    if platform_code is not None:
        return Target("code", platform_code)
    fallback = US_LAYOUT.get(code)
    return None if fallback is None else Target("char", fallback)
