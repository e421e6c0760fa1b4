"""Video encoders tuned for screen sharing, and the bitrate they aim at.

aiortc's own encoders cap the frame rate at 30, use x264's slow default preset with a level too small for 1080p, leave
the colours untagged and rebuild the encoder (a keyframe) whenever the target bitrate moves. These subclasses keep
aiortc's RTP packetisation and replace only how frames are encoded.
"""

from __future__ import annotations

import fractions
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import av
from aiortc.codecs.base import Encoder
from aiortc.codecs.h264 import H264Encoder
from aiortc.codecs.vpx import Vp8Encoder
from aiortc.mediastreams import VIDEO_TIME_BASE, convert_timebase
from av.frame import Frame

logger = logging.getLogger(__name__)

# The matrix the frames are converted with, and the tags that tell the decoder so (Chromium reads untagged H264 as
# BT.709, which shifts pure red to (255, 24, 0)).
COLOUR_MATRIX = "ITU601"
H264_COLOUR_TAGS = "colormatrix=smpte170m:colorprim=smpte170m:transfer=smpte170m"

# H.264 levels (Table A-1): level_idc, max macroblocks per frame, max macroblocks per second
_H264_LEVELS = (
    (30, 1_620, 40_500),
    (31, 3_600, 108_000),
    (32, 5_120, 216_000),
    (40, 8_192, 245_760),
    (42, 8_704, 522_240),
    (50, 22_080, 589_824),
    (51, 36_864, 983_040),
    (52, 36_864, 2_073_600),
)
KEYFRAME_INTERVAL = 3000  # frames; receivers ask for a keyframe (PLI) when they need one sooner
H264_QUALITY = 23  # x264's constant rate factor: its default, sharp for text at ultrafast
# The coarsest quantiser x264 may use. Under a low ceiling with the whole screen moving, its rate control went to 51,
# where it skipped a 96x96 patch changing grey level in 26 of 41 cases for 7 frames and more (1080p, 500 kbit/s
# ceiling, page scrolling 6 pixels a frame); capped at 45 it coded every change at once, at 582 kbit/s instead of 540.
H264_COARSEST_QUANTISER = 45
CEILING_STEP = 0.25  # a new bitrate ceiling takes a new encoder (a keyframe): only for a move this large,
CEILING_INTERVAL = 3.0  # a raise at most this often (seconds) after the last move; a cut for congestion comes at once
CEILING_RAISE = 1.5  # the most one raise multiplies the ceiling by (Chromium's own bound over what it receives)
HELD_BY_CEILING = 0.8  # x264 is held by its ceiling when it sends at least this share of it: only then raise it
ESTIMATE_PATIENCE = 2.0  # seconds an estimate below what the host sends may stay flat before it counts as congestion


def h264_level(width: int, height: int, fps: int) -> str:
    """The smallest H.264 level that fits ``width`` x ``height`` at ``fps`` (as x264 spells it, e.g. ``"40"``)."""
    macroblocks = ((width + 15) // 16) * ((height + 15) // 16)
    for level, max_frame, max_rate in _H264_LEVELS:
        if macroblocks <= max_frame and macroblocks * fps <= max_rate:
            return str(level)
    return str(_H264_LEVELS[-1][0])


@dataclass(frozen=True)
class EncoderSettings:
    """What the host asks of its encoder: a frame-rate cap and the bitrate range in bits per second."""

    fps: int = 30
    min_bitrate: int = 500_000
    max_bitrate: int = 8_000_000

    def __post_init__(self) -> None:
        if self.fps < 1:
            raise ValueError("the frame rate must be at least 1")
        if not 0 < self.min_bitrate <= self.max_bitrate:
            raise ValueError("the bitrate range must be positive, minimum first")


class BitrateController:
    """The bitrate ceiling of the encoder. Every move reopens it (a keyframe), so the ceiling moves only when that buys
    something, in steps of more than ``CEILING_STEP``.

    Down at once on congestion: losses (above 10 % back off from the ceiling by half the loss, WebRTC's rule), or the
    receiver's estimate (REMB) below what the host sends, once it fell or stayed flat for ``ESTIMATE_PATIENCE``.
    An estimate that is below what the host sends but rising is not congestion: Chromium keeps its estimate under
    1.5 times what it receives and raises it 8 % a second, so after a still screen it lags any burst of motion (as
    libwebrtc itself distrusts its estimate while the sender is application-limited).
    Up only while x264 is held by its ceiling (sends ``HELD_BY_CEILING`` of it or more), at most every
    ``CEILING_INTERVAL``, by at most ``CEILING_RAISE``, and not past the receiver's estimate or the loss cap (which
    grows back 8 % a report below 2 % loss). A ceiling the encoder does not reach costs nothing, so a still screen or
    a light load never moves it.
    """

    def __init__(self, settings: EncoderSettings, clock: Callable[[], float] = time.monotonic) -> None:
        self._settings = settings
        self._clock = clock
        self._ceiling = settings.max_bitrate
        self._moved_at = clock()
        self._estimate: int | None = None
        self._unmet_since: float | None = None  # since when the host sends more than a receiver estimate not rising
        self._sending = 0
        self._loss_cap = settings.max_bitrate
        self._lock = threading.Lock()  # REMB arrives on the loop, the encoder reads from its executor thread

    @property
    def ceiling(self) -> int:
        """The bitrate ceiling the encoder should have now, in bits per second."""
        with self._lock:
            return self._ceiling

    def receiver_estimate(self, bitrate: int) -> None:
        with self._lock:
            now, before = self._clock(), self._estimate
            self._estimate = bitrate
            if self._sending <= bitrate:
                self._unmet_since = None
            elif before is not None and bitrate > before:
                self._unmet_since = now  # lagging behind a burst, not congested
            elif before is not None and bitrate < before:
                self._unmet_since = now - ESTIMATE_PATIENCE  # the receiver saw congestion: believe it at once
            elif self._unmet_since is None:
                self._unmet_since = now
            self._decide(now)

    def sending(self, bitrate: int) -> None:
        """What the host sent over the last report interval, in bits per second."""
        with self._lock:
            now = self._clock()
            self._sending = bitrate
            if self._estimate is None or bitrate <= self._estimate:
                self._unmet_since = None
            elif self._unmet_since is None:
                self._unmet_since = now
            self._decide(now)

    def loss_report(self, fraction_lost: float) -> None:
        with self._lock:
            if fraction_lost > 0.10:
                self._loss_cap = int(min(self._loss_cap, self._ceiling) * (1 - fraction_lost / 2))
            elif fraction_lost < 0.02:
                self._loss_cap = min(int(self._loss_cap * 1.08), self._settings.max_bitrate)
            self._decide(self._clock())

    def _decide(self, now: float) -> None:
        limit = self._loss_cap
        if (
            self._estimate is not None
            and self._unmet_since is not None
            and now - self._unmet_since >= ESTIMATE_PATIENCE
        ):
            limit = min(limit, self._estimate)
        limit = max(self._settings.min_bitrate, min(limit, self._settings.max_bitrate))
        if limit < self._ceiling * (1 - CEILING_STEP):
            self._move(limit, now)
            return
        held = self._sending >= self._ceiling * HELD_BY_CEILING
        if held and now - self._moved_at >= CEILING_INTERVAL:
            raised = min(limit, int(self._ceiling * CEILING_RAISE), self._estimate or limit)
            if raised > self._ceiling * (1 + CEILING_STEP):
                self._move(raised, now)

    def _move(self, ceiling: int, now: float) -> None:
        logger.debug(
            "bitrate ceiling %d -> %d kbit/s, sending %d", self._ceiling // 1000, ceiling // 1000, self._sending // 1000
        )
        self._ceiling, self._moved_at = ceiling, now


class _TunedEncoderMixin:
    """Counts frames and keyframes, and routes aiortc's REMB updates to the bitrate controller."""

    def __init__(self, settings: EncoderSettings, bitrate: BitrateController) -> None:
        super().__init__()
        self.settings = settings
        self.bitrate = bitrate
        self.frames_encoded = 0
        self.keyframes_forced = 0

    @property
    def target_bitrate(self) -> int:
        return self.bitrate.ceiling

    @target_bitrate.setter
    def target_bitrate(self, bitrate: int) -> None:
        # RTCRtpSender sets this from each REMB message
        self.bitrate.receiver_estimate(bitrate)


class ScreenH264Encoder(_TunedEncoderMixin, H264Encoder):
    """libx264 ultrafast + zerolatency at constant quality under a bitrate ceiling, a level that fits, BT.601 tags.

    Constant quality (CRF) lets an unchanged screen cost nothing: after a few frames that sharpen what changed, x264
    sends all-skip frames of a dozen bytes. (Average-bitrate mode instead keeps spending its budget re-coding a still
    picture.) The bitrate controller's ceiling is x264's VBV ceiling; x264 cannot move it in place through PyAV, so
    each move of the ceiling opens a new encoder (and sends a keyframe).
    """

    def __init__(self, settings: EncoderSettings, bitrate: BitrateController) -> None:
        super().__init__(settings, bitrate)
        self._ceiling = 0

    def _open(self, frame: av.VideoFrame, ceiling: int) -> av.video.codeccontext.VideoCodecContext:
        codec = av.CodecContext.create("libx264", "w")
        codec.width, codec.height = frame.width, frame.height
        codec.pix_fmt = "yuv420p"
        codec.framerate = fractions.Fraction(self.settings.fps, 1)
        codec.time_base = VIDEO_TIME_BASE  # wall-clock pts, variable frame rate
        codec.gop_size = KEYFRAME_INTERVAL
        codec.thread_count = min(os.cpu_count() or 1, 4)
        codec.profile = "Baseline"
        codec.options = {
            "preset": "ultrafast",
            "tune": "zerolatency",
            "level": h264_level(frame.width, frame.height, self.settings.fps),
            "crf": str(H264_QUALITY),
            "maxrate": str(ceiling),
            "bufsize": str(ceiling),
            # qcomp 1: the same quality for every frame (by default x264 gives a still frame ever more bits);
            # aq-mode 1: without it ultrafast re-codes some blocks of a still picture identically in every frame;
            # qpmax: a change must show even when the ceiling is too low for the motion (the rate then exceeds it)
            "x264-params": f"{H264_COLOUR_TAGS}:qcomp=1:aq-mode=1:qpmax={H264_COARSEST_QUANTISER}",
        }
        self._ceiling = ceiling
        logger.info(
            "H264 encoder %dx%d level %s, at most %d kbit/s",
            frame.width,
            frame.height,
            codec.options["level"],
            ceiling // 1000,
        )
        return codec

    def encode(self, frame: Frame, force_keyframe: bool = False) -> tuple[list[bytes], int]:
        assert isinstance(frame, av.VideoFrame)
        codec = self.codec
        ceiling = self.bitrate.ceiling
        if codec is None or (frame.width, frame.height) != (codec.width, codec.height) or ceiling != self._ceiling:
            codec = self.codec = self._open(frame, ceiling)
        frame.pict_type = av.video.frame.PictureType.I if force_keyframe else av.video.frame.PictureType.NONE
        self.keyframes_forced += force_keyframe
        self.frames_encoded += 1
        data = b"".join(bytes(packet) for packet in codec.encode(frame))
        return self._packetize(self._split_bitstream(data)), _rtp_timestamp(frame)


class ScreenVp8Encoder(_TunedEncoderMixin, Vp8Encoder):
    """libvpx realtime as aiortc sets it up, with the host's bitrate range and up to 4 threads (aiortc uses one on
    2 cores), aiming at the bitrate controller's ceiling. libvpx cannot change its bitrate in place, so each move of
    the ceiling reopens it (a keyframe)."""

    def _open(self, frame: av.VideoFrame, target: int) -> av.video.codeccontext.VideoCodecContext:
        codec = av.CodecContext.create("libvpx", "w")
        codec.width, codec.height = frame.width, frame.height
        codec.bit_rate = target
        codec.pix_fmt = "yuv420p"
        codec.framerate = fractions.Fraction(self.settings.fps, 1)
        codec.time_base = VIDEO_TIME_BASE
        codec.gop_size = KEYFRAME_INTERVAL
        codec.qmin, codec.qmax = 2, 56
        codec.thread_count = min(os.cpu_count() or 1, 4)
        codec.options = {
            "bufsize": str(target),
            "cpu-used": "8",
            "deadline": "realtime",
            "lag-in-frames": "0",
            "minrate": str(target),
            "maxrate": str(target),
            "overshoot-pct": "15",
            "undershoot-pct": "100",
            "static-thresh": "1",
        }
        logger.info("VP8 encoder %dx%d, %d kbit/s", frame.width, frame.height, target // 1000)
        return codec

    def encode(self, frame: Frame, force_keyframe: bool = False) -> tuple[list[bytes], int]:
        assert isinstance(frame, av.VideoFrame)
        codec = self.codec
        target = self.bitrate.ceiling
        if codec is None or (frame.width, frame.height) != (codec.width, codec.height) or target != codec.bit_rate:
            codec = self.codec = self._open(frame, target)
        frame.pict_type = av.video.frame.PictureType.I if force_keyframe else av.video.frame.PictureType.NONE
        self.keyframes_forced += force_keyframe
        self.frames_encoded += 1
        data = b"".join(bytes(packet) for packet in codec.encode(frame))
        payloads = self._packetize(data, self.picture_id)
        self.picture_id = (self.picture_id + 1) % (1 << 15)
        return payloads, _rtp_timestamp(frame)


def _rtp_timestamp(frame: av.VideoFrame) -> int:
    assert frame.pts is not None and frame.time_base is not None, "the track stamps every frame"
    return convert_timebase(frame.pts, frame.time_base, VIDEO_TIME_BASE)


def create_encoder(mime_type: str, settings: EncoderSettings, bitrate: BitrateController) -> Encoder:
    """The tuned encoder for a negotiated video codec (``video/H264`` or ``video/VP8``)."""
    kind = mime_type.lower()
    if kind == "video/h264":
        return ScreenH264Encoder(settings, bitrate)
    if kind == "video/vp8":
        return ScreenVp8Encoder(settings, bitrate)
    raise ValueError(f"no screen encoder for {mime_type}")
