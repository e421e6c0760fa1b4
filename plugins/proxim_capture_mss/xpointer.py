"""The X pointer drawn into grabs: its image and place from XFixes, read on the grabbing thread's own connection.

(mss can draw it, but only into whole grabs and pixel by pixel in Python; a patch of the screen needs it too.)
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from proxim_tray import Rect, ScreenGeometry


@dataclass(frozen=True)
class Pointer:
    """The pointer's image (premultiplied BGRA, as XFixes gives it) with its top-left corner in the area's pixels."""

    left: int
    top: int
    pixels: npt.NDArray[np.uint8] = field(compare=False)  # the same for the same serial
    serial: int  # XFixes' number for the pointer's shape

    @property
    def box(self) -> Rect:
        height, width = self.pixels.shape[:2]
        return self.left, self.top, width, height


@dataclass(frozen=True)
class _Shape:
    pixels: npt.NDArray[np.uint8]
    x_hot: int
    y_hot: int
    serial: int


class XPointerReader:
    """Reads the pointer through XFixes, on a connection per thread (Xlib connections are not shared by threads).

    The image is read again only when the caller's shape count has moved (the change watcher counts XFixes' cursor
    events): parsing it costs about half a microsecond a pixel, 4 ms for a 96x96 pointer; the place is one round trip.
    """

    def __init__(self) -> None:
        self._local = threading.local()
        self._opened: list[Any] = []
        self._lock = threading.Lock()

    def _display(self) -> Any:
        display = getattr(self._local, "display", None)
        if display is None:
            from Xlib import display as xdisplay

            display = xdisplay.Display()
            if not display.has_extension("XFIXES"):
                display.close()
                display = False  # no pointer to draw on this server
            else:
                display.xfixes_query_version()
                with self._lock:
                    self._opened.append(display)
            self._local.display = display
        return display

    def read(self, area: ScreenGeometry, shapes: int | None = None) -> Pointer | None:
        """The pointer now, or None when the server cannot tell (no XFixes). ``shapes``: a count that moves whenever
        the pointer's shape may have changed (None: read the image in any case)."""
        display = self._display()
        if not display:
            return None
        root = display.screen().root
        cached: tuple[int, _Shape] | None = getattr(self._local, "shape", None)
        if shapes is not None and cached is not None and cached[0] == shapes:
            shape = cached[1]
            reply = root.query_pointer()
            x, y = reply.root_x, reply.root_y
        else:
            reply = display.xfixes_get_cursor_image(root)
            argb = np.array(reply.cursor_image, dtype="<u4").reshape(reply.height, reply.width)
            pixels = argb.view(np.uint8).reshape(reply.height, reply.width, 4)  # little-endian ARGB: B, G, R, A
            shape = _Shape(pixels, reply.xhot, reply.yhot, reply.cursor_serial)
            x, y = reply.x, reply.y
            if shapes is not None:
                self._local.shape = (shapes, shape)
        return Pointer(x - shape.x_hot - area.left, y - shape.y_hot - area.top, shape.pixels, shape.serial)

    def close(self) -> None:
        with self._lock:
            opened, self._opened = self._opened, []
        for display in opened:
            display.close()


def draw(frame: npt.NDArray[np.uint8], left: int, top: int, pointer: Pointer) -> npt.NDArray[np.uint8]:
    """``frame`` (BGRA, the grab of the area's pixels from ``left``, ``top``) with ``pointer`` drawn over it,
    clipped at its edges."""
    height, width = frame.shape[:2]
    pointer_height, pointer_width = pointer.pixels.shape[:2]
    x0, y0 = max(pointer.left - left, 0), max(pointer.top - top, 0)
    x1, y1 = min(pointer.left - left + pointer_width, width), min(pointer.top - top + pointer_height, height)
    if x0 >= x1 or y0 >= y1:
        return frame
    if not frame.flags.writeable:
        frame = frame.copy()
    dx, dy = left - pointer.left, top - pointer.top  # from the frame's pixels to the pointer image's
    image = pointer.pixels[y0 + dy : y1 + dy, x0 + dx : x1 + dx]
    target = frame[y0:y1, x0:x1]
    alpha = image[..., 3:4].astype(np.uint16)
    blended = image[..., :3] + (target[..., :3].astype(np.uint16) * (255 - alpha) + 127) // 255
    target[..., :3] = np.minimum(blended, 255).astype(np.uint8)
    return frame
