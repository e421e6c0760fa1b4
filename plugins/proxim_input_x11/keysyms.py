"""Browser key names (KeyboardEvent.key and .code) to X keysyms."""

from __future__ import annotations

NAMED = {
    "Enter": "Return",
    "Backspace": "BackSpace",
    "Tab": "Tab",
    "Escape": "Escape",
    "Delete": "Delete",
    "Insert": "Insert",
    "Home": "Home",
    "End": "End",
    "PageUp": "Prior",
    "PageDown": "Next",
    "ArrowLeft": "Left",
    "ArrowRight": "Right",
    "ArrowUp": "Up",
    "ArrowDown": "Down",
    "CapsLock": "Caps_Lock",
    "NumLock": "Num_Lock",
    "ScrollLock": "Scroll_Lock",
    "Pause": "Pause",
    "PrintScreen": "Print",
    "ContextMenu": "Menu",
    "AltGraph": "ISO_Level3_Shift",
    "Shift": "Shift_L",
    "Control": "Control_L",
    "Alt": "Alt_L",
    "Meta": "Super_L",
    "OS": "Super_L",
    "MediaPlayPause": "XF86AudioPlay",
    "MediaTrackNext": "XF86AudioNext",
    "MediaTrackPrevious": "XF86AudioPrev",
    "MediaStop": "XF86AudioStop",
    "AudioVolumeUp": "XF86AudioRaiseVolume",
    "AudioVolumeDown": "XF86AudioLowerVolume",
    "AudioVolumeMute": "XF86AudioMute",
    **{f"F{n}": f"F{n}" for n in range(1, 25)},
}

# the side of a modifier comes from its code
BY_CODE = {
    "ShiftLeft": "Shift_L",
    "ShiftRight": "Shift_R",
    "ControlLeft": "Control_L",
    "ControlRight": "Control_R",
    "AltLeft": "Alt_L",
    "AltRight": "Alt_R",
    "MetaLeft": "Super_L",
    "MetaRight": "Super_R",
    "Space": "space",
    "Minus": "minus",
    "Equal": "equal",
    "BracketLeft": "bracketleft",
    "BracketRight": "bracketright",
    "Backslash": "backslash",
    "Semicolon": "semicolon",
    "Quote": "apostrophe",
    "Backquote": "grave",
    "Comma": "comma",
    "Period": "period",
    "Slash": "slash",
    "IntlBackslash": "less",
    "NumpadEnter": "KP_Enter",
}


def keysym_name_for(key: str, code: str) -> str | None:
    """An X keysym name for a named key, or None when the key is a character."""
    if key in ("Shift", "Control", "Alt", "Meta", "AltGraph") and code in BY_CODE:
        return NAMED[key] if key == "AltGraph" else BY_CODE[code]
    return NAMED.get(key)


def code_fallback(code: str) -> str | None:
    """The US-layout character or keysym name of a physical key, for ``Dead`` and ``Unidentified`` keys."""
    if code.startswith("Key") and len(code) == 4:
        return code[3].lower()
    if code.startswith("Digit") and len(code) == 6:
        return code[5]
    return BY_CODE.get(code)
