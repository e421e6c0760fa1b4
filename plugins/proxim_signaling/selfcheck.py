"""The host opening its own links: a route that answers with a secret token, and the request that fetches it."""

from __future__ import annotations

import secrets

import aiohttp
from aiohttp import web

PATH = "/self-check"
TIMEOUT = 2.0


class SelfCheck:
    """Answers ``GET /self-check`` with a token only this host knows, so an answer proves the link reaches this host."""

    def __init__(self) -> None:
        self._token = secrets.token_urlsafe(16)

    def add_route(self, router: web.UrlDispatcher) -> None:
        router.add_get(PATH, self._answer)

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        return web.Response(text=self._token, headers={"Cache-Control": "no-store"})

    async def probe(self, base_url: str) -> str | None:
        """None when this host answers through ``base_url``, else why not."""
        try:
            async with (
                aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as http,
                http.get(base_url + PATH, allow_redirects=False) as response,
            ):
                body = await response.text()
        except TimeoutError:
            return f"no answer within {TIMEOUT:g} s (a firewall dropping the port?)"
        except aiohttp.ClientConnectorError as exc:
            return exc.os_error.strerror or str(exc.os_error)
        except aiohttp.ClientError as exc:
            return f"{type(exc).__name__}: {exc}"
        if response.status != 200 or body != self._token:
            return f"another server answered (HTTP {response.status})"
        return None
