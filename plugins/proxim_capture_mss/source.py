"""The mss capture source. mss keeps a display connection per thread, so it is opened in the grabbing thread."""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

import numpy as np
import numpy.typing as npt

from proxim_tray import CaptureSource, ScreenGeometry
from proxim_tray.errors import BackendUnavailable


def _open_mss() -> Any:
    import mss

    factory = getattr(mss, "MSS", None) or mss.mss  # mss 10 renamed the factory
    return factory(with_cursor=True)


class MssCaptureSource(CaptureSource):
    name = "mss"

    def __init__(self, monitor: int = 1) -> None:
        self._monitor = monitor
        self._local = threading.local()
        self._opened: list[Any] = []
        self._lock = threading.Lock()

    def unavailable_reason(self) -> str | None:
        if sys.platform == "linux":
            if os.environ.get("WAYLAND_DISPLAY") and not os.environ.get("DISPLAY"):
                return "Wayland sessions do not allow screen capture through X11; log in with an Xorg session"
            if not os.environ.get("DISPLAY"):
                return "no X display (DISPLAY is not set); run Proxim inside a desktop session"
        try:
            self.geometry()
        except Exception as exc:
            return f"cannot open the display: {exc}"
        return None

    def _grabber(self) -> Any:
        grabber = getattr(self._local, "mss", None)
        if grabber is None:
            try:
                grabber = _open_mss()
            except Exception as exc:
                raise BackendUnavailable(f"cannot open the display for capture: {exc}") from exc
            self._local.mss = grabber
            with self._lock:
                self._opened.append(grabber)
        return grabber

    def _area(self) -> dict[str, int]:
        monitors = self._grabber().monitors
        if not 0 <= self._monitor < len(monitors):
            raise BackendUnavailable(f"monitor {self._monitor} does not exist (this display has {len(monitors) - 1})")
        area: dict[str, int] = monitors[self._monitor]
        return area

    def geometry(self) -> ScreenGeometry:
        area = self._area()
        return ScreenGeometry(area["left"], area["top"], area["width"], area["height"])

    def grab(self) -> npt.NDArray[np.uint8]:
        shot = self._grabber().grab(self._area())
        return np.frombuffer(shot.raw, dtype=np.uint8).reshape(shot.height, shot.width, 4)

    def close(self) -> None:
        with self._lock:
            opened, self._opened = self._opened, []
        for grabber in opened:
            grabber.close()
