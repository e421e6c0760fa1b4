"""One session's ``files`` channel: files received into the target folder, files sent to the device, one at a time
each way, each way queued.

Receiving: an `offer` is checked (cap, free space) and a ``.part`` created before it is accepted; the bytes are written
off the loop in blocks, acknowledged by `progress`, and the file takes its final name at `done`. Sending: the file is
read off the loop in blocks and sent in chunks, never more than ``WINDOW`` bytes ahead of the device's `progress`
nor more than ``SEND_BUFFER`` queued in the host's SCTP buffer, so memory stays flat whatever the size.
"""

from __future__ import annotations

import asyncio
import mimetypes
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from proxim_files import messages
from proxim_files.messages import CHUNK_SIZE, PROGRESS_STEP, WINDOW, BadMessage, Offer
from proxim_files.progress import Progress
from proxim_files.saving import IncomingFile, SaveRefused, human_size
from proxim_tray import ChannelHandler, ChannelPort

T = TypeVar("T")

# bytes gathered before a write, and read at once when sending
BLOCK = 1024 * 1024
# the host's SCTP send buffer is drained down to this before more chunks are queued
SEND_BUFFER = 4 * 1024 * 1024
SEND_LOW = 1024 * 1024
CANCELLED_ON_HOST = "cancelled on the host"
# seconds between the tray's progress figures, and between progress lines on the console
TRAY_EVERY = 1
CONSOLE_EVERY = 5
# why transfers stopped, by the reason the channel closed
CLOSED = {
    "permission_withdrawn": "the host's user withdrew the permission to transfer files",
    "connection_lost": "the connection to the device dropped",
    "session_ended": "the session ended",
    "client_closed": "the device closed the channel",
}


@dataclass
class Receiving:
    offer: Offer
    file: IncomingFile
    progress: Progress
    pending: list[bytes] = field(default_factory=list)
    pending_bytes: int = 0
    acknowledged: int = 0


class TransferStopped(Exception):
    """A transfer ends before its file is complete: ``code`` and ``message`` say why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Sending:
    id: str
    path: Path
    progress: Progress
    accepted: bool = False
    acknowledged: int = 0
    received_as: str | None = None
    stopped: TransferStopped | None = None
    news: asyncio.Event = field(default_factory=asyncio.Event)  # set whenever the device said something of it

    async def wait_until(self, condition: Callable[[], bool]) -> None:
        """Wait until ``condition()`` holds; raise TransferStopped if the transfer stops first."""
        while True:
            if self.stopped is not None:
                raise self.stopped
            if condition():
                return
            self.news.clear()
            await self.news.wait()

    def stop(self, code: str, message: str) -> None:
        if self.stopped is None:
            self.stopped = TransferStopped(code, message)
        self.news.set()


class FileChannel(ChannelHandler):
    """The handler of one opened ``files`` channel (see the ``Channel`` extension point)."""

    def __init__(
        self, port: ChannelPort, folder: Path, max_size: int, tell: Callable[[str], None], changed: Callable[[], None]
    ) -> None:
        self.port = port
        self.folder = folder
        self.max_size = max_size
        self._tell = tell  # says something to the host's user (console or log)
        self._changed = changed  # the transfers changed: redraw the tray
        self.receiving: Receiving | None = None
        self.sending: Sending | None = None
        self.queue: asyncio.Queue[Path] = asyncio.Queue()
        self._ids = 0
        self._closed = False
        self._opening: IncomingFile | None = None
        # one thread does every file operation of this channel, in order: a discard never overtakes a write
        self._disk = ThreadPoolExecutor(max_workers=1, thread_name_prefix="proxim-files")
        self._sender = asyncio.get_running_loop().create_task(self._send_queued())
        self._ticker = asyncio.get_running_loop().create_task(self._tick())
        self.device = port.session.device

    async def _tick(self) -> None:
        """While files move: the tray's figures every second, a line on the console every few seconds."""
        ticks = 0
        while True:
            await asyncio.sleep(TRAY_EVERY)
            lines = self.transfers()
            if lines:
                ticks += 1
                self._changed()
                if ticks % (CONSOLE_EVERY // TRAY_EVERY) == 0:
                    for line in lines:
                        self._tell(line)

    async def _on_disk(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._disk, function, *args)

    # -- what the host's user sees ------------------------------------------------------------------------------------

    def transfers(self) -> list[str]:
        """A line per transfer in progress, for the tray and the console."""
        lines = []
        if self.receiving is not None:
            lines.append(f"Receiving {self.receiving.offer.name!r}: {self.receiving.progress.describe()}")
        if self.sending is not None:
            lines.append(f"Sending {self.sending.path.name!r}: {self.sending.progress.describe()}")
        return lines

    def _audit(self, event: str, **fields: Any) -> None:
        self.port.host.audit(event, device=self.device.name, address=self.device.address, **fields)

    # -- messages from the device ------------------------------------------------------------------------------------

    async def on_message(self, message: dict[str, Any]) -> None:
        try:
            await self._handle(message)
        except BadMessage as exc:
            self.port.refuse("bad_message", exc.message)

    async def _handle(self, message: dict[str, Any]) -> None:
        kind = message["t"]
        if kind == "offer":
            await self._offered(messages.parse_offer(message))
            return
        transfer = messages.transfer_id(message)
        receiving = self.receiving if self.receiving is not None and self.receiving.offer.id == transfer else None
        sending = self.sending if self.sending is not None and self.sending.id == transfer else None
        if receiving is None and sending is None:
            return  # a transfer that has just ended: its last messages may still arrive
        if receiving is not None:
            if kind == "done":
                await self._complete(receiving)
            elif kind in ("cancel", "error"):
                code, text = messages.reason(message)
                self._stop_receiving(receiving, code, text or "the device cancelled", tell_device=False)
            else:
                raise BadMessage(f"{kind}: not a message for a file the device sends")
        elif sending is not None:
            self._sending_message(sending, kind, message)

    def _sending_message(self, sending: Sending, kind: str, message: dict[str, Any]) -> None:
        if kind == "accept":
            sending.accepted = True
        elif kind == "progress":
            sending.acknowledged = max(sending.acknowledged, messages.acknowledged(message))
            sending.progress.advance(sending.acknowledged)
        elif kind == "received":
            name = message.get("name")
            sending.received_as = name[:1000] if isinstance(name, str) else sending.path.name
        elif kind in ("refuse", "cancel", "error"):
            code, text = messages.reason(message)
            sending.stop(code, text or "the device cancelled")
        else:
            raise BadMessage(f"{kind}: not a message for a file the host sends")
        sending.news.set()

    # -- receiving -----------------------------------------------------------------------------------------------------

    async def _offered(self, offer: Offer) -> None:
        if self.receiving is not None or (self.sending is not None and self.sending.id == offer.id):
            self.port.send({"t": "refuse", "id": offer.id, "code": "busy", "message": "one file at a time"})
            return
        incoming = IncomingFile(self.folder, offer.name, offer.size, self.max_size)
        self._opening = incoming  # discarded by a close that comes while its .part is being created
        try:
            await self._on_disk(incoming.open)
        except SaveRefused as exc:
            self.port.send({"t": "refuse", "id": offer.id, "code": exc.code, "message": exc.message})
            what = f"{offer.name!r} ({human_size(offer.size)}) from {self.device.describe()}"
            self._tell(f"Refused {what}: {exc.message}.")
            self._audit("files_refused", name=offer.name, size=offer.size, code=exc.code)
            return
        finally:
            self._opening = None
        self.receiving = Receiving(offer, incoming, Progress(offer.name, offer.size))
        self.port.send({"t": "accept", "id": offer.id})
        self._tell(f"Receiving {offer.name!r} ({human_size(offer.size)}) from {self.device.describe()}...")
        self._changed()

    def on_bytes(self, data: bytes) -> Awaitable[None] | None:
        receiving = self.receiving
        if receiving is None:
            return None  # chunks of a transfer that was cancelled, still on their way
        receiving.pending.append(data)
        receiving.pending_bytes += len(data)
        # only a full block is awaited (the next chunks wait for its write); the others return at once
        return self._flush(receiving) if receiving.pending_bytes >= BLOCK else None

    async def _flush(self, receiving: Receiving) -> None:
        block = b"".join(receiving.pending)
        receiving.pending.clear()
        receiving.pending_bytes = 0
        try:
            await self._on_disk(receiving.file.write, block)
        except SaveRefused as exc:
            self._stop_receiving(receiving, exc.code, exc.message, tell_device=True)
            return
        if self.receiving is not receiving:
            return  # cancelled meanwhile
        written = receiving.file.written
        receiving.progress.advance(written)
        if written - receiving.acknowledged >= PROGRESS_STEP or written == receiving.offer.size:
            receiving.acknowledged = written
            self.port.send({"t": "progress", "id": receiving.offer.id, "bytes": written})

    async def _complete(self, receiving: Receiving) -> None:
        await self._flush(receiving)
        if self.receiving is not receiving:
            return
        try:
            path = await self._on_disk(receiving.file.finish)
        except SaveRefused as exc:
            self._stop_receiving(receiving, exc.code, exc.message, tell_device=True)
            return
        self.receiving = None
        self.port.send({"t": "received", "id": receiving.offer.id, "name": path.name})
        seconds = receiving.progress.elapsed
        self._tell(
            f"Received {receiving.offer.name!r} ({human_size(receiving.offer.size)}) from {self.device.describe()} "
            f"in {seconds:.1f} s: saved as {path}"
        )
        self._audit("files_received", name=receiving.offer.name, path=str(path), size=receiving.offer.size)
        self._changed()

    def _stop_receiving(self, receiving: Receiving, code: str, text: str, *, tell_device: bool) -> None:
        """The file will not be complete: its partial file is removed (after any write already queued)."""
        if self.receiving is receiving:
            self.receiving = None
        receiving.pending.clear()
        self._disk.submit(receiving.file.discard)
        if tell_device:
            self.port.send({"t": "error", "id": receiving.offer.id, "code": code, "message": text})
        self._tell(f"Receiving {receiving.offer.name!r} from {self.device.describe()} stopped: {text}.")
        self._audit(
            "files_cancelled", direction="received", name=receiving.offer.name, size=receiving.offer.size,
            bytes=receiving.file.written, code=code,
        )  # fmt: skip
        self._changed()

    # -- sending -------------------------------------------------------------------------------------------------------

    def send_file(self, path: Path) -> None:
        """Queue ``path`` to be sent to the device once the files before it are through."""
        self.queue.put_nowait(path)

    async def _send_queued(self) -> None:
        while not self._closed:
            path = await self.queue.get()
            await self._send(path)

    async def _send(self, path: Path) -> None:
        try:
            size = (await self._on_disk(path.stat)).st_size
        except OSError as exc:
            self._tell(f"Cannot send {str(path)!r}: {exc.strerror or exc}.")
            return
        self._ids += 1
        sending = Sending(f"h{self._ids}", path, Progress(path.name, size))
        self.sending = sending
        self._changed()
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        self.port.send({"t": "offer", "id": sending.id, "name": path.name, "size": size, "mime": mime})
        self._tell(f"Offering {path.name!r} ({human_size(size)}) to {self.device.describe()}...")
        try:
            await sending.wait_until(lambda: sending.accepted)
            await self._send_bytes(sending, size)
            self.port.send({"t": "done", "id": sending.id})
            await sending.wait_until(lambda: sending.received_as is not None)
        except TransferStopped as exc:
            self._tell(f"Sending {path.name!r} to {self.device.describe()} stopped: {exc.message}.")
            self._audit("files_cancelled", direction="sent", name=path.name, size=size, code=exc.code)
        except OSError as exc:
            message = f"cannot read the file: {exc.strerror or exc}"
            self.port.send({"t": "error", "id": sending.id, "code": "read_error", "message": message})
            self._tell(f"Sending {path.name!r} stopped: {message}.")
            self._audit("files_cancelled", direction="sent", name=path.name, size=size, code="read_error")
        else:
            self._tell(f"Sent {path.name!r} ({human_size(size)}) to {self.device.describe()}.")
            self._audit("files_sent", name=path.name, path=str(path), size=size)
        finally:
            self.sending = None
            self._changed()

    async def _send_bytes(self, sending: Sending, size: int) -> None:
        sent = 0
        with sending.path.open("rb") as source:
            while sent < size:
                block = await self._on_disk(source.read, min(BLOCK, size - sent))
                if not block:
                    raise OSError(f"the file shrank to {sent} bytes while being sent")
                for start in range(0, len(block), CHUNK_SIZE):
                    await sending.wait_until(lambda: sent - sending.acknowledged < WINDOW)  # noqa: B023
                    if self.port.buffered_amount > SEND_BUFFER:
                        await self.port.drain(SEND_LOW)
                    chunk = block[start : start + CHUNK_SIZE]
                    if sending.stopped is not None:
                        raise sending.stopped
                    if not self.port.send_bytes(chunk):
                        raise TransferStopped("connection_lost", "the connection closed")
                    sent += len(chunk)

    def cancel(self) -> bool:
        """The host's user cancels every transfer on this channel; False when there was none."""
        cancelled = False
        while not self.queue.empty():
            self.queue.get_nowait()
        current = [self.sending.id] if self.sending else []
        current += [self.receiving.offer.id] if self.receiving else []
        for transfer in current:
            self.port.send({"t": "cancel", "id": transfer, "code": "cancelled", "message": CANCELLED_ON_HOST})
            cancelled = True
        self._stop_all("cancelled", CANCELLED_ON_HOST)
        return cancelled

    def _stop_all(self, code: str, text: str) -> None:
        while not self.queue.empty():
            self.queue.get_nowait()
        if self.sending is not None:
            self.sending.stop(code, text)
        if self.receiving is not None:
            self._stop_receiving(self.receiving, code, text, tell_device=False)
        if self._opening is not None:
            self._disk.submit(self._opening.discard)

    # -- the channel closes --------------------------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return not self._closed

    def on_close(self, reason: str) -> None:
        self._closed = True
        self._stop_all(reason, CLOSED.get(reason, reason.replace("_", " ")))
        if self.sending is None:
            self._sender.cancel()  # waiting for a file to send; one being sent ends by itself, stopped
        self._ticker.cancel()
        self._disk.shutdown(wait=False)  # after the operations queued, the discards included
        self._changed()
