"""Browser keys to what the RemoteDesktop portal takes: evdev keycodes for physical keys (named by
KeyboardEvent.code), keysyms for characters, so a character types exactly whatever the desktop's layout."""

from __future__ import annotations

# linux/input-event-codes.h
EVDEV = {
    "Escape": 1, "Digit1": 2, "Digit2": 3, "Digit3": 4, "Digit4": 5, "Digit5": 6, "Digit6": 7, "Digit7": 8,
    "Digit8": 9, "Digit9": 10, "Digit0": 11, "Minus": 12, "Equal": 13, "Backspace": 14, "Tab": 15, "Enter": 28,
    "ControlLeft": 29, "ShiftLeft": 42, "ShiftRight": 54, "AltLeft": 56, "Space": 57, "CapsLock": 58,
    "F1": 59, "F2": 60, "F3": 61, "F4": 62, "F5": 63, "F6": 64, "F7": 65, "F8": 66, "F9": 67, "F10": 68,
    "NumLock": 69, "ScrollLock": 70, "F11": 87, "F12": 88, "NumpadEnter": 96, "ControlRight": 97,
    "PrintScreen": 99, "AltRight": 100, "Home": 102, "ArrowUp": 103, "PageUp": 104, "ArrowLeft": 105,
    "ArrowRight": 106, "End": 107, "ArrowDown": 108, "PageDown": 109, "Insert": 110, "Delete": 111,
    "AudioVolumeMute": 113, "AudioVolumeDown": 114, "AudioVolumeUp": 115, "Pause": 119, "MetaLeft": 125,
    "MetaRight": 126, "ContextMenu": 127,
}  # fmt: skip
# a key name the client sends without a code (phone keyboards) -> the physical key it names
KEY_TO_CODE = {
    "Shift": "ShiftLeft", "Control": "ControlLeft", "Alt": "AltLeft", "AltGraph": "AltRight", "Meta": "MetaLeft",
    "OS": "MetaLeft", **{name: name for name in EVDEV if not name.startswith(("Digit", "Key"))},
}  # fmt: skip
MODIFIER_KEYS = frozenset({"Shift", "Control", "Alt", "AltGraph", "Meta", "OS"})
SHIFT = EVDEV["ShiftLeft"]
CONTROL = EVDEV["ControlLeft"]
SPACE = EVDEV["Space"]
KEY_U = 22
ENTER = EVDEV["Enter"]
IGNORED_KEYS = ("Dead", "Process", "Compose", "Unidentified")


def char_keysym(char: str) -> int:
    """The keysym of one character: Latin-1 keysyms equal their code points, the rest are 0x01000000 + code point."""
    point = ord(char)
    if 0x20 <= point <= 0x7E or 0xA0 <= point <= 0xFF:
        return point
    return 0x01000000 | point


def in_every_layout(char: str) -> bool:
    """Whether a layout can be trusted to have the character (the portal drops keysyms the layout lacks)."""
    return 0x20 <= ord(char) <= 0x7E


def evdev_code(key: str, code: str) -> int | None:
    """The evdev keycode of a named (non-character) key, or None when ``key`` is a character."""
    if len(key) == 1:
        return None
    if key in MODIFIER_KEYS and code in EVDEV:
        return EVDEV[code]  # the side comes from the code
    name = KEY_TO_CODE.get(key)
    return EVDEV[name] if name is not None else None
