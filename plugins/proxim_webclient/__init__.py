"""The web client: the page a phone opens from the QR code, served by the signaling server.

The page is plain HTML, CSS and scripts loaded in order with ``defer`` (no build step), one job each:
``util.js`` (encodings, the verification code), ``sha256.js``, ``session.js`` (pairing, the peer, the control channel,
what is held), ``view.js`` (fit, pinch zoom, page to host coordinates), ``input-desktop.js`` (mouse, keyboard and the
text sink that sends IME and other text), ``input-touch.js`` (gestures, direct and trackpad modes), ``keys.js`` (phone
keyboard and key bar), ``stats.js``,
``menu.js`` (touch mode, commands, clipboard), ``shortcuts.js`` (keys the browser keeps: from the menu, or
Keyboard Lock in full screen), ``ui.js`` (what each state shows) and ``app.js`` (start).
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from proxim_tray import hookimpl
from proxim_tray.app import App

__version__ = "0.3.0"

STATIC = Path(__file__).parent / "static"
PAGE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


async def _page(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / "index.html", headers=PAGE_HEADERS)


async def _manifest(request: web.Request) -> web.StreamResponse:
    # Python's mimetypes does not know .webmanifest; browsers want this type to offer "add to home screen".
    return web.FileResponse(
        STATIC / "manifest.webmanifest", headers={"Content-Type": "application/manifest+json; charset=utf-8"}
    )


@hookimpl
def proxim_web_routes(app: App, router: web.UrlDispatcher) -> None:
    router.add_get("/", _page)  # where the home-screen app starts
    router.add_get("/p/{session_id}", _page)
    router.add_get("/static/manifest.webmanifest", _manifest)  # before the static route, which would match it too
    router.add_static("/static/", STATIC)
