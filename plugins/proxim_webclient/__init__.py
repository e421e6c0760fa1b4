"""The web client: the page a phone opens from the QR code, served by the signaling server.

The page is plain HTML, CSS and scripts loaded in order with ``defer`` (no build step), one job each:
``util.js`` (encodings, the verification code), ``sha256.js``, ``session.js`` (pairing, the peer, the control channel,
what is held), ``view.js`` (fit, pinch zoom, page to host coordinates), ``input-desktop.js`` (mouse, keyboard and the
text sink that sends IME and other text), ``input-touch.js`` (gestures, direct and trackpad modes), ``keys.js`` (phone
keyboard and key bar), ``stats.js``, ``menu.js`` (touch mode, commands, clipboard), ``shortcuts.js`` (keys the browser
keeps: from the menu, or Keyboard Lock in full screen), ``ui.js`` (what each state shows), ``extensions.js`` (drop
targets and panels for the host's plugins), the scripts plugins add (``proxim_register_web_assets``) and ``app.js``
(start).
"""

from __future__ import annotations

import html
from pathlib import Path

from aiohttp import web

from proxim_tray import hookimpl
from proxim_tray.app import App
from proxim_tray.webassets import WebAsset

__version__ = "0.3.0"

STATIC = Path(__file__).parent / "static"
PAGE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


START_SCRIPT = '  <script defer src="/static/app.js"></script>'
STYLESHEET = '  <link rel="stylesheet" href="/static/style.css">'


def _urls(assets: list[WebAsset], kind: str) -> list[str]:
    return [html.escape(asset.url + name) for asset in assets for name in getattr(asset, kind)]


def page_with(assets: list[WebAsset]) -> str:
    """The page, with the plugins' styles after its own and their scripts before the one that starts the session."""
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    styles = "".join(f'\n  <link rel="stylesheet" href="{url}">' for url in _urls(assets, "styles"))
    scripts = "".join(f'  <script defer src="{url}"></script>\n' for url in _urls(assets, "scripts"))
    return page.replace(STYLESHEET, STYLESHEET + styles, 1).replace(START_SCRIPT, scripts + START_SCRIPT, 1)


async def _manifest(request: web.Request) -> web.StreamResponse:
    # Python's mimetypes does not know .webmanifest; browsers want this type to offer "add to home screen".
    return web.FileResponse(
        STATIC / "manifest.webmanifest", headers={"Content-Type": "application/manifest+json; charset=utf-8"}
    )


@hookimpl
def proxim_web_routes(app: App, router: web.UrlDispatcher) -> None:
    assets = app.web_assets.all()
    page = page_with(assets)

    async def serve_page(request: web.Request) -> web.StreamResponse:
        return web.Response(text=page, content_type="text/html", headers=PAGE_HEADERS)

    router.add_get("/", serve_page)  # where the home-screen app starts
    router.add_get("/p/{session_id}", serve_page)
    router.add_get("/static/manifest.webmanifest", _manifest)  # before the static route, which would match it too
    router.add_static("/static/", STATIC)
    for asset in assets:
        router.add_static(asset.url, asset.directory)
