"""The embedded signaling server: the web client's pages and the pairing WebSocket (aiohttp)."""

from __future__ import annotations

from proxim_signaling.server import SignalingServer
from proxim_tray import hookimpl
from proxim_tray.app import App

__version__ = "0.2.0"

_servers: dict[int, SignalingServer] = {}


@hookimpl
async def proxim_startup(app: App) -> None:
    server = SignalingServer(app)
    _servers[id(app)] = server
    await server.start()


@hookimpl
async def proxim_shutdown(app: App) -> None:
    server = _servers.pop(id(app), None)
    if server is not None:
        await server.stop()
