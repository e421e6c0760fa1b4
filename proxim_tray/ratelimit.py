"""Limits on failed pairing attempts, per address and for the whole host."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

WINDOW_SECONDS = 60.0
MAX_FAILURES_PER_ADDRESS = 5
MAX_FAILURES_TOTAL = 30
MAX_TRACKED_ADDRESSES = 1024


@dataclass
class FailureLimiter:
    """Counts failures in a sliding window; an address (or everyone) over its limit waits until old failures age out."""

    window: float = WINDOW_SECONDS
    per_address: int = MAX_FAILURES_PER_ADDRESS
    total: int = MAX_FAILURES_TOTAL
    clock: Callable[[], float] = time.monotonic
    _by_address: dict[str, deque[float]] = field(default_factory=dict)
    _all: deque[float] = field(default_factory=deque)

    def _prune(self, times: deque[float], now: float) -> None:
        while times and times[0] <= now - self.window:
            times.popleft()

    def retry_after(self, address: str) -> float:
        """Seconds ``address`` must wait before trying again; 0 when it may try now."""
        now = self.clock()
        self._prune(self._all, now)
        waits = []
        if len(self._all) >= self.total:
            waits.append(self._all[len(self._all) - self.total] + self.window - now)
        mine = self._by_address.get(address)
        if mine is not None:
            self._prune(mine, now)
            if len(mine) >= self.per_address:
                waits.append(mine[len(mine) - self.per_address] + self.window - now)
            elif not mine:
                del self._by_address[address]
        return max(waits, default=0.0)

    def record_failure(self, address: str) -> None:
        now = self.clock()
        if address not in self._by_address and len(self._by_address) >= MAX_TRACKED_ADDRESSES:
            # forget the address whose last failure is oldest, so a spray of addresses cannot grow memory
            oldest = min(self._by_address, key=lambda a: self._by_address[a][-1] if self._by_address[a] else 0.0)
            del self._by_address[oldest]
        self._by_address.setdefault(address, deque()).append(now)
        self._all.append(now)
        if len(self._all) > self.total * 2:
            self._all.popleft()
