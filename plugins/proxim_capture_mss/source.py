"""The mss capture source. mss keeps a display connection per thread, so it is opened in the grabbing thread.

On X11 X DAMAGE says when and where the screen changed, so that only those rectangles are grabbed, and the pointer
is drawn from its XFixes image (xpointer.py); on Windows and macOS the pointer is drawn here (cursor.py) and a thread
compares grabs (polling.py).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from proxim_capture_mss import cursor, permissions
from proxim_capture_mss.damage import DamageWatcher
from proxim_capture_mss.polling import GrabPoller
from proxim_capture_mss.xpointer import Pointer, XPointerReader, draw
from proxim_tray import BackendUnavailable, CaptureSource, Rect, ScreenGeometry

POINTER_POLL_INTERVAL = 1 / 60
USES_X11 = sys.platform not in ("win32", "darwin")


def _open_mss() -> Any:
    import mss

    factory = getattr(mss, "MSS", None) or mss.mss  # mss 10 renamed the factory
    return factory()


def shared_area(
    monitors: list[dict[str, int]], monitor: int, region: tuple[int, int, int, int] | None
) -> ScreenGeometry:
    """The monitor (0: all of them) or the ``region`` (x, y, width, height) inside it, in screen pixels."""
    if not 0 <= monitor < len(monitors):
        raise BackendUnavailable(
            f"monitor {monitor} does not exist: this display has {len(monitors) - 1} (0 shares all of them)"
        )
    area = monitors[monitor]
    if region is None:
        return ScreenGeometry(area["left"], area["top"], area["width"], area["height"])
    x, y, width, height = region
    if x + width > area["width"] or y + height > area["height"]:
        raise BackendUnavailable(
            f"region {x},{y},{width},{height} does not fit monitor {monitor} "
            f"({area['width']}x{area['height']}); give a rectangle inside it"
        )
    return ScreenGeometry(area["left"] + x, area["top"] + y, width, height)


class MssCaptureSource(CaptureSource):
    name = "mss"

    def __init__(self, monitor: int = 1, region: tuple[int, int, int, int] | None = None, fps: int = 30) -> None:
        self._monitor = monitor
        self._region = region
        self._interval = 1 / fps
        self._poller: GrabPoller | None = None
        self._watcher: DamageWatcher | None = None
        self._pointers = XPointerReader() if USES_X11 else None
        self._pointer: Pointer | None = None  # the pointer as the grabs since the last take_damage draw it
        self._local = threading.local()
        self._opened: list[Any] = []
        self._lock = threading.Lock()

    def unavailable_reason(self) -> str | None:
        if USES_X11:
            if os.environ.get("WAYLAND_DISPLAY"):
                # through XWayland mss would see only X11 windows: a black screen rather than the desktop
                return "Wayland sessions do not allow screen capture through X11; log in with an Xorg session"
            if not os.environ.get("DISPLAY"):
                return "no X display (DISPLAY is not set); run Proxim inside a desktop session"
        try:
            self.geometry()
        except BackendUnavailable as exc:
            return str(exc)
        except Exception as exc:
            return f"cannot open the display: {exc}"
        return permissions.screen_recording_problem()

    def _grabber(self) -> Any:
        grabber = getattr(self._local, "mss", None)
        if grabber is None:
            try:
                grabber = _open_mss()
            except Exception as exc:
                display = os.environ.get("DISPLAY", "")
                raise BackendUnavailable(
                    f"cannot open the display {display} for capture ({exc}); "
                    "check that DISPLAY names a running X server"
                ) from exc
            self._local.mss = grabber
            with self._lock:
                self._opened.append(grabber)
        return grabber

    def geometry(self) -> ScreenGeometry:
        return shared_area(self._grabber().monitors, self._monitor, self._region)

    def grab(self) -> npt.NDArray[np.uint8]:
        polled = self._poller.take() if self._poller is not None else None
        return polled if polled is not None else self._grab_now()

    def _grab_now(self) -> npt.NDArray[np.uint8]:
        area = self.geometry()
        watcher = self._watcher
        if self._pointers is not None:
            self._pointer = self._pointers.read(area, watcher.shapes if watcher else None)
        frame = self._grab_box(area, (0, 0, area.width, area.height))
        if USES_X11:
            return frame
        position = cursor.pointer_position()
        return frame if position is None else cursor.draw_pointer(frame, area, *position)

    def _grab_box(self, area: ScreenGeometry, rect: Rect) -> npt.NDArray[np.uint8]:
        left, top, width, height = rect
        shot = self._grabber().grab({"left": area.left + left, "top": area.top + top, "width": width, "height": height})
        frame = np.frombuffer(shot.raw, dtype=np.uint8).reshape(shot.height, shot.width, 4)
        return frame if self._pointer is None else draw(frame, left, top, self._pointer)

    def take_damage(self) -> list[Rect] | None:
        """What X DAMAGE saw drawn since the last call, and the pointer's old and new place if it moved or changed
        shape; None where changes are not watched (the track then grabs the whole area)."""
        watcher = self._watcher  # (the loop may stop watching meanwhile)
        if watcher is None or self._pointers is None:
            return None
        rects = watcher.take()
        drawn, pointer = self._pointer, self._pointers.read(self.geometry(), watcher.shapes)
        if drawn != pointer:
            rects.extend(p.box for p in (drawn, pointer) if p is not None)
        self._pointer = pointer
        return rects

    def grab_region(self, rect: Rect) -> npt.NDArray[np.uint8]:
        return self._grab_box(self.geometry(), rect)

    def watch_changes(self, on_change: Callable[[], None]) -> Callable[[], None] | None:
        """X DAMAGE events on X11; grabs compared on a thread of their own on Windows and macOS."""
        if not USES_X11:
            self._poller = GrabPoller(self._grab_now, on_change, self._interval)
            return self._poller.stop
        if not os.environ.get("DISPLAY"):
            return None
        watcher = DamageWatcher(self.geometry(), on_change, POINTER_POLL_INTERVAL)
        if not watcher.start():
            watcher.stop()
            return None
        self._watcher = watcher
        return self._stop_watching

    def _stop_watching(self) -> None:
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            watcher.stop()

    def close(self) -> None:
        with self._lock:
            opened, self._opened = self._opened, []
        for grabber in opened:
            grabber.close()
        if self._pointers is not None:
            self._pointers.close()
