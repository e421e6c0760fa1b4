"""Running a host inside the test process: a real App and real plugins, with a recording plugin to decide approvals."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from aiortc import RTCConfiguration, RTCPeerConnection

from proxim_tray import ApprovalRequest, CaptureSource, Pairing, ScreenGeometry, Session, hookimpl, protocol
from proxim_tray.app import App
from proxim_tray.config import HostConfig
from proxim_tray.fingerprint import sdp_fingerprint
from proxim_tray.links import Links
from proxim_tray.pairing import commitment
from proxim_tray.plugins import PluginHost


class SolidColourSource(CaptureSource):
    """A small screen of one colour: enough for the session machinery, which does not care about pixels."""

    name = "solid"

    def geometry(self) -> ScreenGeometry:
        return ScreenGeometry(0, 0, 320, 240)

    def grab(self) -> npt.NDArray[np.uint8]:
        frame = np.zeros((240, 320, 4), dtype=np.uint8)
        frame[:, :, 2] = 255
        return frame


@dataclass
class Recorder:
    """A plugin that records what the host announces and hands approval requests to the test."""

    requests: asyncio.Queue[ApprovalRequest] = field(default_factory=asyncio.Queue)
    shown: list[Pairing] = field(default_factory=list)
    hidden: list[Pairing] = field(default_factory=list)
    started: list[Session] = field(default_factory=list)
    ended: asyncio.Queue[tuple[Session, str]] = field(default_factory=asyncio.Queue)
    new_link: asyncio.Event = field(default_factory=asyncio.Event)

    @hookimpl
    def proxim_register_capture_sources(self, register: Callable[..., None]) -> None:
        register("solid", lambda config: SolidColourSource())

    @hookimpl
    def proxim_show_pairing(self, app: App, pairing: Pairing) -> None:
        self.shown.append(pairing)
        self.new_link.set()

    @hookimpl
    def proxim_hide_pairing(self, app: App, pairing: Pairing) -> None:
        self.hidden.append(pairing)

    @hookimpl
    def proxim_request_approval(self, app: App, request: ApprovalRequest) -> None:
        self.requests.put_nowait(request)

    @hookimpl
    def proxim_session_started(self, app: App, session: Session) -> None:
        self.started.append(session)

    @hookimpl
    def proxim_session_ended(self, app: App, session: Session, reason: str) -> None:
        self.ended.put_nowait((session, reason))

    async def next_link(self) -> Pairing:
        await self.new_link.wait()
        self.new_link.clear()
        return self.shown[-1]


class MemoryLink:
    """A client connection held in memory: what the host sends is kept in ``sent``."""

    def __init__(
        self, address: str = "192.0.2.50", user_agent: str = "Mozilla/5.0 (Linux; Android 14) Chrome/156.0"
    ) -> None:
        self.address = address
        self.user_agent = user_agent
        self.sent: list[dict[str, Any]] = []
        self.closed = False
        self._arrived = asyncio.Condition()

    async def send(self, message: dict[str, Any]) -> None:
        async with self._arrived:
            self.sent.append(message)
            self._arrived.notify_all()

    async def wait_for(self, kind: str, timeout: float = 10.0) -> dict[str, Any]:
        """The first message of type ``kind`` the host sent, waiting for it if needed."""

        def found() -> dict[str, Any] | None:
            return next((m for m in self.sent if m["type"] == kind), None)

        async with self._arrived:
            await asyncio.wait_for(self._arrived.wait_for(lambda: found() is not None), timeout)
        message = found()
        assert message is not None
        return message

    async def close(self) -> None:
        self.closed = True

    def types(self) -> list[str]:
        return [message["type"] for message in self.sent]


CLIENT_NONCE = "TestClientNonce0123456"
# a device name that clears the screen, writes the terminal's clipboard (OSC 52), forges lines and reverses text
HOSTILE_NAME = "\x1b[2J\x1b]52;c;cm0=\x07Pixel\r\nVerification code: 000 000\nApproved.\u202e\x9b1m"
# what no surface may show of it: C0, DEL, C1, bidirectional formatting and line separators
CONTROLS = [chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))] + ["\u202e", "\u2066", "\u200f", "\u2028"]


def hello(pairing: Pairing, offer: str, secret: str | None = None, name: str = "Test phone") -> str:
    return json.dumps(
        {
            "type": "hello",
            "v": protocol.VERSION,
            "session": pairing.session_id,
            "secret": pairing.secret if secret is None else secret,
            "device": {"name": name},
            "offer": offer,
            "commitment": commitment(sdp_fingerprint(offer), CLIENT_NONCE),
        }
    )


def reveal(nonce: str = CLIENT_NONCE) -> str:
    return json.dumps({"type": "reveal", "nonce": nonce})


async def make_offer() -> str:
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTransceiver("video", direction="recvonly")
    pc.createDataChannel("control")
    await pc.setLocalDescription(await pc.createOffer())
    sdp = str(pc.localDescription.sdp)
    await pc.close()
    return sdp


def serve_links(app: App, base_url: str) -> None:
    """Stand in for the signaling plugin's link finder: every link goes through ``base_url``."""

    async def find() -> Links:
        return Links(base_url)

    app.find_links = find


def make_app(recorder: Recorder, *, extra_plugins: tuple[object, ...] = (), **settings: Any) -> App:
    plugins = PluginHost()
    for plugin in extra_plugins:  # a plugin module, or a plugin class's instance
        plugins.register(plugin, getattr(plugin, "__name__", type(plugin).__module__), "tests")
    plugins.register(recorder, "recorder", "tests")
    config = HostConfig(bind="127.0.0.1", port=0, advertise_addr="127.0.0.1", tray=False, capture="solid", **settings)
    return App(config, plugins)


@asynccontextmanager
async def running(app: App, recorder: Recorder) -> AsyncIterator[tuple[App, Recorder]]:
    """``app`` running on the test's loop, from its first pairing link until it stopped cleanly."""
    task = asyncio.create_task(app.run())
    await asyncio.wait_for(recorder.new_link.wait(), 10)
    try:
        yield app, recorder
    finally:
        app.request_stop()
        assert await asyncio.wait_for(task, 10) == 0


def signaling_app(recorder: Recorder, **settings: Any) -> App:
    """A host with the real signaling server and web client (and ``recorder`` deciding approvals)."""
    import proxim_signaling
    import proxim_webclient

    return make_app(recorder, extra_plugins=(proxim_signaling.SignalingPlugin(), proxim_webclient), **settings)
