"""Data channels plugins declare: the host opens each on a session's connection while the session holds its permission.

A plugin registers a :class:`Channel` (label, permission, message kinds, ordering, a factory for its handler). Once a
session's connection is up the host opens every declared channel whose permission the session holds, and closes it
when the permission is withdrawn, the connection drops or the session ends. Messages reach the handler in arrival
order, checked against the declared kinds first.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import inspect
import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from proxim_tray.ratelimit import TokenBucket

if TYPE_CHECKING:
    from aiortc import RTCDataChannel, RTCPeerConnection

    from proxim_tray.host import Host
    from proxim_tray.session import Session

logger = logging.getLogger(__name__)

CONTROL_LABEL = "control"
DEFAULT_DRAIN_LOW = 1 << 20
ERRORS_PER_SECOND = 20.0

# why a channel closed, as ChannelHandler.on_close is told
PERMISSION_WITHDRAWN = "permission_withdrawn"
CONNECTION_LOST = "connection_lost"
SESSION_ENDED = "session_ended"
CLIENT_CLOSED = "client_closed"


class ChannelHandler:
    """What a plugin does with one opened channel; override the methods you need. Each is called on the host's event
    loop; an awaitable ``on_message`` or ``on_bytes`` result is awaited before the next message is handed over. After
    ``on_close`` nothing is called again (a handler still awaiting is cancelled first)."""

    def on_message(self, message: dict[str, Any]) -> Awaitable[None] | None:
        """A JSON object whose ``t`` is one of the channel's declared kinds."""
        return None

    def on_bytes(self, data: bytes) -> Awaitable[None] | None:
        """A binary message (only on a channel declared ``binary``)."""
        return None

    def on_close(self, reason: str) -> None:
        """The channel closed: ``permission_withdrawn``, ``connection_lost``, ``session_ended`` or ``client_closed``."""


@dataclass(frozen=True)
class Channel:
    """A data channel a plugin declares (see the ``proxim_register_channels`` hook)."""

    label: str
    permission: str
    open: Callable[[ChannelPort], ChannelHandler]
    kinds: tuple[str, ...] = ()
    ordered: bool = True
    binary: bool = False


class ChannelRegistry:
    """The channels registered through ``proxim_register_channels``."""

    def __init__(self) -> None:
        self._channels: dict[str, Channel] = {}

    def register(self, channel: Channel) -> None:
        if not channel.label or channel.label == CONTROL_LABEL:
            raise ValueError(f"a plugin channel cannot be labelled {channel.label!r}")
        if channel.label in self._channels:
            raise ValueError(f"a channel labelled {channel.label!r} is already registered")
        self._channels[channel.label] = channel

    def all(self) -> list[Channel]:
        return list(self._channels.values())


class ChannelPort:
    """The host's end of one open plugin channel, given to the channel's ``open`` factory."""

    def __init__(self, declared: Channel, channel: RTCDataChannel, session: Session, host: Host) -> None:
        self.declared = declared
        self.session = session
        self.host = host
        self._channel = channel
        self._errors = TokenBucket(ERRORS_PER_SECOND, ERRORS_PER_SECOND)

    @property
    def label(self) -> str:
        return self.declared.label

    @property
    def is_open(self) -> bool:
        return self._channel.readyState == "open"

    @property
    def buffered_amount(self) -> int:
        """Bytes handed to ``send``/``send_bytes`` not yet sent."""
        return int(self._channel.bufferedAmount)

    def send(self, message: dict[str, Any]) -> bool:
        """Send a JSON message; False once the channel is closed."""
        return self._send(json.dumps(message))

    def send_bytes(self, data: bytes) -> bool:
        return self._send(bytes(data))

    def _send(self, data: str | bytes) -> bool:
        if not self.is_open:
            return False
        self._channel.send(data)
        return True

    async def drain(self, low: int = DEFAULT_DRAIN_LOW) -> None:
        """Wait until at most ``low`` bytes wait to be sent (at once if the channel is closed): send, drain, send."""
        channel = self._channel
        if not self.is_open or channel.bufferedAmount <= low:
            return
        drained = asyncio.get_running_loop().create_future()

        def wake() -> None:
            if not drained.done() and (channel.bufferedAmount <= low or channel.readyState != "open"):
                drained.set_result(None)

        channel.bufferedAmountLowThreshold = low
        channel.on("bufferedamountlow", wake)
        channel.on("close", wake)
        try:
            await drained
        finally:
            channel.remove_listener("bufferedamountlow", wake)
            channel.remove_listener("close", wake)

    def refuse(self, code: str, message: str) -> None:
        """Tell the client a message was refused (``{"t": "error", ...}``); a flood of refusals is not answered."""
        if self._errors.take():
            self.send({"t": "error", "code": code, "message": message})

    def close(self) -> None:
        self._channel.close()


def _checked(declared: Channel, raw: str | bytes) -> dict[str, Any] | str:
    """The message as an object of a declared kind, or the reason it is refused."""
    try:
        message = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return "not JSON"
    if not isinstance(message, dict) or not isinstance(message.get("t"), str):
        return 'not an object with a "t" kind'
    if message["t"] not in declared.kinds:
        return f"unknown kind {message['t']!r} on channel {declared.label!r}"
    return message


class _OpenChannel:
    """One channel the host opened: checks incoming messages and hands them to the handler one at a time, in order."""

    def __init__(self, declared: Channel, channel: RTCDataChannel, session: Session, host: Host) -> None:
        self.declared = declared
        self.channel = channel
        self.port = ChannelPort(declared, channel, session, host)
        self.handler: ChannelHandler | None = None
        self._backlog: collections.deque[str | bytes] = collections.deque()
        self._busy: asyncio.Task[None] | None = None
        self.closed = False
        channel.on("open", self._opened)
        channel.on("message", self._arrived)
        channel.on("close", lambda: self.close(CLIENT_CLOSED))

    def _opened(self) -> None:
        if self.closed or self.handler is not None:
            return
        try:
            self.handler = self.declared.open(self.port)
        except Exception:
            logger.exception("channel %s: its plugin failed to open it", self.declared.label)
            self.close(SESSION_ENDED)

    def _arrived(self, raw: str | bytes) -> None:
        if self.closed or self.handler is None:
            return
        if self._busy is not None:
            self._backlog.append(raw)
            return
        result = self._hand_over(raw)
        if result is not None:
            self._busy = asyncio.get_running_loop().create_task(self._finish(result))

    def _hand_over(self, raw: str | bytes) -> Awaitable[None] | None:
        handler, label = self.handler, self.declared.label
        assert handler is not None
        try:
            if isinstance(raw, bytes):
                if not self.declared.binary:
                    self.port.refuse("bad_message", f"channel {label!r} takes no binary messages")
                    return None
                result = handler.on_bytes(raw)
            else:
                message = _checked(self.declared, raw)
                if isinstance(message, str):
                    self.port.refuse("unknown_kind" if message.startswith("unknown kind") else "bad_message", message)
                    return None
                result = handler.on_message(message)
        except Exception:
            logger.exception("channel %s: its handler failed", label)
            return None
        return result if inspect.isawaitable(result) else None

    async def _finish(self, pending: Awaitable[None]) -> None:
        try:
            while True:
                try:
                    await pending
                except Exception:
                    logger.exception("channel %s: its handler failed", self.declared.label)
                next_one = None
                while next_one is None and self._backlog and not self.closed:
                    next_one = self._hand_over(self._backlog.popleft())
                if next_one is None:
                    return
                pending = next_one
        finally:
            self._busy = None

    def close(self, reason: str) -> None:
        if self.closed:
            return
        self.closed = True
        self._backlog.clear()
        if self._busy is not None:
            self._busy.cancel()
        with contextlib.suppress(Exception):
            self.channel.close()
        if self.handler is not None:
            try:
                self.handler.on_close(reason)
            except Exception:
                logger.exception("channel %s: its handler failed on close", self.declared.label)


class SessionChannels:
    """The plugin channels of one session's connection: opened and closed as its permissions change."""

    def __init__(self, declared: Iterable[Channel], pc: RTCPeerConnection, session: Session, host: Host) -> None:
        self._declared = list(declared)
        self._pc = pc
        self._session = session
        self._host = host
        self._open: dict[str, _OpenChannel] = {}

    def sync(self, permissions: frozenset[str]) -> None:
        """Open the declared channels ``permissions`` allow and close those they no longer do."""
        for declared in self._declared:
            current = self._open.get(declared.label)
            if declared.permission in permissions and (current is None or current.closed):
                channel = self._pc.createDataChannel(declared.label, ordered=declared.ordered)
                self._open[declared.label] = _OpenChannel(declared, channel, self._session, self._host)
            elif declared.permission not in permissions and current is not None:
                del self._open[declared.label]
                current.close(PERMISSION_WITHDRAWN)

    def close_all(self, reason: str) -> None:
        opened, self._open = self._open, {}
        for channel in opened.values():
            channel.close(reason)
