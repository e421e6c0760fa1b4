"""Per-stage cost of the host pipeline, measured in this process on frames of a scrolling screen."""

from __future__ import annotations

import statistics
import time

import av
from aiortc.codecs.h264 import H264Encoder
from proxim_capture_mss.source import MssCaptureSource

from bench._stream.rig import Painter
from proxim_tray.canvas import to_video_frame
from proxim_tray.encoding import BitrateController, EncoderSettings, ScreenH264Encoder
from proxim_tray.media import VIDEO_TIME_BASE

SIZES = {"720p": (0, 0, 1280, 720), "1080p": None}
FRAMES = 40
WARMUP = 5  # the first frames include opening the encoder and a keyframe


def median_ms(seconds: list[float]) -> float:
    return round(statistics.median(seconds[WARMUP:]) * 1000, 2)


def stage_costs(painter: Painter) -> dict[str, dict[str, float]]:
    painter.animate(30)
    costs: dict[str, dict[str, float]] = {}
    try:
        for size, region in SIZES.items():
            source = MssCaptureSource(1, region)
            grabbing, converting, frames = [], [], []
            for _ in range(FRAMES):
                start = time.perf_counter()
                pixels = source.grab()
                grabbed = time.perf_counter()
                frames.append(to_video_frame(pixels, None))
                converting.append(time.perf_counter() - grabbed)
                grabbing.append(grabbed - start)
                time.sleep(1 / 30)
            source.close()
            costs.setdefault("grab", {})[size] = median_ms(grabbing)
            costs.setdefault("convert BGRA -> YUV", {})[size] = median_ms(converting)
            settings = EncoderSettings()
            encoders = {
                "encode, Proxim H264": ScreenH264Encoder(settings, BitrateController(settings)),
                "encode, aiortc stock H264": H264Encoder(),
            }
            for name, encoder in encoders.items():
                encoding = []
                for index, frame in enumerate(frames):
                    frame.pts, frame.time_base = index * 3000, VIDEO_TIME_BASE
                    frame.pict_type = av.video.frame.PictureType.NONE
                    start = time.perf_counter()
                    encoder.encode(frame)
                    encoding.append(time.perf_counter() - start)
                costs.setdefault(name, {})[size] = median_ms(encoding)
    finally:
        painter.animate(0)
    return costs
