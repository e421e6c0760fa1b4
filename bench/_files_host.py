"""The host of ``python -m bench files``, in a process of its own so that its CPU time is its own: the real host (the
plugin test kit's, with a one-colour screen) with the ``files`` plugin, and a ``sink`` channel that throws bytes away
(the baseline: the same data channel machinery without the plugin's protocol and disk). It approves every request with
both permissions, prints the link, and reads ``send PATH`` lines on standard input."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from proxim_files.plugin import FilesPlugin

from proxim_tray import FULL_CONTROL, Channel, ChannelHandler, ChannelPort, PermissionSpec, hookimpl, testing


class Sink(ChannelHandler):
    def __init__(self, port: ChannelPort) -> None:
        self.port = port
        self.received = 0

    def on_bytes(self, data: bytes) -> None:
        self.received += len(data)

    def on_message(self, message: dict[str, Any]) -> None:
        self.port.send({"t": "got", "bytes": self.received})


class SinkPlugin:
    name = "sink"

    @hookimpl
    def proxim_register_permissions(self, register: Callable[[PermissionSpec], None]) -> None:
        register(PermissionSpec("sink", "Throw bytes away"))

    @hookimpl
    def proxim_register_channels(self, register: Callable[[Channel], None]) -> None:
        register(Channel("sink", "sink", Sink, kinds=("count",), binary=True))


async def main(folder: Path) -> None:
    files = FilesPlugin()
    settings = {"files": {"folder": folder, "max_size": "1G"}}
    async with testing.running_host(files, SinkPlugin(), settings=settings) as host:
        print(await host.link(), flush=True)
        request = await host.next_request()
        request.approve(FULL_CONTROL | {"files", "sink"}, by="bench")
        loop = asyncio.get_running_loop()
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            command, _, rest = line.strip().partition(" ")
            if command == "send":
                files.send_paths([Path(rest)])


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
