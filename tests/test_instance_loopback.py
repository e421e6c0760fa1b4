"""One host per user and port on Windows: a loopback port named, with a token, in a private endpoint file."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path

import pytest

from proxim_tray import instance
from proxim_tray.approval import FULL_CONTROL
from tests.support.control_host import running_host


async def test_the_windows_loopback_endpoint_answers_only_with_its_token(
    host_display: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """What a second launch on Windows talks to (a loopback port named in a private file), run here in-process."""
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    async with running_host(FULL_CONTROL, input="x11") as app:
        assert await asyncio.to_thread(instance.send_command, app.config.port, "status", True) is None
        async with instance.InstanceServer(app, loopback=True):
            endpoint = instance.endpoint_path(app.config.port)
            assert endpoint.parent == tmp_path / "proxim" and endpoint.stat().st_mode & 0o077 == 0
            reply = await asyncio.to_thread(instance.send_command, app.config.port, "status", True)
            assert reply == "ok: waiting"
            named = json.loads(endpoint.read_text())
            assert (await asyncio.to_thread(exchange, named["port"], "guessed status")).startswith("error: wrong token")
        assert not endpoint.exists()
        # a host that died left its file: the port no longer answers, which is no host
        endpoint.write_text(json.dumps(named))
        assert await asyncio.to_thread(instance.send_command, app.config.port, "status", True) is None


def exchange(port: int, line: str) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(line.encode() + b"\n")
        return sock.makefile().readline()
