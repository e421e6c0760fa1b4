"""What keeps one device from exhausting the signaling server: caps on TCP connections, and a throttle for the log
lines a flood would otherwise multiply.

Idle connections are closed by aiohttp's keep-alive timeout, which also runs from the moment a connection is made
until its first request is complete (``IDLE_TIMEOUT`` in ``server.py``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from proxim_tray.ratelimit import address_key

logger = logging.getLogger(__name__)

MAX_CONNECTIONS_PER_ADDRESS = 24  # a browser opens about 6 for a page, and one WebSocket
MAX_CONNECTIONS_TOTAL = 128
FD_SHARE = 4  # connections take at most a quarter of the file descriptors: capture, X, ICE and plugins need theirs
LOG_INTERVAL = 10.0


def connection_cap() -> int:
    """The cap on TCP connections in all: ``MAX_CONNECTIONS_TOTAL``, or less when file descriptors are scarce."""
    try:
        import resource  # not on Windows
    except ImportError:
        return MAX_CONNECTIONS_TOTAL
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return MAX_CONNECTIONS_TOTAL
    return max(MAX_CONNECTIONS_PER_ADDRESS, min(MAX_CONNECTIONS_TOTAL, soft // FD_SHARE))


class LogThrottle:
    """At most one line per ``interval`` seconds for one kind of event; the next line says how many were held back."""

    def __init__(self, interval: float = LOG_INTERVAL, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self._clock = clock
        self._next = 0.0
        self._held = 0

    def warning(self, message: str, *args: object) -> None:
        now = self._clock()
        if now < self._next:
            self._held += 1
            return
        if self._held:
            message += f" ({self._held} more like this in the last {self.interval:g} s)"
        logger.warning(message, *args)
        self._held = 0
        self._next = now + self.interval


def throttle_accept_errors(loop: asyncio.AbstractEventLoop) -> Callable[[], None]:
    """Log asyncio's "socket.accept() out of system resource" (it retries every second per listening socket) at most
    once per ``LOG_INTERVAL``; other loop errors go where they went. Returns what undoes it."""
    previous = loop.get_exception_handler()
    throttle = LogThrottle()

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, object]) -> None:
        if "out of system resource" in str(context.get("message", "")):
            throttle.warning("cannot accept a connection (%s); asyncio retries every second", context.get("exception"))
        elif previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)
    return lambda: loop.set_exception_handler(previous)


@dataclass(eq=False)
class _Connection:
    key: str
    transport: asyncio.BaseTransport
    idle_since: float
    requests: int = 0  # requests in progress; a WebSocket is one for its whole life


@dataclass
class ConnectionGuard:
    """Caps TCP connections in all and per address (an IPv6 address counts as its /64). When a cap is reached, the
    connection idle longest within it (made and not yet asking, or between keep-alive requests) is closed to make
    room, so a device holding idle connections cannot keep another out; when none is idle the newcomer is refused."""

    total: int = field(default_factory=connection_cap)
    per_address: int = MAX_CONNECTIONS_PER_ADDRESS
    clock: Callable[[], float] = time.monotonic
    _open: dict[asyncio.BaseTransport, _Connection] = field(default_factory=dict)
    _log: LogThrottle = field(default_factory=LogThrottle)

    def wrap(self, factory: Callable[[], asyncio.Protocol]) -> Callable[[], asyncio.Protocol]:
        """A protocol factory for ``loop.create_server`` that admits each connection before ``factory``'s sees it."""
        return lambda: _GuardedProtocol(self, factory())

    def admit(self, transport: asyncio.BaseTransport) -> bool:
        peer = transport.get_extra_info("peername")
        key = address_key(str(peer[0]) if peer else "unknown")
        mine = [c for c in self._open.values() if c.key == key]
        if len(mine) >= self.per_address and not self._make_room(mine):
            self._log.warning("refused a connection from %s: it holds %d busy connections", key, len(mine))
            return False
        if len(self._open) >= self.total and not self._make_room(list(self._open.values())):
            self._log.warning("refused a connection from %s: all %d connections are busy", key, self.total)
            return False
        self._open[transport] = _Connection(key, transport, self.clock())
        return True

    def _make_room(self, among: list[_Connection]) -> bool:
        idle = [c for c in among if not c.requests]
        if not idle:
            return False
        oldest = min(idle, key=lambda c: c.idle_since)
        del self._open[oldest.transport]
        oldest.transport.close()
        return True

    def release(self, transport: asyncio.BaseTransport) -> None:
        self._open.pop(transport, None)

    @contextmanager
    def request(self, transport: asyncio.BaseTransport | None) -> Iterator[None]:
        """Marks the connection busy while a request (or a WebSocket) is handled on it."""
        connection = self._open.get(transport) if transport is not None else None
        if connection is not None:
            connection.requests += 1
        try:
            yield
        finally:
            if connection is not None:
                connection.requests -= 1
                connection.idle_since = self.clock()

    def __len__(self) -> int:
        return len(self._open)


class _GuardedProtocol(asyncio.Protocol):
    """Stands between the transport and aiohttp's protocol, to admit the connection first and free its place after."""

    def __init__(self, guard: ConnectionGuard, inner: asyncio.Protocol) -> None:
        self._guard = guard
        self._inner = inner
        self._transport: asyncio.BaseTransport | None = None
        self._admitted = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport
        self._admitted = self._guard.admit(transport)
        if self._admitted:
            self._inner.connection_made(transport)
        else:
            transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._transport is not None:
            self._guard.release(self._transport)
        if self._admitted:
            self._inner.connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._admitted:
            self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received() if self._admitted else None

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()
