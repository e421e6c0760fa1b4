"""The pointer drawn into grabs on Windows and macOS, where mss leaves it out (on X11 mss draws it, with XFixes).

The arrow is drawn where the system says the pointer is, scaled as the picture is: on a Retina display a frame has
two pixels per point, and the pointer position and the shared area are in points.
"""

from __future__ import annotations

import sys

import numpy as np
import numpy.typing as npt

from proxim_tray import ScreenGeometry

# X: black outline, o: white fill (the arrow most systems draw), tip at the top-left
ARROW_ROWS = (
    "X",
    "XX",
    "XoX",
    "XooX",
    "XoooX",
    "XooooX",
    "XoooooX",
    "XooooooX",
    "XoooooooX",
    "XooooooooX",
    "XoooooXXXXX",
    "XooXooX",
    "XoX XooX",
    "XX  XooX",
    "X    XooX",
    "     XooX",
    "      XX",
)
BLACK = (0, 0, 0, 255)
WHITE = (255, 255, 255, 255)


def _arrow() -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    width = max(len(row) for row in ARROW_ROWS)
    grid = np.array([list(row.ljust(width)) for row in ARROW_ROWS])
    return grid == "X", grid == "o"


OUTLINE, FILL = _arrow()


def draw_pointer(frame: npt.NDArray[np.uint8], area: ScreenGeometry, x: float, y: float) -> npt.NDArray[np.uint8]:
    """``frame`` (BGRA, the grab of ``area``) with the arrow drawn at the pointer position ``x``, ``y`` (in the area's
    coordinates), clipped at the edges; the frame itself when the pointer is outside the area."""
    scale = frame.shape[1] / area.width
    left, top = round((x - area.left) * scale), round((y - area.top) * scale)
    size = max(1, round(scale))
    outline, fill = (np.repeat(np.repeat(mask, size, axis=0), size, axis=1) for mask in (OUTLINE, FILL))
    height, width = frame.shape[:2]
    if not (0 <= left < width and 0 <= top < height):
        return frame
    if not frame.flags.writeable:
        frame = frame.copy()
    rows, columns = min(outline.shape[0], height - top), min(outline.shape[1], width - left)
    target = frame[top : top + rows, left : left + columns]
    target[outline[:rows, :columns]] = BLACK
    target[fill[:rows, :columns]] = WHITE
    return frame


def pointer_position() -> tuple[float, float] | None:
    """Where the system pointer is, in the coordinates mss gives monitors in; None where it cannot be read here."""
    if sys.platform == "win32":
        import ctypes
        from ctypes import wintypes

        point = wintypes.POINT()
        if not ctypes.windll.user32.GetCursorPos(ctypes.byref(point)):
            return None  # the secure desktop (UAC, lock screen) is showing
        return float(point.x), float(point.y)
    if sys.platform == "darwin":
        import Quartz

        location = Quartz.CGEventGetLocation(Quartz.CGEventCreate(None))
        return float(location.x), float(location.y)
    return None
