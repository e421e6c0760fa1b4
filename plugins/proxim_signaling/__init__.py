"""The embedded signaling server: the web client's pages and the pairing WebSocket (aiohttp)."""

from __future__ import annotations

from proxim_signaling.server import SignalingServer
from proxim_tray import hookimpl
from proxim_tray.app import App

__version__ = "0.2.0"


class SignalingPlugin:
    """The plugin object (one per host): the server it runs."""

    def __init__(self) -> None:
        self.server: SignalingServer | None = None

    @hookimpl
    async def proxim_startup(self, app: App) -> None:
        self.server = SignalingServer(app)
        await self.server.start()

    @hookimpl
    async def proxim_shutdown(self, app: App) -> None:
        server, self.server = self.server, None
        if server is not None:
            await server.stop()
