"""Screen-change events from the X server (the DAMAGE extension) and pointer moves, on a thread of their own.

Each change's rectangle is kept until the capture takes it, so that only what changed is grabbed. The damage is
reported as delta rectangles (each drawing that adds to what is pending) and cleared after each batch of events: a
drawing between the two is reported by an event still to come, so nothing is lost.
DAMAGE does not see the pointer (a hardware or server sprite), so the pointer position is polled on the same
connection, once per frame interval (a round trip of well under a millisecond), and a change of its shape is an
XFixes event.
"""

from __future__ import annotations

import logging
import os
import select
import threading
from collections.abc import Callable
from typing import Any

from proxim_tray import Rect, ScreenGeometry, bounding_box

logger = logging.getLogger(__name__)

MAX_KEPT = 1024  # changed rectangles kept for the capture; beyond that, their bounding box


def _overlaps(area: ScreenGeometry, x: int, y: int, width: int, height: int) -> bool:
    return x < area.left + area.width and area.left < x + width and y < area.top + area.height and area.top < y + height


class DamageWatcher:
    """Calls ``on_change`` when something is drawn inside ``area`` or the pointer moves or changes shape inside it;
    ``take`` hands over the rectangles drawn since it was last called."""

    def __init__(self, area: ScreenGeometry, on_change: Callable[[], None], pointer_interval: float) -> None:
        self._area = area
        self._on_change = on_change
        self._pointer_interval = pointer_interval
        self._wake_read, self._wake_write = os.pipe()
        self._display: Any = None
        self._thread: threading.Thread | None = None
        self._drawn: list[Rect] = []
        self._lock = threading.Lock()
        self.shapes = 0  # XFixes cursor events seen: the pointer's shape may have changed each time

    def take(self) -> list[Rect]:
        """The rectangles drawn inside the area since the last call, in the area's pixels."""
        with self._lock:
            drawn, self._drawn = self._drawn, []
        return drawn

    def start(self) -> bool:
        """Open a display connection and start watching; False when the server has no DAMAGE extension."""
        from Xlib import display as xdisplay
        from Xlib.ext import damage, xfixes

        try:
            self._display = xdisplay.Display()
        except Exception as exc:
            logger.warning("cannot watch screen changes (%s); comparing grabs instead", exc)
            return False
        if not self._display.has_extension("DAMAGE"):
            self._display.close()
            logger.info("the X server has no DAMAGE extension; comparing grabs instead")
            return False
        self._display.damage_query_version()
        # python-xlib registers a copy of the event class, so events are matched by their code
        self._event_type = self._display.query_extension("DAMAGE").first_event + damage.DamageNotifyCode
        root = self._display.screen().root
        self._damage = root.damage_create(damage.DamageReportDeltaRectangles)
        self._display.damage_subtract(self._damage, 0, 0)
        # the server reports the whole screen as damaged when the damage is created; the first grab is whole anyway
        self._display.sync()
        while self._display.pending_events():
            self._display.next_event()
        self._cursor_event_type = None
        if self._display.has_extension("XFIXES"):
            self._display.xfixes_query_version()
            self._cursor_event_type = self._display.query_extension("XFIXES").first_event + xfixes.XFixesCursorNotify
            self._display.xfixes_select_cursor_input(root, xfixes.XFixesDisplayCursorNotifyMask)
        self._display.flush()
        self._thread = threading.Thread(target=self._run, name="proxim-damage", daemon=True)
        self._thread.start()
        return True

    def stop(self) -> None:
        if self._thread is not None:
            os.write(self._wake_write, b"x")
            self._thread.join(2)
        os.close(self._wake_read)
        os.close(self._wake_write)

    def _run(self) -> None:
        display = self._display
        root = display.screen().root
        pointer = None
        try:
            while True:
                readable, _, _ = select.select([display.fileno(), self._wake_read], [], [], self._pointer_interval)
                if self._wake_read in readable:
                    return
                changed = damaged = False
                drawn = []
                while display.pending_events():
                    event = display.next_event()
                    if event.type == self._event_type:
                        damaged = True
                        box = event.area
                        if _overlaps(self._area, box.x, box.y, box.width, box.height):
                            drawn.append((box.x - self._area.left, box.y - self._area.top, box.width, box.height))
                    elif event.type == self._cursor_event_type:
                        self.shapes += 1
                        changed = True  # a new pointer shape: the capture draws the pointer
                if drawn:
                    with self._lock:
                        self._drawn.extend(drawn)
                        if len(self._drawn) > MAX_KEPT:  # nothing takes them (a paused stream): keep their extent
                            self._drawn = [bounding_box(self._drawn)]
                    changed = True
                if damaged:
                    # clear the damage seen so far: the next drawing sends a new event
                    display.damage_subtract(self._damage, 0, 0)
                reply = root.query_pointer()
                position = (reply.root_x, reply.root_y)
                if position != pointer and pointer is not None:
                    changed = changed or _overlaps(self._area, position[0] - 32, position[1] - 32, 64, 64)
                pointer = position
                if changed:
                    self._on_change()
        except Exception:
            logger.exception("watching screen changes failed; the picture may stop updating")
        finally:
            display.close()
