"""Rate limits: a token bucket for message floods, and limits on failed pairing attempts per address and in all."""

from __future__ import annotations

import ipaddress
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

WINDOW_SECONDS = 60.0
MAX_FAILURES_PER_ADDRESS = 5
MAX_FAILURES_TOTAL = 30
MAX_TRACKED_ADDRESSES = 1024


def address_key(address: str) -> str:
    """What per-address limits count by: an IPv4 address, or an IPv6 address's /64, since one device may take any
    address in its /64 (IPv4-mapped IPv6 counts as the IPv4 address)."""
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


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

    def _wait(self, times: deque[float], limit: int, now: float) -> float:
        self._prune(times, now)
        return times[len(times) - limit] + self.window - now if len(times) >= limit else 0.0

    def address_wait(self, address: str) -> float:
        """Seconds ``address`` must wait before trying again; 0 when it may try now."""
        key = address_key(address)
        mine = self._by_address.get(key)
        if mine is None:
            return 0.0
        wait = self._wait(mine, self.per_address, self.clock())
        if not mine:
            del self._by_address[key]
        return wait

    def global_wait(self) -> float:
        """Seconds before anyone's failures are counted again; a correct secret never waits for this."""
        return self._wait(self._all, self.total, self.clock())

    def record_failure(self, address: str) -> None:
        now = self.clock()
        key = address_key(address)
        if key not in self._by_address and len(self._by_address) >= MAX_TRACKED_ADDRESSES:
            # forget the address whose last failure is oldest, so a spray of addresses cannot grow memory
            oldest = min(self._by_address, key=lambda a: self._by_address[a][-1] if self._by_address[a] else 0.0)
            del self._by_address[oldest]
        self._by_address.setdefault(key, deque()).append(now)
        self._all.append(now)
        if len(self._all) > self.total * 2:
            self._all.popleft()


class TokenBucket:
    """``rate`` tokens a second, at most ``burst`` saved up."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = burst
        self._stamp = clock()

    def take(self) -> bool:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True
