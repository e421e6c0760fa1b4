"""Change events where the system has none mss can use (Windows, macOS): a thread grabs at the frame rate, compares
each grab on a sample (changes.py), and keeps a changed grab for the track, which then need not grab again."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from proxim_capture_mss.changes import SampledComparison

logger = logging.getLogger(__name__)

Frame = npt.NDArray[np.uint8]


class GrabPoller:
    def __init__(self, grab: Callable[[], Frame], on_change: Callable[[], None], interval: float) -> None:
        self._grab = grab
        self._on_change = on_change
        self._interval = interval
        self._comparison = SampledComparison()
        self._pending: Frame | None = None
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="proxim-grab-poller", daemon=True)
        self._thread.start()

    def take(self) -> Frame | None:
        """The changed grab not yet taken, if any."""
        with self._lock:
            frame, self._pending = self._pending, None
        return frame

    def _run(self) -> None:
        failures = 0
        while not self._stopped.wait(self._interval):
            try:
                frame = self._grab()
            except Exception as exc:  # the secure desktop (UAC, lock screen) on Windows cannot be grabbed
                failures += 1
                if failures == 1:
                    logger.warning("cannot grab the screen (%s); the picture stays as it was until it can", exc)
                continue
            failures = 0
            if self._comparison.changed(frame):
                with self._lock:
                    self._pending = frame
                self._on_change()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(2.0)
