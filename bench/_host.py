"""The host under test, as a user runs it (``proxim host --no-tray``), and what it holds: memory, file descriptors,
threads, and the keys the X server has down."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from Xlib import display as xdisplay

from proxim_tray.client import ProximClient
from tests.support.processes import LineProcess, child_env, free_port, host_command


@dataclass(frozen=True)
class Vitals:
    rss_kib: int
    fds: int
    threads: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def vitals(pid: int) -> Vitals:
    """Resident memory, open file descriptors and threads of process ``pid``, from /proc."""
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return Vitals(
        rss_kib=int(status["VmRSS"].split()[0]),
        fds=len(os.listdir(f"/proc/{pid}/fd")),
        threads=int(status["Threads"]),
    )


def keys_down(display_name: str) -> list[int]:
    """Keycodes the X server has down right now (XQueryKeymap), whoever pressed them."""
    connection = xdisplay.Display(display_name)
    try:
        keymap = connection.query_keymap()
    finally:
        connection.close()
    return [8 * index + bit for index, byte in enumerate(keymap) for bit in range(8) if byte >> bit & 1]


class Host(LineProcess):
    """``proxim host --no-tray`` on loopback with the X display given; approves from its console."""

    def __init__(self, display_name: str | None, workdir: Path, *extra: str) -> None:
        self.port = free_port()
        env = child_env(XDG_CONFIG_HOME=str(workdir / "config"))
        for name in ("WAYLAND_DISPLAY", "PROXIM_CONFIG", "DISPLAY"):
            env.pop(name, None)
        if display_name is not None:
            env["DISPLAY"] = display_name
        argv = host_command(self.port, workdir / "pairing.png", *extra)
        super().__init__(argv, env=env, stderr_path=workdir / "host.log")
        self.log = workdir / "host.log"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def next_link(self, timeout: float = 15.0) -> str:
        return self.wait_for(r"^\s+(http://\S+)$", timeout).group(1)

    def approve(self, timeout: float = 15.0) -> None:
        self.wait_for(r"^Approve connection from .+\? \[y/N\]", timeout)
        self.send("y")

    def vitals(self) -> Vitals:
        return vitals(self.pid)


@contextmanager
def running_host(display_name: str | None, *extra: str) -> Iterator[Host]:
    with tempfile.TemporaryDirectory(prefix="proxim-bench-") as workdir:
        host = Host(display_name, Path(workdir), *extra)
        try:
            yield host
        finally:
            host.stop()


async def paired(host: Host, link: str, name: str) -> tuple[ProximClient, dict[str, Any]]:
    """A Python client paired through ``link``, approved on the host's console and connected; and the control
    channel's ``hello``."""
    client = ProximClient(link, device_name=name)
    await client.start()
    await asyncio.to_thread(host.approve)
    for kind in ("pending", "approved", "answer"):
        await client.expect(kind)
    await client.wait_connected()
    hello = await asyncio.wait_for(client.control_messages.get(), 10)
    if hello.get("t") != "hello":
        await client.close()
        raise RuntimeError(f"expected the control channel's hello, got {hello}")
    return client, hello
