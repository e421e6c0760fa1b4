"""The aiohttp application: routes contributed by plugins, and the WebSocket that carries signaling."""

from __future__ import annotations

import asyncio
import errno
import logging
from typing import Any
from urllib.parse import urlsplit

from aiohttp import WSMsgType, web

from proxim_signaling.selfcheck import SelfCheck
from proxim_tray import protocol
from proxim_tray.app import App
from proxim_tray.links import LinkFinder, Listening

logger = logging.getLogger(__name__)

MAX_CONNECTIONS = 16
SEND_TIMEOUT = 5.0
# a client that has not paired successfully this long after connecting is dropped
PAIRING_IDLE_TIMEOUT = 15.0
# ping period: a client whose network vanished is noticed (no pong) within about 1.5 periods
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


def _same_origin(request: web.Request) -> bool:
    """Browsers always send Origin on WebSocket upgrades; it must be this server itself."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True  # not a browser (the Python client); the secret still guards the session
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and parts.netloc == request.host


class SignalingServer:
    def __init__(self, app: App) -> None:
        self.app = app
        self.web = web.Application(client_max_size=protocol.MAX_SIGNALING_BYTES)
        self.web.router.add_get("/ws", self._websocket)
        self.self_check = SelfCheck()
        self.self_check.add_route(self.web.router)
        app.plugins.call_sync("proxim_web_routes", app=app, router=self.web.router)
        self._runner: web.AppRunner | None = None
        self._sockets: set[web.WebSocketResponse] = set()

    async def start(self) -> None:
        config = self.app.config
        self._runner = web.AppRunner(self.web, access_log=None, handle_signals=False)
        await self._runner.setup()
        # no address: every address of every family (asyncio opens one socket per family)
        site = web.TCPSite(self._runner, config.bind or None, config.port, reuse_address=True)
        try:
            await site.start()
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
        listening = Listening.of(self._runner.addresses)
        logger.info("signaling server listening on %s", listening.describe())
        self.app.find_links = LinkFinder(listening, config.advertise_addr, self.self_check.probe).find

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        if not _same_origin(request):
            logger.warning("refused a WebSocket from foreign origin %s", request.headers.get("Origin"))
            raise web.HTTPForbidden(text="cross-origin WebSocket refused")
        if len(self._sockets) >= MAX_CONNECTIONS:
            raise web.HTTPServiceUnavailable(text="too many connections; try again shortly")
        ws = web.WebSocketResponse(max_msg_size=MAX_FRAME, heartbeat=HEARTBEAT)
        await ws.prepare(request)
        self._sockets.add(ws)
        link = WebSocketLink(ws, request)
        sessions = self.app.sessions
        idle = asyncio.get_running_loop().call_later(
            PAIRING_IDLE_TIMEOUT, lambda: asyncio.ensure_future(self._drop_if_unpaired(link))
        )
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    await sessions.handle_message(link, message.data)
                elif message.type == WSMsgType.BINARY:
                    await link.send({"type": "error", "code": "bad_message", "message": "binary frames are not used"})
                elif message.type == WSMsgType.ERROR:
                    logger.warning("closed a WebSocket from %s: %s", link.address, ws.exception())
                    break
        finally:
            idle.cancel()
            self._sockets.discard(ws)
            await sessions.link_closed(link)
        return ws

    async def _drop_if_unpaired(self, link: WebSocketLink) -> None:
        if not self.app.sessions.owns(link):
            await link.send({"type": "error", "code": "idle", "message": "no valid pairing request in time; closing"})
            await link.close()
