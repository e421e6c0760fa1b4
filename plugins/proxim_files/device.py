"""The device's end of the ``files`` channel for a Python client (``proxim_tray.client.ProximClient``): send a file
to the host, receive the files the host sends. The same protocol as the page's ``files.js`` (docs/files.md)."""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiortc import RTCDataChannel

from proxim_files.messages import CHUNK_SIZE, PROGRESS_STEP, WINDOW
from proxim_files.saving import IncomingFile

# the client's send buffer is let drain to LOW past HIGH
HIGH_WATER = 4 * 1024 * 1024
LOW_WATER = 1024 * 1024


class TransferFailed(Exception):
    """The host refused, cancelled or failed the transfer: ``code`` and ``message`` say why."""

    def __init__(self, kind: str, code: str, message: str) -> None:
        super().__init__(f"{kind} {code}: {message}")
        self.kind = kind
        self.code = code
        self.message = message


@dataclass
class Received:
    path: Path
    size: int


class FilesDevice:
    """One client's end of an open ``files`` channel."""

    def __init__(self, channel: RTCDataChannel) -> None:
        self.channel = channel
        self.messages: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.chunks: asyncio.Queue[bytes] = asyncio.Queue()
        self.acknowledged = 0
        self._ids = 0
        self._progress = asyncio.Event()
        channel.bufferedAmountLowThreshold = LOW_WATER
        channel.on("message", self._arrived)

    def _arrived(self, raw: str | bytes) -> None:
        if isinstance(raw, bytes):
            self.chunks.put_nowait(raw)
            return
        message = json.loads(raw)
        if message.get("t") == "progress":
            self.acknowledged = max(self.acknowledged, int(message["bytes"]))
            self._progress.set()
        else:
            self.messages.put_nowait(message)

    def send(self, message: dict[str, Any]) -> None:
        self.channel.send(json.dumps(message))

    async def next_message(self, timeout: float = 20.0) -> dict[str, Any]:
        return await asyncio.wait_for(self.messages.get(), timeout)

    async def _expect(self, transfer: str, kinds: tuple[str, ...], timeout: float) -> dict[str, Any]:
        message = await self.next_message(timeout)
        if message.get("id") == transfer and message.get("t") in kinds:
            return message
        raise TransferFailed(str(message.get("t")), str(message.get("code")), str(message.get("message")))

    async def offer(self, name: str, size: int, mime: str = "") -> str:
        """Offer a file; returns its id once accepted (raises TransferFailed if refused)."""
        self._ids += 1
        transfer = f"py{self._ids}"
        self.acknowledged = 0
        self.send({"t": "offer", "id": transfer, "name": name, "size": size, "mime": mime})
        await self._expect(transfer, ("accept",), 20.0)
        return transfer

    async def send_file(self, path: Path, name: str | None = None, timeout: float = 120.0) -> str:
        """Send ``path`` (as ``name``); returns the name the host saved it under."""
        size = await asyncio.to_thread(os.path.getsize, path)
        transfer = await self.offer(name or path.name, size)
        await self.send_bytes(transfer, path, size)
        self.send({"t": "done", "id": transfer})
        return str((await self._expect(transfer, ("received",), timeout))["name"])

    async def send_bytes(self, transfer: str, path: Path, size: int, stop_after: int | None = None) -> int:
        """Stream the file's bytes within the window and the send buffer; stop early after ``stop_after`` bytes."""
        sent = 0
        limit = size if stop_after is None else min(size, stop_after)
        with path.open("rb") as source:
            while sent < limit:
                while sent - self.acknowledged >= WINDOW:
                    self._progress.clear()
                    await asyncio.wait_for(self._progress.wait(), 20.0)
                if self.channel.bufferedAmount > HIGH_WATER:
                    await self._drained()
                chunk = source.read(min(CHUNK_SIZE, limit - sent))
                self.channel.send(chunk)
                sent += len(chunk)
        return sent

    async def _drained(self) -> None:
        drained = asyncio.Event()
        self.channel.once("bufferedamountlow", drained.set)
        if self.channel.bufferedAmount > LOW_WATER:
            await asyncio.wait_for(drained.wait(), 20.0)

    async def receive(self, folder: Path, timeout: float = 120.0) -> Received:
        """Accept the host's next offer and save the file in ``folder`` (safely, as the host does)."""
        offer = await self.next_message(timeout)
        if offer.get("t") != "offer":
            raise TransferFailed(str(offer.get("t")), "unexpected", json.dumps(offer))
        transfer, size = offer["id"], int(offer["size"])
        incoming = IncomingFile(folder, str(offer["name"]), size, size)
        incoming.open()
        self.send({"t": "accept", "id": transfer})
        acknowledged = 0
        try:
            while incoming.written < size:
                incoming.write(await asyncio.wait_for(self.chunks.get(), timeout))
                if incoming.written - acknowledged >= PROGRESS_STEP or incoming.written == size:
                    acknowledged = incoming.written
                    self.send({"t": "progress", "id": transfer, "bytes": acknowledged})
            await self._expect(transfer, ("done",), timeout)
            path = incoming.finish()
        except BaseException:
            incoming.discard()
            raise
        self.send({"t": "received", "id": transfer, "name": path.name})
        return Received(path, size)
