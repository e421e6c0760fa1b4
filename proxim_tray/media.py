"""The screen as an aiortc video track, captured when the screen changes.

A frame is grabbed and converted (off the loop, on one capture thread) only when the capture source reports a change,
the receiver asks for a keyframe, or, for sources that cannot report changes, when a cheap comparison with the last grab
finds a difference. A source that says which rectangles changed has only those grabbed and converted into the last
frame (canvas.py). Frames are stamped with the wall-clock capture time, never faster than the frame-rate cap.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import av
import numpy as np
import numpy.typing as npt
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from proxim_tray.backends import CaptureSource, Rect
from proxim_tray.canvas import ScreenCanvas, scaled_size
from proxim_tray.config import HostConfig
from proxim_tray.encoding import EncoderSettings
from proxim_tray.media_options import CODECS

logger = logging.getLogger(__name__)

VIDEO_CLOCK_RATE = 90_000
VIDEO_TIME_BASE = fractions.Fraction(1, VIDEO_CLOCK_RATE)
# An unchanged screen is re-sent this often (encoded as an almost empty frame): a receiver that sees no frame for
# 3 s asks for a keyframe again and again, and a keyframe costs far more than these.
HEARTBEAT_INTERVAL = 1.0
# Once the screen has been still for SETTLE_DELAY, the last frame is sent this many more times at the frame rate: each
# lets the encoder sharpen what the moving frames left blurry, until an unchanged frame costs it nothing. (Settling
# at once would keep the encoder busy between the keystrokes of a typist and delay the next change.)
SETTLE_FRAMES = 8
SETTLE_DELAY = 0.3
# A change's frame is sent once more this long after it, unless a newer one went out meanwhile: a receiver that lost
# the change's frame learns of the loss from the next sequence number, and a still screen would otherwise send the
# next one only when settling starts (measured: the picture was wrong for 430-475 ms after such a loss).
PROBE_DELAY = 0.1
# A source that reports changed rectangles is still grabbed whole when the screen settles and after this long of
# grabbing only changes: a change its reports missed cannot stay on the picture for longer.
WHOLE_GRAB_INTERVAL = 2.0


@runtime_checkable
class ChangeNotifier(Protocol):
    """A capture source that can tell when the shared area may have changed (X DAMAGE, for example)."""

    def watch_changes(self, on_change: Callable[[], None]) -> Callable[[], None] | None:
        """Call ``on_change`` (from any thread) after each change; return a function that stops watching, or None
        when changes cannot be watched here (the track then compares grabs instead)."""


@runtime_checkable
class DamageReporter(Protocol):
    """A capture source that tells which parts of the shared area changed and can grab just those (X DAMAGE)."""

    def take_damage(self) -> list[Rect] | None:
        """The rectangles (in the area's pixels) that may have changed since the last call, the pointer's old and new
        place included, or None when that is not known; called from the capture thread before every grab."""

    def grab_region(self, rect: Rect) -> npt.NDArray[np.uint8]:
        """The BGRA pixels of ``rect``, pointer drawn as in ``grab``."""


@runtime_checkable
class VideoFrameSource(Protocol):
    """A capture source that delivers frames already converted to yuv420p (GStreamer does it for the portal)."""

    def grab_frame(self) -> av.VideoFrame: ...


@dataclass(frozen=True)
class StreamSettings:
    """How the screen is streamed: codec choice, encoder limits, and the largest picture sent."""

    encoder: EncoderSettings = field(default_factory=EncoderSettings)
    codec: str = "auto"
    max_size: int | None = None

    def __post_init__(self) -> None:
        if self.codec not in CODECS:
            raise ValueError(f"unknown codec {self.codec!r}; choose one of {', '.join(CODECS)}")
        if self.max_size is not None and self.max_size < 16:
            raise ValueError("the maximum picture size must be at least 16 pixels")

    @classmethod
    def from_config(cls, config: HostConfig) -> StreamSettings:
        encoder = EncoderSettings(fps=config.fps, min_bitrate=config.min_bitrate, max_bitrate=config.max_bitrate)
        return cls(encoder=encoder, codec=config.codec, max_size=config.max_size)


class ScreenVideoTrack(MediaStreamTrack):
    kind = "video"

    def __init__(self, source: CaptureSource, settings: StreamSettings | None = None) -> None:
        super().__init__()
        self.settings = settings or StreamSettings()
        self._source = source
        self._interval = 1.0 / self.settings.encoder.fps
        # one thread, always the same: capture libraries keep per-thread display connections
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="proxim-capture")
        self._epoch: float | None = None
        self._next_allowed = 0.0
        self._last_frame_at = 0.0
        self._last_frame: av.VideoFrame | None = None
        self._last_grab: npt.NDArray[np.uint8] | None = None
        self._canvas = ScreenCanvas(self.settings.max_size)
        self._patching_since: float | None = None  # the first patch since the area was last grabbed whole
        self._wake = asyncio.Event()
        self._changed = True
        self._keyframe_wanted = False
        self._settling = 0
        self._probing = False  # the last frame sent was a new picture: resend it at PROBE_DELAY
        self._last_new_at = 0.0
        self._stop_watching: Callable[[], None] | None = None
        self._watching = False
        self._resumed = asyncio.Event()
        self._resumed.set()
        self.codec = ""
        self.frames_captured = 0
        self.frames_sent = 0

    @property
    def paused(self) -> bool:
        return not self._resumed.is_set()

    @paused.setter
    def paused(self, paused: bool) -> None:
        """While paused no frame is captured or sent: the client keeps showing the last one."""
        if paused:
            self._resumed.clear()
        else:
            self._changed = True
            self._resumed.set()

    @property
    def change_driven(self) -> bool:
        """True when the source reports changes; False when the track polls and compares grabs."""
        return self._watching

    def request_keyframe(self) -> None:
        """The receiver lost the picture: send a frame now, even if the screen has not changed."""
        self._keyframe_wanted = True
        self._wake.set()

    async def _start_watching(self) -> None:
        loop = asyncio.get_running_loop()

        def on_change() -> None:
            loop.call_soon_threadsafe(self._mark_changed)

        if isinstance(self._source, ChangeNotifier):
            # opening the source's own display connection blocks: the capture thread does it
            self._stop_watching = await loop.run_in_executor(self._executor, self._source.watch_changes, on_change)
        self._watching = self._stop_watching is not None
        logger.info("capture %s", "driven by change events" if self._watching else "polls and compares grabs")

    def _mark_changed(self) -> None:
        self._changed = True
        self._wake.set()

    async def recv(self) -> av.VideoFrame:
        loop = asyncio.get_running_loop()
        if self._epoch is None:
            self._epoch = time.monotonic()
            await self._start_watching()
        while True:
            if self.readyState != "live":
                raise MediaStreamError
            await self._resumed.wait()
            # the frame-rate cap counts new pictures only: a resent frame never delays a change
            await asyncio.sleep(self._next_allowed - loop.time())
            if self._watching and not (self._changed or self._keyframe_wanted):
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._next_resend() - loop.time())
                if self.paused:
                    continue
            started = loop.time()
            grab = self._changed or not self._watching or self._last_frame is None
            settle = self._settling > 0 and started >= self._last_new_at + SETTLE_DELAY
            probe = self._probing and started >= self._last_new_at + PROBE_DELAY
            heartbeat = started - self._last_frame_at >= HEARTBEAT_INTERVAL
            send_anyway = self._keyframe_wanted or settle or probe or heartbeat
            if not (grab or send_anyway):
                continue
            # a screen settling after patches is grabbed whole once, to correct what change reports may have missed
            refresh = settle and self._settling == SETTLE_FRAMES and self._patching_since is not None
            self._changed = self._keyframe_wanted = False
            try:
                captured = await loop.run_in_executor(self._executor, self._capture, grab, send_anyway, refresh)
            except RuntimeError as exc:  # the executor shut down: the track stopped meanwhile
                raise MediaStreamError from exc
            if self.readyState != "live":
                raise MediaStreamError
            if grab:
                # on a grid of frame intervals: the loop wakes up to a millisecond late (epoll counts milliseconds),
                # which counted from each wake-up gave 57.5 pictures a second at 60; at most one comes early after a
                # late one
                self._next_allowed = max(self._next_allowed + self._interval, started + self._interval / 2)
            if captured is None:
                continue  # polling found nothing new
            captured_at, frame, new_picture = captured
            if new_picture:
                self._settling, self._last_new_at = SETTLE_FRAMES, started
            elif settle:
                self._settling -= 1
            self._probing = new_picture
            frame.pts = int((captured_at - self._epoch) * VIDEO_CLOCK_RATE)
            frame.time_base = VIDEO_TIME_BASE
            self._last_frame_at = started
            self.frames_sent += 1
            return frame

    def _next_resend(self) -> float:
        """When a still screen's last frame is next sent again: to reveal a lost change, to settle, or as the
        heartbeat."""
        if self._probing:
            return self._last_new_at + PROBE_DELAY
        if self._settling:
            return max(self._last_new_at + SETTLE_DELAY, self._last_frame_at + self._interval)
        return self._last_frame_at + HEARTBEAT_INTERVAL

    def _capture(self, grab: bool, send_anyway: bool, refresh: bool) -> tuple[float, av.VideoFrame, bool] | None:
        """Grab and convert when ``grab`` (whole, or the changed parts into the last frame), grab whole when
        ``refresh``, else resend the last frame: (capture time, frame, whether it is a new picture); None when a grab
        shows no change and nothing asks for a frame anyway."""
        source = self._source
        if isinstance(source, VideoFrameSource) and (grab or self._last_frame is None):
            frame = source.grab_frame()
            out_width, out_height = scaled_size(frame.width, frame.height, self.settings.max_size)
            if (out_width, out_height) != (frame.width, frame.height):
                frame = frame.reformat(width=out_width, height=out_height, interpolation="AREA", threads=1)
            self._last_frame = frame
            self.frames_captured += 1
            return time.monotonic(), frame, True
        if not (grab or refresh) and self._last_frame is not None:
            return time.monotonic(), self._last_frame, False
        last = self._last_frame
        now = time.monotonic()
        overdue = self._patching_since is not None and now - self._patching_since >= WHOLE_GRAB_INTERVAL
        patches = self._changed_parts(whole=refresh or overdue)
        if patches is not None and last is not None and isinstance(source, DamageReporter):
            if self._patching_since is None:
                self._patching_since = now
            for rect in patches:
                self._canvas.patch(rect, source.grab_region(rect))
            captured_at = time.monotonic()
            if not patches:  # the change was outside the shared area
                return (captured_at, last, False) if send_anyway else None
            self.frames_captured += 1
            return captured_at, last, True
        pixels = source.grab()
        captured_at, self._patching_since = time.monotonic(), None
        if not self._watching:
            unchanged = self._last_grab is not None and np.array_equal(pixels, self._last_grab)
            if unchanged and self._last_frame is not None:
                return (captured_at, self._last_frame, False) if send_anyway else None
            self._last_grab = pixels.copy()
        self._last_frame = self._canvas.replace(pixels)
        self.frames_captured += 1
        return captured_at, self._last_frame, grab

    def _changed_parts(self, whole: bool) -> list[Rect] | None:
        """The rectangles to grab and convert into the last frame, or None to grab the whole area. The source's
        change reports are taken in any case: a whole grab covers them."""
        if not isinstance(self._source, DamageReporter):
            return None
        rects = self._source.take_damage()
        if whole or rects is None or self._last_frame is not self._canvas.frame:
            return None
        return self._canvas.patches(rects)

    def stop(self) -> None:
        super().stop()
        self._wake.set()
        self._resumed.set()
        if self._stop_watching is not None:
            self._stop_watching()
            self._stop_watching = None
        self._executor.shutdown(wait=False, cancel_futures=True)
