"""One host per user and port: a Unix socket in the runtime directory that later launches talk to.

A second ``proxim`` hands over to the running host (which shows its pairing QR code) instead of failing on the port;
``proxim show`` and ``proxim stop`` use the same socket. The protocol is one command line, answered by one line that
starts with ``ok`` or ``error``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
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


def socket_path(port: int) -> Path:
    with warnings.catch_warnings():  # without XDG_RUNTIME_DIR it falls back to a private temporary directory
        warnings.simplefilter("ignore")
        runtime = platformdirs.user_runtime_dir("proxim", appauthor=False)
    return Path(runtime) / f"host-{port}.sock"


def supported() -> bool:
    return sys.platform != "win32"


def send_command(port: int, command: str) -> str | None:
    """Send ``command`` to the host on ``port``; its reply, or None when no host runs there."""
    if not supported():
        return None
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(REPLY_TIMEOUT)
        try:
            sock.connect(str(socket_path(port)))
        except (FileNotFoundError, ConnectionRefusedError):
            return None
        sock.sendall(command.encode() + b"\n")
        reply = sock.makefile("r", encoding="utf-8").readline()
    return reply.strip() or "error: the running host closed the connection"


class InstanceServer:
    """Answers later launches while the host runs; the socket is removed when the host stops."""

    def __init__(self, app: App) -> None:
        self._app = app
        self._path = socket_path(app.config.port)
        self._server: asyncio.AbstractServer | None = None

    async def __aenter__(self) -> InstanceServer:
        if not supported():
            return self
        self._path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # only a stale file can be here: the launch asked it before starting and found no host
        with contextlib.suppress(FileNotFoundError):
            self._path.unlink()
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
            line = await asyncio.wait_for(reader.readline(), REPLY_TIMEOUT)
            reply = await self.handle(line.decode("utf-8", "replace").strip())
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
            await self._app.show_pairing_again()
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
