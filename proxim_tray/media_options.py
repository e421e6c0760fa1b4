"""Command-line values for streaming (frame rate, bitrate, size, region, media port), checked with a clear message."""

from __future__ import annotations

import argparse

CODECS = ("auto", "h264", "vp8")
MAX_FPS = 120


def fps(text: str) -> int:
    value = _integer(text, "frame rate")
    if not 1 <= value <= MAX_FPS:
        raise argparse.ArgumentTypeError(f"frame rate {value} is out of range; give 1 to {MAX_FPS}")
    return value


def bitrate_range(text: str) -> tuple[int, int]:
    """``MIN-MAX`` in kbit/s, or one number for a fixed bitrate."""
    low_text, _, high_text = text.partition("-")
    low = _integer(low_text, "bitrate")
    high = _integer(high_text, "bitrate") if high_text else low
    if not 50 <= low <= high:
        raise argparse.ArgumentTypeError(f"bitrate range {text!r} is wrong; give MIN-MAX in kbit/s, 50 <= MIN <= MAX")
    return low, high


def max_size(text: str) -> int:
    value = _integer(text, "maximum size")
    if value < 16:
        raise argparse.ArgumentTypeError(f"maximum size {value} is too small; give at least 16 pixels")
    return value


def region(text: str) -> tuple[int, int, int, int]:
    """``X,Y,W,H`` in pixels inside the monitor."""
    parts = text.split(",")
    if len(parts) != 4:
        raise argparse.ArgumentTypeError(f"region {text!r} is wrong; give X,Y,WIDTH,HEIGHT in pixels")
    x, y, width, height = (_integer(part, "region") for part in parts)
    if x < 0 or y < 0 or width < 2 or height < 2:
        raise argparse.ArgumentTypeError(f"region {text!r} is wrong; X and Y from 0, WIDTH and HEIGHT at least 2")
    return x, y, width, height


def media_port(text: str) -> int:
    value = _integer(text, "media port")
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"media port {value} is out of range; give 1 to 65535, or 0 for a random port")
    return value


def _integer(text: str, what: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{what} {text!r} is not a whole number") from None
