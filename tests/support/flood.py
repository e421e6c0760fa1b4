"""Connections a hostile device holds open against a host on loopback, from a source address of its own."""

from __future__ import annotations

import base64
import os
import socket
from contextlib import suppress


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
