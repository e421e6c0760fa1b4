"""The test pattern: 75 % colour bars, a white block that moves one step per change, and the change count in binary."""

from __future__ import annotations

import argparse
import threading
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from proxim_tray import CaptureSource, ScreenGeometry

# BGRA, left to right: white, yellow, cyan, green, magenta, red, blue (75 % intensity)
BARS = ((191, 191, 191), (0, 191, 191), (191, 191, 0), (0, 191, 0), (191, 0, 191), (0, 0, 191), (191, 0, 0))
BLOCK = 64
COUNTER_BITS = 24


def pattern_size(text: str) -> tuple[int, int]:
    width_text, _, height_text = text.lower().partition("x")
    try:
        width, height = int(width_text), int(height_text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"size {text!r} is wrong; give WIDTHxHEIGHT, for example 1920x1080") from None
    if not (BLOCK <= width <= 8192 and BLOCK <= height <= 8192):
        raise argparse.ArgumentTypeError(f"size {text!r} is out of range; give {BLOCK} to 8192 pixels a side")
    return width, height


def bars(width: int, height: int) -> npt.NDArray[np.uint8]:
    picture = np.zeros((height, width, 4), dtype=np.uint8)
    picture[..., 3] = 255
    for index, (blue, green, red) in enumerate(BARS):
        left, right = index * width // len(BARS), (index + 1) * width // len(BARS)
        picture[:, left:right, :3] = (blue, green, red)
    return picture


class TestPatternSource(CaptureSource):
    """Changes ``rate`` times a second (0: never) and reports each change, like a display with DAMAGE would."""

    __test__ = False  # not a pytest class, despite the name
    name = "testpattern"

    def __init__(self, size: tuple[int, int], rate: float) -> None:
        self._width, self._height = size
        self._rate = rate
        self._bars = bars(self._width, self._height)
        self._changes = 0
        self._lock = threading.Lock()

    @property
    def changes(self) -> int:
        with self._lock:
            return self._changes

    def geometry(self) -> ScreenGeometry:
        return ScreenGeometry(0, 0, self._width, self._height)

    def grab(self) -> npt.NDArray[np.uint8]:
        count = self.changes
        picture = self._bars.copy()
        steps = max((self._width - BLOCK) // 8, 1)
        left = (count * 8) % steps
        top = self._height // 2 - BLOCK // 2
        picture[top : top + BLOCK, left : left + BLOCK, :3] = 255
        for bit in range(COUNTER_BITS):
            value = 255 if count >> bit & 1 else 0
            picture[:16, bit * 16 : bit * 16 + 16, :3] = value
        return picture

    def watch_changes(self, on_change: Callable[[], None]) -> Callable[[], None] | None:
        stopped = threading.Event()

        def run() -> None:
            while self._rate > 0 and not stopped.wait(1 / self._rate):
                with self._lock:
                    self._changes += 1
                on_change()

        threading.Thread(target=run, name="proxim-testpattern", daemon=True).start()
        return stopped.set
