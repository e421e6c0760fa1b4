"""What the stream benchmark makes of its records: when a change or a recovered picture reached the glass.

Times are epoch milliseconds. The page records, for every presented frame, its expected display time (rVFC
``expectedDisplayTime``: when the compositor puts it on the glass) and its RTP timestamp; the host's capture clock turns
an RTP timestamp back into the moment its frame was captured.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Any

LEVELS = 8  # grey levels of the painter's marker, used in turn
G2G_TIMEOUT_MS = 2000.0  # a change not on the glass this long after it was made counts as this
RESTORE_TIMEOUT_MS = 5000.0  # a lost frame whose picture is not back this long after counts as this
STALE_MS = 200.0  # a picture older than this, while the screen changes, is frozen
SAMPLE_MS = 5.0
IDLE_SETTLE = 2.0  # seconds after the last change before a still screen is measured: settling is over by then
PACKET_OVERHEAD = 12 + 10 + 28  # RTP, SRTP and UDP/IPv4 headers per packet, added to RTP payload byte counters

Frame = Sequence[float]  # expected display time, RTP timestamp
# marker level, expected display time, RTP timestamp, and when given, the frame's receive time and decode time (ms)
Mark = Sequence[float]


def percentiles(values: Sequence[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {"p50": -1, "p95": -1, "p99": -1, "max": -1, "n": 0}

    def at(fraction: float) -> float:
        return round(ordered[min(int(fraction * len(ordered)), len(ordered) - 1)], 1)

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "max": round(ordered[-1], 1), "n": len(ordered)}


def first_showing(sent: Sequence[tuple[int, float]], marks: Sequence[Mark]) -> list[Mark | None]:
    """For each change in ``sent`` ((level, made at)): the first mark on the glass that shows it, or a later change
    (the screen moved on before a frame was taken: the user sees the newer state); None if none does."""
    made = [at for _, at in sent]
    first: list[Mark | None] = [None] * len(sent)
    for mark in marks:
        level, shown = mark[0], mark[1]
        latest = bisect.bisect_right(made, shown) - 1
        # levels repeat every LEVELS changes: look back only as far as they are unambiguous
        match = next(
            (j for j in range(latest, max(latest - LEVELS + 1, -1), -1) if sent[j][0] == int(level)),
            None,
        )
        for index in range(match if match is not None else -1, -1, -1):
            if first[index] is not None:
                break
            first[index] = mark
    return first


def change_latencies(sent: Sequence[tuple[int, float]], marks: Sequence[Mark]) -> tuple[list[float], int]:
    """Glass-to-glass of each change in ``sent`` ((level, made at)), until the first frame on the glass that shows it
    (``first_showing``). Returns the latencies, a change not seen within ``G2G_TIMEOUT_MS`` counted as that, and how
    many were not."""
    latencies = [
        min(mark[1] - at, G2G_TIMEOUT_MS) if mark is not None else G2G_TIMEOUT_MS
        for mark, (_, at) in zip(first_showing(sent, marks), sent, strict=True)
    ]
    return latencies, latencies.count(G2G_TIMEOUT_MS)


def receipt_split(sent: Sequence[tuple[int, float]], marks: Sequence[Mark]) -> dict[str, dict[str, float]]:
    """Where the glass-to-glass time of the changes seen goes, around the moment Chromium received the last packet of
    the frame that shows each (rVFC ``receiveTime``): before it (the host, and the network), and after it (decoding,
    and the wait for the compositor to show the frame)."""
    seen = [(mark, at) for mark, (_, at) in zip(first_showing(sent, marks), sent, strict=True) if mark is not None]
    received = [(mark, at) for mark, at in seen if len(mark) > 3 and mark[3] > 0]
    return {
        "to_received": percentiles([mark[3] - at for mark, at in received]),
        "received_to_glass": percentiles([mark[1] - mark[3] for mark, _ in received]),
        "decoding": percentiles([mark[4] for mark, _ in received if len(mark) > 4]),
    }


def rtp_after(timestamp: int, reference: int) -> bool:
    """``timestamp`` is ``reference`` or later, modulo 2**32."""
    return (timestamp - reference) % 2**32 < 2**31


def restore_times(lost: Sequence[tuple[float, int]], frames: Sequence[Frame]) -> list[float | None]:
    """For each lost frame ((lost at, its RTP timestamp)): how long until a frame at least as new was on the glass,
    i.e. the picture was correct again; None if that never happened within ``RESTORE_TIMEOUT_MS``."""
    times: list[float | None] = []
    for lost_at, timestamp in lost:
        back = next(
            (shown for shown, rtp in frames if shown > lost_at and rtp_after(int(rtp), timestamp)),
            None,
        )
        times.append(back - lost_at if back is not None and back - lost_at <= RESTORE_TIMEOUT_MS else None)
    return times


def capture_time(clock: dict[str, float], rtp: float) -> float:
    """Epoch milliseconds at which the host captured the frame with RTP timestamp ``rtp``."""
    return (clock["epoch"] + ((int(rtp) - int(clock["origin"])) % 2**32) / clock["rate"]) * 1000


def frozen(frames: Sequence[Frame], clock: dict[str, float], start: float, end: float) -> dict[str, Any]:
    """Between ``start`` and ``end`` (a screen changing all along): the share of the time the picture on the glass was
    older than ``STALE_MS``, the number of such freezes and the longest, and the picture's age sampled every
    ``SAMPLE_MS``."""
    shown = [frame[0] for frame in frames]
    stale = samples = freezes = 0
    run = longest = 0.0
    ages = []
    t = start
    while t < end:
        index = bisect.bisect_right(shown, t) - 1
        age = t - capture_time(clock, frames[index][1]) if index >= 0 else float("inf")
        ages.append(age)
        old = age > STALE_MS
        samples += 1
        if old:
            stale += 1
            freezes += run == 0
            run += SAMPLE_MS
            longest = max(longest, run)
        else:
            run = 0.0
        t += SAMPLE_MS
    return {
        "frozen_share": round(stale / samples, 4) if samples else -1,
        "freezes": freezes,
        "longest_freeze_ms": round(longest, 1),
        "picture_age_ms": {key: value for key, value in percentiles(ages).items() if key != "n"},
    }
