"""The X server's keyboard mapping as the backend needs it: which keycode types a keysym, and spare keycodes lent to
characters the layout lacks (restored when the backend closes)."""

from __future__ import annotations

import functools
import logging
from collections import OrderedDict
from collections.abc import Collection
from typing import Any

from proxim_input_x11.keysyms import NAMED
from proxim_tray import BackendUnavailable

logger = logging.getLogger(__name__)

SHIFT_LEVEL = 1
# keysyms Xlib's default tables do not name
EXTRA_KEYSYMS = {
    "XF86AudioPlay": 0x1008FF14,
    "XF86AudioNext": 0x1008FF17,
    "XF86AudioPrev": 0x1008FF16,
    "XF86AudioStop": 0x1008FF15,
    "XF86AudioRaiseVolume": 0x1008FF13,
    "XF86AudioLowerVolume": 0x1008FF11,
    "XF86AudioMute": 0x1008FF12,
}


@functools.cache
def _load_keysym_names() -> None:
    """Xlib knows only Latin-1 and miscellaneous keysym names until asked; ISO_Level3_Shift is in the xkb group."""
    from Xlib import XK

    XK.load_keysym_group("xkb")


class Keymap:
    def __init__(self, display: Any) -> None:
        self._display = display
        self._borrowed: OrderedDict[int, int] = OrderedDict()  # keysym -> keycode lent to it, least recent first
        self.shift_keysyms = (self.keysym("Shift_L"), self.keysym("Shift_R"))
        self.altgr_keysym = self.keysym(NAMED["AltGraph"])

    @staticmethod
    def keysym(name: str) -> int:
        _load_keysym_names()
        from Xlib import XK

        return EXTRA_KEYSYMS.get(name) or int(XK.string_to_keysym(name))

    def follow_changes(self) -> None:
        """Take in keyboard-mapping changes (another layout chosen, our own lending) the server announced."""
        from Xlib import X

        display = self._display
        while display.pending_events():
            event = display.next_event()
            if event.type == X.MappingNotify:
                display.refresh_keyboard_mapping(event)

    def keycode(self, keysym: int, in_use: Collection[int] = ()) -> tuple[int, int]:
        """The keycode and shift level that type ``keysym``, lending a spare keycode when the layout lacks it.

        Only levels 1 and 2 (Shift) count as present: a character behind AltGr gets a spare keycode too, so it is
        typed right whatever modifiers the client holds. A keycode ``in_use`` (held down) is never lent again.
        """
        if keysym in self._borrowed:
            self._borrowed.move_to_end(keysym)
            return self._borrowed[keysym], 0
        found = sorted(self._display.keysym_to_keycodes(keysym), key=lambda pair: pair[1])
        if found and found[0][1] <= SHIFT_LEVEL:
            return int(found[0][0]), int(found[0][1])
        return self._borrow(keysym, in_use), 0

    def _borrow(self, keysym: int, in_use: Collection[int]) -> int:
        display = self._display
        first = display.display.info.min_keycode
        count = display.display.info.max_keycode - first + 1
        mapping = display.get_keyboard_mapping(first, count)
        lent = set(self._borrowed.values())
        spare = next(
            (
                first + offset
                for offset in range(count - 1, -1, -1)
                if first + offset not in lent and not any(mapping[offset])
            ),
            None,
        )
        if spare is None:
            # lend again the one unused longest, unless it is held down
            unused = next(((sym, code) for sym, code in self._borrowed.items() if code not in in_use), None)
            if unused is None:
                raise BackendUnavailable("the keyboard mapping has no spare keycode to type this character")
            del self._borrowed[unused[0]]
            spare = unused[1]
        display.change_keyboard_mapping(spare, [(keysym, keysym)])
        display.sync()
        self._borrowed[keysym] = spare
        logger.debug("keycode %d lent to keysym %#x", spare, keysym)
        return int(spare)

    def lent(self) -> dict[int, int]:
        """Each lent keycode and the keysym it types now."""
        return {keycode: keysym for keysym, keycode in self._borrowed.items()}

    def restore(self) -> None:
        """Give back every lent keycode (they were empty before)."""
        for keycode in self._borrowed.values():
            self._display.change_keyboard_mapping(keycode, [(0, 0)])
        self._borrowed.clear()
        self._display.sync()
