"""One `proxim connect` session on its asyncio loop: pairing through the Python client, the states the page shows
(with the same words), the picture's frames, the heartbeat, the HUD's figures and the host's control messages.

The window runs on another thread: it reads :class:`Shown` and the latest frame, and hands input to :meth:`send`.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import aiohttp
import av
from aiortc.mediastreams import MediaStreamError

from proxim_tray.aiortc_internals import hand_over_whole_frames
from proxim_tray.client import ProximClient
from proxim_tray.errors import ProximError

HEARTBEAT_S = 0.25
STATS_S = 1.0
SCAN_AGAIN = "Scan the QR code the host shows now (or pass its new link) to connect again."

HEADLINES = {
    "connecting": "Connecting",
    "pending": "Waiting for approval",
    "live": "Connected",
    "rejected": "Declined",
    "timeout": "No answer",
    "busy": "Host busy",
    "expired": "Link expired",
    "ended": "Session ended",
    "lost": "Connection lost",
    "nopath": "No network path",
    "error": "Cannot connect",
}
MESSAGES = {
    "connecting": "Contacting the host…",
    "live": "Connected.",
    "rejected": f"The host's user declined. {SCAN_AGAIN}",
    "timeout": f"Nobody answered on the host in time. {SCAN_AGAIN}",
    "busy": "The host is already in a session with another device. Try again when it ends.",
    "expired": "This link was already used or has expired. Use the new QR code or link the host shows.",
    "ended": f"The host ended the session. {SCAN_AGAIN}",
    "lost": f"Connection lost: the host stopped answering. {SCAN_AGAIN}",
    "nopath": "No network path between this computer and the host: they could not reach each other directly, and "
    "no relay got through. Put both on the same network (or VPN), or have the host set up a TURN server.",
}
ENDED_MESSAGES = {
    "host_stopped": f"The host stopped sharing. {SCAN_AGAIN}",
    "host_shutdown": "The host shut down. Start Proxim on it again, then use its new QR code or link.",
    "error": f"The session ended because of an error on the host. {SCAN_AGAIN}",
}
ACTIVE = frozenset({"connecting", "pending", "live"})


@dataclass(frozen=True)
class Shown:
    """What the window and the terminal show now."""

    state: str = "connecting"
    message: str = MESSAGES["connecting"]
    code: str = ""  # this computer's verification code
    host_code: str = ""  # the one the host reports
    deadline: float = 0.0  # time.monotonic() when the approval times out
    permissions: frozenset[str] = frozenset()
    capabilities: frozenset[str] = frozenset()
    paused: str = ""  # why remote input is paused, for people
    screen: tuple[int, int] = (0, 0)
    hud: str = ""

    @property
    def headline(self) -> str:
        if self.state == "pending" and self.code != self.host_code:
            return "Do not approve"
        return HEADLINES[self.state]

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    @property
    def can_control(self) -> bool:
        return self.state == "live" and "control" in self.permissions and not self.paused

    @property
    def clipboard(self) -> bool:
        return "commands" in self.permissions and "clipboard" in self.capabilities


def format_code(code: str) -> str:
    return f"{code[:3]} {code[3:]}" if len(code) == 6 else code or "–"


@dataclass
class ConnectSession:
    url: str
    on_change: Callable[[Shown], None]  # called on the loop's thread: hand it over, do not block
    on_frame: Callable[[av.VideoFrame], None]
    on_clipboard: Callable[[str], None] = lambda text: None
    shown: Shown = field(default_factory=Shown)

    def __post_init__(self) -> None:
        name = f"Proxim on {socket.gethostname()}"[:64]
        self.client = ProximClient(self.url, device_name=name, on_receiver=hand_over_whole_frames)
        self.loop: asyncio.AbstractEventLoop | None = None
        self._frames = 0
        self._pings: dict[int, float] = {}
        self._rtt_ms: float | None = None
        self._bytes = (0, time.monotonic())
        self._done: asyncio.Event | None = None
        self._tasks: list[asyncio.Task[None]] = []

    # ---------------------------------------------------------------- called from the window's thread

    def send(self, message: dict[str, Any]) -> None:
        """Sends a control message from any thread, if the session is live."""
        if self.loop is not None and not self.loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                self.loop.call_soon_threadsafe(self._send_now, message)

    def ask_clipboard(self) -> None:
        """Asks for the host's clipboard text; it arrives through ``on_clipboard``."""
        self.send({"t": "clip_get"})

    def leave(self) -> None:
        """The user closed the window: say bye, which ends the session on the host."""
        if self.loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                self.loop.call_soon_threadsafe(self._leave)

    # ---------------------------------------------------------------- on the loop

    def _send_now(self, message: dict[str, Any]) -> None:
        channel = self.client.channel
        if self.shown.state == "live" and channel is not None and channel.readyState == "open":
            self.client.control(message)

    def _leave(self) -> None:
        if self.shown.active:
            self._set("ended", "You disconnected.")
        self._finish()

    def _finish(self) -> None:
        if self._done is not None:
            self._done.set()

    def _set(self, state: str | None = None, message: str | None = None, **changes: Any) -> None:
        if self.shown.state not in ACTIVE:
            return  # end states are final
        state = state or self.shown.state
        if state != self.shown.state or message is not None:
            changes["message"] = message or MESSAGES.get(state, "")
        self.shown = replace(self.shown, state=state, **changes)
        self.on_change(self.shown)
        if state not in ACTIVE:
            self._finish()

    async def run(self) -> None:
        """Pairs, shows the picture until the session ends, then leaves cleanly."""
        self.loop = asyncio.get_running_loop()
        self._done = asyncio.Event()
        self.on_change(self.shown)
        try:
            await self.client.start()
            self._tasks += [asyncio.create_task(job()) for job in (self._signaling, self._control, self._heartbeat)]
            await self._done.wait()
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            base = self.client.link.base_url
            self._set(
                "error",
                f"Cannot reach the host at {base} ({exc or type(exc).__name__}). Check that it runs "
                "and that this computer is on its network; `proxim doctor` on the host checks its firewall.",
            )
        except ProximError as exc:
            self._set("error", f"{exc}.")
        finally:
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            if self.client.channel is not None and self.client.channel.readyState == "open":
                self.client.control({"t": "release"})  # nothing stays held, even before the host notices
            await self.client.leave()

    async def _signaling(self) -> None:
        while True:
            message = await self.client.messages.get()
            kind = message.get("type")
            if kind == "pending":
                deadline = time.monotonic() + float(message.get("timeout") or 0)
                host_code = str(message.get("code", ""))
                code = self.client.code
                if code == host_code:
                    text = f"Approve the request on the host if it shows the code {format_code(code)}."
                else:
                    text = "This computer and the host computed different codes: decline the request on the host."
                self._set("pending", text, code=code, host_code=host_code, deadline=deadline)
            elif kind == "approved":
                self._set(
                    "connecting", "Approved. Connecting to the screen…", permissions=frozenset(message["permissions"])
                )
                self._tasks.append(asyncio.create_task(self._pictures()))
            elif kind == "rejected":
                self._set("timeout" if message.get("reason") == "timeout" else "rejected")
            elif kind == "ended":
                reason = message.get("reason")
                if reason == "no_network_path":
                    self._set("nopath", str(message.get("message") or MESSAGES["nopath"]))
                else:
                    self._set("ended", ENDED_MESSAGES.get(str(reason), MESSAGES["ended"]))
            elif kind == "error":
                error = message.get("code")
                if error == "busy":
                    self._set("busy")
                elif error in ("unknown_session", "session_ended"):
                    self._set("expired")
                else:
                    self._set("error", str(message.get("message") or f"The host reported an error ({error})."))
            elif kind == "refused":
                self._set("error", f"Stopped: {message['message']}.")
            elif kind == "closed":
                self._set(
                    "lost" if self.shown.state == "live" else "error",
                    None
                    if self.shown.state == "live"
                    else "The host closed the connection before the session started.",
                )

    async def _pictures(self) -> None:
        try:
            await self.client.wait_connected(timeout=20)
        except TimeoutError:
            self._set("nopath")
            return
        assert self.client.video is not None
        while True:
            try:
                frame = await self.client.video.recv()
            except MediaStreamError:
                self._set("lost")
                return
            assert isinstance(frame, av.VideoFrame)
            self._frames += 1
            if self.shown.state == "connecting":
                self._set("live")
            self.on_frame(frame)

    async def _control(self) -> None:
        while True:
            message = await self.client.control_messages.get()
            kind = message.get("t")
            if kind == "hello":
                screen = message.get("screen") or {}
                self._set(
                    permissions=frozenset(message.get("permissions", [])),
                    capabilities=frozenset(message.get("capabilities", [])),
                    screen=(int(screen.get("w", 0)), int(screen.get("h", 0))),
                )
            elif kind == "perm":
                self._set(permissions=frozenset(message.get("permissions", [])))
            elif kind == "paused":
                local = message.get("reason") == "local_input"
                why = (
                    "Someone is using the host's mouse or keyboard: your input is paused for a moment."
                    if local
                    else "The host paused sharing. You can continue when it resumes."
                )
                self._set(paused=why)
            elif kind == "resumed":
                self._set(paused="")
            elif kind == "pong" and message.get("id") in self._pings:
                self._rtt_ms = (time.monotonic() - self._pings.pop(message["id"])) * 1000
            elif kind == "clip":
                self.on_clipboard(str(message.get("text", "")))

    async def _heartbeat(self) -> None:
        """Keeps the host from releasing what we hold (it does after 1 s of silence), and measures for the HUD."""
        ticks = 0
        while True:
            await asyncio.sleep(HEARTBEAT_S)
            self._send_now({"t": "hb"})
            ticks += 1
            if ticks % round(STATS_S / HEARTBEAT_S) == 0 and self.shown.state == "live":
                await self._measure(ticks)

    async def _measure(self, ping_id: int) -> None:
        self._pings = {ping_id: time.monotonic()}
        self._send_now({"t": "ping", "id": ping_id})
        assert self.client.pc is not None
        report = await self.client.pc.getStats()
        received = sum(getattr(stats, "bytesReceived", 0) for stats in report.values() if stats.type == "transport")
        now = time.monotonic()
        before, then = self._bytes
        self._bytes = (received, now)
        mbits = (received - before) * 8 / (now - then) / 1e6
        rtt = f"{self._rtt_ms:.0f} ms" if self._rtt_ms is not None else "–"
        self._set(hud=f"{self._frames / (now - then):.0f} fps · {mbits:.1f} Mbit/s · round trip {rtt}")
        self._frames = 0
