"""SDL's keys as the page names them: the physical key (``KeyboardEvent.code``) from SDL's scancode, and the key's
meaning (``KeyboardEvent.key``) from its keycode or the text it typed, so that layouts work as they do in a browser."""

from __future__ import annotations

import string

# SDL scancodes (USB HID usage ids) -> KeyboardEvent.code
_LETTERS = {4 + i: f"Key{letter}" for i, letter in enumerate(string.ascii_uppercase)}
_DIGITS = {30 + i: f"Digit{digit}" for i, digit in enumerate("1234567890")}
_FUNCTION = {58 + i: f"F{i + 1}" for i in range(12)} | {104 + i: f"F{i + 13}" for i in range(12)}
_NUMPAD = {89 + i: f"Numpad{digit}" for i, digit in enumerate("123456789")}
_OTHERS = {
    40: "Enter", 41: "Escape", 42: "Backspace", 43: "Tab", 44: "Space", 45: "Minus", 46: "Equal",
    47: "BracketLeft", 48: "BracketRight", 49: "Backslash", 50: "IntlHash", 51: "Semicolon", 52: "Quote",
    53: "Backquote", 54: "Comma", 55: "Period", 56: "Slash", 57: "CapsLock", 70: "PrintScreen", 71: "ScrollLock",
    72: "Pause", 73: "Insert", 74: "Home", 75: "PageUp", 76: "Delete", 77: "End", 78: "PageDown", 79: "ArrowRight",
    80: "ArrowLeft", 81: "ArrowDown", 82: "ArrowUp", 83: "NumLock", 84: "NumpadDivide", 85: "NumpadMultiply",
    86: "NumpadSubtract", 87: "NumpadAdd", 88: "NumpadEnter", 98: "Numpad0", 99: "NumpadDecimal",
    100: "IntlBackslash", 101: "ContextMenu", 103: "NumpadEqual", 127: "AudioVolumeMute", 128: "AudioVolumeUp",
    129: "AudioVolumeDown", 135: "IntlRo", 137: "IntlYen", 224: "ControlLeft", 225: "ShiftLeft", 226: "AltLeft",
    227: "MetaLeft", 228: "ControlRight", 229: "ShiftRight", 230: "AltRight", 231: "MetaRight",
}  # fmt: skip
CODES: dict[int, str] = _LETTERS | _DIGITS | _FUNCTION | _NUMPAD | _OTHERS

# codes whose key is a name, not a character; the rest type what the layout puts there
_NAMED_BY_CODE = {
    "Enter": "Enter", "NumpadEnter": "Enter", "Escape": "Escape", "Backspace": "Backspace", "Tab": "Tab",
    "CapsLock": "CapsLock", "PrintScreen": "PrintScreen", "ScrollLock": "ScrollLock", "Pause": "Pause",
    "Insert": "Insert", "Home": "Home", "PageUp": "PageUp", "Delete": "Delete", "End": "End", "PageDown": "PageDown",
    "ArrowRight": "ArrowRight", "ArrowLeft": "ArrowLeft", "ArrowDown": "ArrowDown", "ArrowUp": "ArrowUp",
    "NumLock": "NumLock", "ContextMenu": "ContextMenu", "AudioVolumeMute": "AudioVolumeMute",
    "AudioVolumeUp": "AudioVolumeUp", "AudioVolumeDown": "AudioVolumeDown",
    "ControlLeft": "Control", "ControlRight": "Control", "ShiftLeft": "Shift", "ShiftRight": "Shift",
    "AltLeft": "Alt", "AltRight": "Alt", "MetaLeft": "Meta", "MetaRight": "Meta",
} | {f"F{i}": f"F{i}" for i in range(1, 25)}  # fmt: skip

SDLK_MODE = 0x40000101  # the keycode of ISO_Level3_Shift: AltGr on layouts that have one
_SCANCODE_MASK = 0x40000000  # keycodes with this bit name keys; the others are the character the key types

RIGHT_ALT = 230  # its scancode

# SDL's modifier bits -> the names a page sends in `mods`
MODIFIER_BITS = {"Shift": 0x0003, "Control": 0x00C0, "Alt": 0x0300, "Meta": 0x0C00, "AltGraph": 0x4000}  # KMOD_MODE
KMOD_RALT = 0x0200


def code_of(scancode: int) -> str:
    return CODES.get(scancode, "")


def named_key(scancode: int, keycode: int, right_alt_is_altgr: bool = False) -> str | None:
    """The key's name when it types no character (Enter, Shift, F5...), else None."""
    if keycode == SDLK_MODE or (right_alt_is_altgr and scancode == RIGHT_ALT):
        return "AltGraph"
    return _NAMED_BY_CODE.get(code_of(scancode))


def key_without_text(keycode: int, mods: list[str]) -> str:
    """What a key typed when no text came with it (Ctrl+W types none): the layout's character, shifted as a browser
    shows it, or ``Dead`` for a dead key and ``Unidentified`` for what SDL does not know."""
    if keycode == 0:
        return "Dead"
    if keycode & _SCANCODE_MASK or keycode < 0x20:
        return "Unidentified"
    char = chr(keycode)
    return char.upper() if "Shift" in mods else char


def modifiers(mod_state: int, right_alt_is_altgr: bool = False) -> list[str]:
    """The modifiers held, as the host should see them: AltGr only picks characters here, so it is not one."""
    mod_state &= ~MODIFIER_BITS["AltGraph"]
    if right_alt_is_altgr:
        mod_state &= ~KMOD_RALT
    return [name for name, bits in MODIFIER_BITS.items() if mod_state & bits]
