"""Giving a test X server another keyboard layout.

``setxkbmap de`` exits 0 on Xvfb here but leaves the US map in place (measured: the server keeps its keymap and the
root window's rules property), so the layout is compiled from the system's XKB data with ``setxkbmap -print | xkbcomp``
and loaded through the core protocol: clients then see the same keysyms per keycode and level as under ``setxkbmap``.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

from Xlib import XK, display
from Xlib.keysymdef import __all__ as KEYSYM_GROUPS

_KEYCODE = re.compile(r"^\s*<(\w+)>\s*=\s*(\d+);", re.MULTILINE)
_ALIAS = re.compile(r"^\s*alias\s+<(\w+)>\s*=\s*<(\w+)>;", re.MULTILINE)
_KEY = re.compile(r"key\s+<(\w+)>\s*\{[^}]*?symbols\[Group1\]\s*=\s*\[([^\]]*)\]", re.DOTALL)
CORE_COLUMNS = 6  # group 1 levels 1-2, group 2 levels 1-2 (a copy), group 1 levels 3-4
# What a German keyboard types with AltGr, and the code of the key it types it with
GERMAN_ALTGR = {
    "@": "KeyQ",
    "€": "KeyE",
    "{": "Digit7",
    "[": "Digit8",
    "\\": "Minus",
    "~": "BracketRight",
    "|": "IntlBackslash",
}


def _keysym(name: str) -> int:
    if re.fullmatch(r"U[0-9A-Fa-f]{4,6}", name):
        return 0x01000000 | int(name[1:], 16)
    if re.fullmatch(r"0x[0-9A-Fa-f]+", name):
        return int(name, 16)
    return 0 if name == "NoSymbol" else int(XK.string_to_keysym(name))


def compiled_core_map(layout: str) -> dict[int, list[int]]:
    """keycode -> core keysyms for ``layout`` (an XKB layout name such as ``de``)."""
    for group in KEYSYM_GROUPS:
        XK.load_keysym_group(group)
    source = subprocess.run(["setxkbmap", "-print", layout], capture_output=True, text=True, check=True).stdout
    keymap = subprocess.run(
        ["xkbcomp", "-w", "0", "-xkb", "-", "-"], input=source, capture_output=True, text=True, check=True
    ).stdout
    codes = {name: int(code) for name, code in _KEYCODE.findall(keymap)}
    codes.update({alias: codes[target] for alias, target in _ALIAS.findall(keymap) if target in codes})
    rows: dict[int, list[int]] = {}
    for name, symbols in _KEY.findall(keymap):
        if name not in codes:
            continue
        levels = [_keysym(symbol.strip()) for symbol in symbols.split(",")] + [0, 0, 0, 0]
        rows[codes[name]] = [levels[0], levels[1], levels[0], levels[1], levels[2], levels[3]]
    return rows


@contextmanager
def keyboard_layout(display_name: str, layout: str) -> Iterator[None]:
    """Switch the server to ``layout`` for the block, then put the previous map back."""
    connection = display.Display(display_name)
    first = connection.display.info.min_keycode
    count = connection.display.info.max_keycode - first + 1
    saved = connection.get_keyboard_mapping(first, count)
    width = max(CORE_COLUMNS, len(saved[0]))
    wanted = compiled_core_map(layout)
    rows = [
        (wanted.get(first + offset) or [0] * CORE_COLUMNS) + [0] * (width - CORE_COLUMNS) for offset in range(count)
    ]
    connection.change_keyboard_mapping(first, rows)
    connection.sync()
    try:
        yield
    finally:
        connection.change_keyboard_mapping(first, [list(row) for row in saved])
        connection.sync()
        connection.close()
