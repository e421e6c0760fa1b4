"""The aiohttp application: routes contributed by plugins, and the WebSocket that carries signaling."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import WSMsgType, web

from proxim_signaling.limits import ConnectionGuard, throttle_accept_errors
from proxim_signaling.origin import origin_allowed
from proxim_signaling.selfcheck import SelfCheck
from proxim_tray import hookspecs, protocol
from proxim_tray.app import App
from proxim_tray.links import LinkFinder, Listening
from proxim_tray.ratelimit import address_key

logger = logging.getLogger(__name__)

MAX_SOCKETS = 16
MAX_SOCKETS_PER_ADDRESS = 4
# messages a socket may send while it is not the live session's: a page sends one (hello); more is a flood
MAX_UNPAIRED_MESSAGES = 4
# seconds a connection may stay open without a request in progress: before its first request is complete (slow
# headers), and between keep-alive requests
IDLE_TIMEOUT = 5.0
SEND_TIMEOUT = 5.0
# a client that has not paired successfully this long after connecting is dropped
PAIRING_IDLE_TIMEOUT = 15.0
# ping period: a client whose network vanished is noticed (no pong) within about 1.5 periods; a connected session
# then waits for its client to resume (proxim_tray/resume.py)
HEARTBEAT = 2.0
# frames over the protocol limit but under this get a `too_large` error; larger ones close the socket (1009)
MAX_FRAME = 4 * protocol.MAX_SIGNALING_BYTES


class WebSocketLink:
    """One client's WebSocket, as the session manager sees it."""

    def __init__(self, ws: web.WebSocketResponse, request: web.Request) -> None:
        self._ws = ws
        self._transport = request.transport
        self.address = request.remote or "unknown"
        self.user_agent = request.headers.get("User-Agent", "")[:300]

    async def send(self, message: dict[str, Any]) -> None:
        """Send ``message``; a client that does not take it within SEND_TIMEOUT is dropped."""
        if self._ws.closed:
            return
        try:
            await asyncio.wait_for(self._ws.send_json(message), SEND_TIMEOUT)
        except TimeoutError:
            logger.warning("dropped the connection from %s: it read nothing for %g s", self.address, SEND_TIMEOUT)
            # abort, not close: close waits until the unsent bytes are written, which a client that does not read
            # never allows, and the connection would hold its descriptor for good
            if self._transport is not None:
                self._transport.abort()
        except ConnectionError:
            pass  # the client is gone (or was just dropped); the read loop ends the connection

    async def close(self) -> None:
        await self._ws.close()


class SignalingServer:
    def __init__(self, app: App) -> None:
        self.app = app
        self.guard = ConnectionGuard()
        self.web = web.Application(client_max_size=protocol.MAX_SIGNALING_BYTES, middlewares=[self._in_request])
        self.web.router.add_get("/ws", self._websocket)
        self.self_check = SelfCheck()
        self.self_check.add_route(self.web.router)
        app.plugins.call_sync(hookspecs.proxim_web_routes, app=app, router=self.web.router)
        self._runner: web.AppRunner | None = None
        self.listening = Listening(())
        self._listener: asyncio.Server | None = None
        self._restore_exception_handler: Callable[[], None] | None = None
        # oldest first: when every slot is taken, the oldest socket that has not paired gives up its own
        self._sockets: dict[web.WebSocketResponse, WebSocketLink] = {}
        self._closing: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        config = self.app.config
        loop = asyncio.get_running_loop()
        self._runner = web.AppRunner(self.web, access_log=None, handle_signals=False, keepalive_timeout=IDLE_TIMEOUT)
        await self._runner.setup()
        assert self._runner.server is not None  # set by setup()
        try:
            # no address: every address of every family (asyncio opens one socket per family)
            self._listener = await loop.create_server(
                self.guard.wrap(self._runner.server), config.bind or None, config.port, reuse_address=True
            )
        except OSError as exc:
            await self._runner.cleanup()
            if exc.errno == errno.EADDRINUSE:
                logger.error(
                    "port %d is already in use (is Proxim already running?); choose another with --port",
                    config.port,
                )
            else:
                where = config.bind or "every address"
                logger.error("cannot listen on %s port %d: %s", where, config.port, exc.strerror)
            return
        self._restore_exception_handler = throttle_accept_errors(loop)
        self.listening = Listening.of(sock.getsockname() for sock in self._listener.sockets)
        logger.info("signaling server listening on %s", self.listening.describe())
        self.app.find_links = LinkFinder(self.listening, config.advertise_addr, self.self_check.probe).find

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._listener is not None:
            self._listener.close()
        if self._runner is not None:
            await self._runner.cleanup()
        if self._restore_exception_handler is not None:
            self._restore_exception_handler()

    @web.middleware
    async def _in_request(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        with self.guard.request(request.transport):
            return await handler(request)

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        if not origin_allowed(self.app, self.listening, request.headers.get("Origin")):
            logger.warning("refused a WebSocket from foreign origin %r", request.headers.get("Origin"))
            raise web.HTTPForbidden(text="cross-origin WebSocket refused")
        await self._take_slot(request)
        ws = web.WebSocketResponse(max_msg_size=MAX_FRAME, heartbeat=HEARTBEAT)
        await ws.prepare(request)
        link = WebSocketLink(ws, request)
        sessions = self.app.sessions
        wait = sessions.failures.address_wait(link.address)
        if wait > 0:  # said on the socket, which a page can read (an HTTP status it could not)
            refusal = f"too many failed attempts from this address; try again in {wait:.0f} s"
            await self._close_with(link, "rate_limited", refusal)
            return ws
        self._sockets[ws] = link
        idle = asyncio.get_running_loop().call_later(PAIRING_IDLE_TIMEOUT, self._drop_if_unpaired, link)
        unpaired_messages = 0
        dropped = False
        try:
            while True:
                message = await ws.receive()
                if message.type in (WSMsgType.TEXT, WSMsgType.BINARY) and not sessions.owns(link):
                    unpaired_messages += 1
                    if unpaired_messages > MAX_UNPAIRED_MESSAGES:
                        await self._drop_flooder(link)
                        break
                if message.type == WSMsgType.TEXT:
                    await sessions.handle_message(link, message.data)
                elif message.type == WSMsgType.BINARY:
                    await link.send({"type": "error", "code": "bad_message", "message": "binary frames are not used"})
                else:
                    if message.type == WSMsgType.ERROR:
                        logger.warning("closed a WebSocket from %s: %s", link.address, ws.exception())
                    # silence past the heartbeat is a drop (a Wi-Fi blip) its client may come back from; a close
                    # frame, the end of the stream or a reset come from a device that is there and let go (a tab
                    # closing, a browser killed), which will not resume
                    dropped = isinstance(ws.exception(), TimeoutError)
                    break
        finally:
            idle.cancel()
            self._sockets.pop(ws, None)
            await sessions.link_closed(link, dropped=dropped)
        return ws

    async def _take_slot(self, request: web.Request) -> None:
        """Refuse the upgrade (HTTP 429 or 503) unless a slot is free for its address, or one can be freed."""
        key = address_key(request.remote or "unknown")
        if sum(address_key(link.address) == key for link in self._sockets.values()) >= MAX_SOCKETS_PER_ADDRESS:
            raise web.HTTPTooManyRequests(text=f"at most {MAX_SOCKETS_PER_ADDRESS} connections from one device")
        if len(self._sockets) < MAX_SOCKETS:
            return
        # a pairing attempt always gets a slot: the oldest socket that has not paired makes room
        oldest = next((ws for ws, link in self._sockets.items() if not self.app.sessions.owns(link)), None)
        if oldest is None:
            raise web.HTTPServiceUnavailable(text="too many connections; try again shortly")
        self._close_soon(self._sockets.pop(oldest), "idle", "closed to make room for another device's pairing attempt")

    async def _drop_flooder(self, link: WebSocketLink) -> None:
        """An unpaired socket sent more than a pairing needs: it is closed, and its address counts a failure."""
        logger.warning("closed a WebSocket from %s: %d messages without pairing", link.address, MAX_UNPAIRED_MESSAGES)
        self.app.sessions.failures.record_failure(link.address)
        await self._close_with(link, "rate_limited", "too many messages without pairing; closing")

    @staticmethod
    async def _close_with(link: WebSocketLink, code: str, message: str) -> None:
        with contextlib.suppress(Exception):  # the socket may be gone already
            await link.send({"type": "error", "code": code, "message": message})
        await link.close()

    def _drop_if_unpaired(self, link: WebSocketLink) -> None:
        if not self.app.sessions.owns(link):
            self._close_soon(link, "idle", "no valid pairing request in time; closing")

    def _close_soon(self, link: WebSocketLink, code: str, message: str) -> None:
        task = asyncio.get_running_loop().create_task(self._close_with(link, code, message))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)
