"""The web client: the page a phone opens from the QR code, served by the signaling server."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from proxim_tray import hookimpl
from proxim_tray.app import App

__version__ = "0.1.0"

STATIC = Path(__file__).parent / "static"


async def _page(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(
        STATIC / "index.html", headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    )


@hookimpl
def proxim_web_routes(app: App, router: web.UrlDispatcher) -> None:
    router.add_get("/p/{session_id}", _page)
    router.add_static("/static/", STATIC)
