"""One host per user and port: a socket that later launches talk to.

A second ``proxim`` hands over to the running host (which shows its pairing QR code) instead of failing on the port;
``proxim show`` and ``proxim stop`` use the same socket. The protocol is one command line, answered by one line that
starts with ``ok`` or ``error``.

Where Unix sockets serve (Linux, macOS) it is one in the runtime directory, private to the user. On Windows asyncio
serves none, so the host listens on a loopback TCP port and writes it, with a random token, into an endpoint file in
the user's private runtime directory; a launch reads the file and sends the token before its command, so another
user's process on the same machine cannot drive the host. A file left by a host that died names a port that no longer
answers, which counts as no host running.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import socket
import sys
import warnings
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import platformdirs

if TYPE_CHECKING:
    from proxim_tray.app import App

logger = logging.getLogger(__name__)

COMMANDS = ("show", "stop", "quit", "status")
REPLY_TIMEOUT = 5.0
MAX_COMMAND = 64


LOOPBACK = sys.platform == "win32"


def _runtime_dir() -> Path:
    with warnings.catch_warnings():  # without XDG_RUNTIME_DIR it falls back to a private temporary directory
        warnings.simplefilter("ignore")
        return Path(platformdirs.user_runtime_dir("proxim", appauthor=False))


def socket_path(port: int) -> Path:
    return _runtime_dir() / f"host-{port}.sock"


def endpoint_path(port: int) -> Path:
    return _runtime_dir() / f"host-{port}.endpoint"


def send_command(port: int, command: str, loopback: bool = LOOPBACK) -> str | None:
    """Send ``command`` to the host on ``port``; its reply, or None when no host runs there."""
    try:
        if loopback:
            endpoint = json.loads(endpoint_path(port).read_text())
            sock = socket.create_connection(("127.0.0.1", int(endpoint["port"])), timeout=REPLY_TIMEOUT)
            line = f"{endpoint['token']} {command}"
        else:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(REPLY_TIMEOUT)
            sock.connect(str(socket_path(port)))
            line = command
    except (FileNotFoundError, ConnectionRefusedError, ValueError, KeyError, TypeError):
        return None  # no host, or one that died and left its file
    with sock:
        sock.sendall(line.encode() + b"\n")
        reply = sock.makefile("r", encoding="utf-8").readline()
    return reply.strip() or "error: the running host closed the connection"


class InstanceServer:
    """Answers later launches while the host runs; the socket is removed when the host stops."""

    def __init__(self, app: App, loopback: bool = LOOPBACK) -> None:
        self._app = app
        self._loopback = loopback
        self._path = endpoint_path(app.config.port) if loopback else socket_path(app.config.port)
        self._token = secrets.token_urlsafe(16) if loopback else ""
        self._server: asyncio.AbstractServer | None = None

    async def __aenter__(self) -> InstanceServer:
        self._path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # only a stale file can be here: the launch asked it before starting and found no host
        with contextlib.suppress(FileNotFoundError):
            self._path.unlink()
        if self._loopback:
            limit = MAX_COMMAND + len(self._token) + 1
            self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, limit=limit)
            listening = self._server.sockets[0].getsockname()[1]
            partial = self._path.with_suffix(".partial")
            partial.touch(mode=0o600)
            partial.write_text(json.dumps({"port": listening, "token": self._token}))
            partial.replace(self._path)
        else:
            self._server = await asyncio.start_unix_server(self._serve, path=str(self._path), limit=MAX_COMMAND)
            self._path.chmod(0o600)
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(FileNotFoundError):
                self._path.unlink()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = (await asyncio.wait_for(reader.readline(), REPLY_TIMEOUT)).decode("utf-8", "replace").strip()
            token, _, command = line.partition(" ") if self._loopback else (self._token, "", line)
            if secrets.compare_digest(token.encode(), self._token.encode()):
                reply = await self.handle(command)
            else:
                reply = "error: wrong token: only the user who started the host can send it commands"
        except (TimeoutError, ValueError, ConnectionError):
            reply = "error: send one command line: " + ", ".join(COMMANDS)
        with contextlib.suppress(ConnectionError):
            writer.write(reply.encode() + b"\n")
            await writer.drain()
            writer.close()

    async def handle(self, command: str) -> str:
        sessions = self._app.sessions
        session = sessions.session
        connected = session.device.describe() if session is not None and session.is_live else None
        if command == "show":
            if sessions.pairing is None:
                if connected is None and sessions.no_link_reason:
                    return f"error: no pairing link to show: {sessions.no_link_reason}"
                return f"error: no pairing link to show: {connected or 'the host'} is in a session"
            logger.info("another launch asked to show the pairing QR code")
            await self._app.plugins.call("proxim_show_pairing", app=self._app, pairing=sessions.pairing)
            return "ok: showing the pairing QR code"
        if command == "stop":
            stopped = await sessions.stop_session()
            return f"ok: stopped sharing with {connected}" if stopped else "ok: nobody was connected"
        if command == "quit":
            self._app.request_stop()
            return "ok: the host is quitting"
        if command == "status":
            return f"ok: {sessions.state.value}" + (f" with {connected}" if connected else "")
        return f"error: unknown command {command[:MAX_COMMAND]!r}; the commands are " + ", ".join(COMMANDS)
