"""The streamed picture as one YUV 4:2:0 frame, converted from a whole BGRA grab or patched where the screen changed.

Converting a 1080p grab costs several milliseconds; a typed letter or a moved pointer changes a few thousand pixels.
A capture source that knows what changed (X DAMAGE) lets the track grab and convert only those rectangles into the
last frame. Chroma is the average of each 2x2 block (swscale's default filter reaches into the rows around), so a
patch aligned to that grid converts exactly as it would in a whole grab: no seams.
"""

from __future__ import annotations

import av
import numpy as np
import numpy.typing as npt

from proxim_tray.backends import Rect, bounding_box
from proxim_tray.encoding import COLOUR_MATRIX

# Above this share of the picture, converting the whole grab costs no more than the patches would.
WHOLE_SHARE = 0.5
# Two rectangles are converted as one when that adds at most this many pixels (a per-patch cost of about a 64x64
# conversion): the glyphs of a typed word become one patch.
MERGE_SLACK = 64 * 64
MAX_PATCHES = 32  # beyond this many, their bounding box is converted instead
# A whole grab is converted in slices on this many threads: at 1080p 2.2 ms instead of 3.2 on one (the same CPU time);
# the next grab waits for the conversion, so this bounds the frame rate. Patches are too small to share out.
WHOLE_THREADS = 2
# The smallest patch, in pixels each way: swscale rounds a picture only a few pixels wide differently.
MIN_PATCH = 16


def scaled_size(width: int, height: int, max_size: int | None) -> tuple[int, int]:
    """``width`` x ``height`` shrunk (keeping its shape) so that its longer side fits ``max_size``; both even."""
    if max_size is not None and max(width, height) > max_size:
        scale = max_size / max(width, height)
        width, height = round(width * scale), round(height * scale)
    return max(width & ~1, 2), max(height & ~1, 2)


def to_video_frame(pixels: npt.NDArray[np.uint8], max_size: int | None, threads: int = 1) -> av.VideoFrame:
    """A BGRA screen grab as a YUV 4:2:0 frame (BT.601, limited range), scaled to fit ``max_size``, converted by
    swscale on ``threads`` threads."""
    height, width = pixels.shape[:2]
    # swscale reads the grab where it is (a copy into a new frame cost 0.9 ms at 1080p)
    frame = av.VideoFrame.from_numpy_buffer(np.ascontiguousarray(pixels), format="bgra")
    out_width, out_height = scaled_size(width, height, max_size)
    return frame.reformat(
        width=out_width,
        height=out_height,
        format="yuv420p",
        dst_colorspace=COLOUR_MATRIX,
        interpolation="AREA",  # also when not scaled: chroma is then each 2x2 block's average, and no slower
        threads=threads,
    )


def _planes(frame: av.VideoFrame) -> list[npt.NDArray[np.uint8]]:
    """Writable views of a yuv420p frame's Y, U and V planes, without their row padding."""
    views = []
    for index, plane in enumerate(frame.planes):
        width, height = (frame.width, frame.height) if index == 0 else (frame.width // 2, frame.height // 2)
        rows = np.frombuffer(plane, dtype=np.uint8).reshape(-1, plane.line_size)  # type: ignore[call-overload]
        views.append(rows[:height, :width])
    return views


def _area(rect: Rect) -> int:
    return rect[2] * rect[3]


def _grown(start: int, end: int, limit: int) -> tuple[int, int]:
    """The span ``start``..``end`` widened to ``MIN_PATCH`` (or all of ``0..limit``), staying inside it."""
    end = max(end, min(start + MIN_PATCH, limit))
    return max(min(start, end - MIN_PATCH), 0), end


def _merged(rects: list[Rect]) -> list[Rect]:
    """``rects`` with each pair whose bounding box adds at most ``MERGE_SLACK`` pixels replaced by that box."""
    merged: list[Rect] = []
    for rect in sorted(rects, key=lambda r: (r[1], r[0])):
        for index, other in enumerate(merged):
            union = bounding_box((rect, other))
            if _area(union) <= _area(rect) + _area(other) + MERGE_SLACK:
                merged[index] = union
                break
        else:
            merged.append(rect)
    return merged if len(merged) == len(rects) else _merged(merged)


class ScreenCanvas:
    """The last picture, as the frame the encoder is given. ``replace`` converts a whole grab into a new frame;
    ``patch`` converts part of one into the current frame, in place (the encoder copies a frame while it encodes it,
    so the frame may change once ``encode`` has returned)."""

    def __init__(self, max_size: int | None) -> None:
        self._max_size = max_size
        self.frame: av.VideoFrame | None = None
        self._planes: list[npt.NDArray[np.uint8]] = []

    def replace(self, pixels: npt.NDArray[np.uint8]) -> av.VideoFrame:
        frame = self.frame = to_video_frame(pixels, self._max_size, WHOLE_THREADS)
        height, width = pixels.shape[:2]
        # only an unscaled picture of even size has the same pixels as the grab, so only such a frame is patched
        self._planes = _planes(frame) if (frame.width, frame.height) == (width, height) else []
        return frame

    def patches(self, rects: list[Rect]) -> list[Rect] | None:
        """What to grab and convert for these changed rectangles: each widened to the 2x2 chroma grid and clipped
        to the picture, near ones merged; None when the frame cannot be patched or converting it whole is cheaper."""
        if not self._planes:
            return None
        height, width = self._planes[0].shape
        aligned = []
        for left, top, rect_width, rect_height in rects:
            right, bottom = min(left + rect_width, width), min(top + rect_height, height)
            left, top = max(left, 0) & ~1, max(top, 0) & ~1
            right, bottom = right + (right & 1), bottom + (bottom & 1)
            if right <= left or bottom <= top:
                continue  # outside the picture
            (left, right), (top, bottom) = _grown(left, right, width), _grown(top, bottom, height)
            aligned.append((left, top, right - left, bottom - top))
        patches = _merged(aligned) if len(aligned) <= MAX_PATCHES * 4 else aligned
        if len(patches) > MAX_PATCHES:
            patches = [bounding_box(patches)]
        if sum(_area(rect) for rect in patches) > WHOLE_SHARE * width * height:
            return None
        return patches

    def patch(self, rect: Rect, pixels: npt.NDArray[np.uint8]) -> None:
        """Convert ``pixels`` (BGRA, the grab of ``rect``, one of ``patches``) into the frame where ``rect`` is."""
        left, top, width, height = rect
        converted = _planes(to_video_frame(pixels, None))
        for index, (target, source) in enumerate(zip(self._planes, converted, strict=True)):
            shift = 0 if index == 0 else 1
            target[top >> shift : (top + height) >> shift, left >> shift : (left + width) >> shift] = source
