"""The screen as an aiortc video track: grab and convert off the loop, stamp frames with the wall clock."""

from __future__ import annotations

import asyncio
import fractions
import time
from concurrent.futures import ThreadPoolExecutor

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from proxim_tray.backends import CaptureSource

VIDEO_CLOCK_RATE = 90_000
VIDEO_TIME_BASE = fractions.Fraction(1, VIDEO_CLOCK_RATE)

# Chromium reads untagged H264 as BT.709 and VP8 as BT.601: convert with the matrix the decoder will assume.
COLOUR_MATRIX = {"h264": "ITU709", "vp8": "ITU601"}


class ScreenVideoTrack(MediaStreamTrack):
    kind = "video"

    def __init__(self, source: CaptureSource, fps: int) -> None:
        super().__init__()
        self._source = source
        self._interval = 1.0 / fps
        # one thread, always the same: capture libraries keep per-thread display connections
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="proxim-capture")
        self._epoch: float | None = None
        self._next_tick = 0.0
        self.codec = "vp8"
        self._resumed = asyncio.Event()
        self._resumed.set()

    @property
    def paused(self) -> bool:
        return not self._resumed.is_set()

    @paused.setter
    def paused(self, paused: bool) -> None:
        """While paused no frame is captured or sent: the client keeps showing the last one."""
        if paused:
            self._resumed.clear()
        else:
            self._resumed.set()

    async def recv(self) -> av.VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        await self._resumed.wait()
        loop = asyncio.get_running_loop()
        now = loop.time()
        if self._epoch is None:
            self._epoch = time.monotonic()
            self._next_tick = now
        else:
            # never build a backlog: a late frame moves the schedule instead of bursting to catch up
            self._next_tick = max(self._next_tick + self._interval, now)
            await asyncio.sleep(self._next_tick - now)
        captured_at, frame = await loop.run_in_executor(self._executor, self._capture)
        frame.pts = int((captured_at - self._epoch) * VIDEO_CLOCK_RATE)
        frame.time_base = VIDEO_TIME_BASE
        return frame

    def _capture(self) -> tuple[float, av.VideoFrame]:
        pixels = self._source.grab()
        captured_at = time.monotonic()
        height, width = pixels.shape[0] & ~1, pixels.shape[1] & ~1
        frame = av.VideoFrame.from_ndarray(pixels[:height, :width], format="bgra")
        return captured_at, frame.reformat(format="yuv420p", dst_colorspace=COLOUR_MATRIX.get(self.codec, "ITU601"))

    def stop(self) -> None:
        super().stop()
        self._executor.shutdown(wait=False, cancel_futures=True)
