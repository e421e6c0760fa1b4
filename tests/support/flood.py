"""Connections a hostile device holds open against a host on loopback, from a source address of its own."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import secrets
import socket
import sys
from contextlib import suppress

import aiohttp

from proxim_tray import protocol


def idle_connection(source: str, port: int, slowloris: bool) -> socket.socket:
    """A connection that sends nothing, or (``slowloris``) a request line and one header, then nothing more."""
    sock = socket.socket()
    sock.bind((source, 0))
    sock.setblocking(False)
    with suppress(BlockingIOError):
        sock.connect(("127.0.0.1", port))
    if slowloris:
        with suppress(OSError):
            sock.send(b"GET / HTTP/1.1\r\nHost: x\r\n")
    return sock


def held_websocket(source: str, port: int) -> socket.socket:
    """A WebSocket opened from ``source`` that says nothing (no hello), as a blocking raw socket."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    assert sock.recv(12) == b"HTTP/1.1 101", "the upgrade was refused"
    return sock


def random_hello() -> str:
    """A well-formed hello for a session that does not exist: a guess, as a flood sends them."""
    return json.dumps(
        {
            "type": "hello",
            "v": protocol.VERSION,
            "session": secrets.token_urlsafe(16),
            "secret": secrets.token_urlsafe(16),
            "device": {"name": "flood"},
            "offer": "v=0",
            "commitment": secrets.token_urlsafe(32),
        }
    )


async def hellos_from(ws_url: str, sources: list[str]) -> list[str]:
    """One random hello from each source address in turn; the error code the host answered each with."""
    codes = []
    for source in sources:
        connector = aiohttp.TCPConnector(local_addr=(source, 0), force_close=True)
        async with aiohttp.ClientSession(connector=connector) as http, http.ws_connect(ws_url) as ws:
            await ws.send_str(random_hello())
            codes.append((await ws.receive_json(timeout=5))["code"])
    return codes


if __name__ == "__main__":  # python -m tests.support.flood WS_URL SOURCE...: the codes, one a line
    print("\n".join(asyncio.run(hellos_from(sys.argv[1], sys.argv[2:]))), flush=True)
