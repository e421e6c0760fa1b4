"""Telling whether a grab changed, by comparing a sample of it: every second pixel of every second row, at a phase
that turns with each grab. A change of 2x2 pixels or more (a glyph, a moved window) shows at once, any change within
four grabs, and each comparison reads a quarter of the pixels and copies none of them."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

STRIDE = 2


class SampledComparison:
    """Remembers the last changed grab (by reference: grabs are fresh buffers) and compares the next ones to it."""

    def __init__(self) -> None:
        self._last: npt.NDArray[np.uint8] | None = None
        self._phase = 0

    def changed(self, frame: npt.NDArray[np.uint8]) -> bool:
        last = self._last
        row, column = divmod(self._phase, STRIDE)
        self._phase = (self._phase + 1) % (STRIDE * STRIDE)
        if last is not None and last.shape == frame.shape:
            pixels, before = _as_words(frame), _as_words(last)
            if np.array_equal(pixels[row::STRIDE, column::STRIDE], before[row::STRIDE, column::STRIDE]):
                return False
        self._last = frame
        return True


def _as_words(frame: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint32]:
    """One 32-bit word per BGRA pixel: a quarter of the elements to compare."""
    if frame.flags.c_contiguous:
        return frame.view(np.uint32).reshape(frame.shape[:2])
    return np.ascontiguousarray(frame).view(np.uint32).reshape(frame.shape[:2])
