"""How far a transfer is: bytes, rate and time left, said the same way on the console and in the tray."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

from proxim_files.saving import human_size

# the rate is measured over this many recent seconds
RATE_SPAN = 3.0


@dataclass
class Progress:
    name: str
    size: int
    done: int = 0
    started: float = field(default_factory=time.monotonic)
    _samples: deque[tuple[float, int]] = field(default_factory=deque, repr=False)

    def advance(self, done: int) -> None:
        now = time.monotonic()
        self.done = done
        self._samples.append((now, done))
        while len(self._samples) > 2 and now - self._samples[0][0] > RATE_SPAN:
            self._samples.popleft()

    @property
    def rate(self) -> float:
        """Bytes a second lately (0 until two samples)."""
        if len(self._samples) < 2:
            return 0.0
        (t0, b0), (t1, b1) = self._samples[0], self._samples[-1]
        return (b1 - b0) / (t1 - t0) if t1 > t0 else 0.0

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def describe(self) -> str:
        """``45 % (90.0 MB of 200.0 MB, 21.3 MB/s, 5 s left)``"""
        percent = 100 * self.done // self.size if self.size else 100
        text = f"{percent} % ({human_size(self.done)} of {human_size(self.size)}"
        rate = self.rate
        if rate > 0:
            text += f", {human_size(rate)}/s, {max(0, self.size - self.done) / rate:.0f} s left"
        return text + ")"
