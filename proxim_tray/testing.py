"""A test kit for plugin authors: a real host inside the test's event loop, and a real client paired with it.

```python
from proxim_tray import FULL_CONTROL, testing

async def test_greets():
    async with testing.running_host(MyPlugin()) as host, host.client(grant=FULL_CONTROL | {"mine"}) as client:
        channel = await client.plugin_channel("mine")
        ...
```

The host is the real one (plugin loading, sessions, the signaling server and web client on loopback, WebRTC through
aiortc) with a screen of one colour instead of the display and an input backend that records what it is told instead
of moving the pointer; approval requests are answered by the test (``grant``), and what plugins hand to
``app.audit(...)`` is kept in ``host.audit_records``. Nothing here needs a display.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt

from proxim_tray.app import App
from proxim_tray.approval import FULL_CONTROL, ApprovalRequest
from proxim_tray.backends import CaptureSource, InputBackend, ScreenGeometry
from proxim_tray.client import ProximClient
from proxim_tray.config import HostConfig
from proxim_tray.hookspecs import hookimpl
from proxim_tray.host import Host
from proxim_tray.pairing import Pairing
from proxim_tray.permissions import Grant
from proxim_tray.plugins import ENTRY_POINT_GROUP, PluginHost
from proxim_tray.session import Session

__all__ = ["ProximClient", "RecordingInput", "SolidScreen", "TestHost", "running_host"]

TIMEOUT = 20.0  # seconds; generous for a loaded machine
SCREEN = ScreenGeometry(0, 0, 320, 240)


class SolidScreen(CaptureSource):
    """A small screen of one colour."""

    name = "solid"

    def geometry(self) -> ScreenGeometry:
        return SCREEN

    def grab(self) -> npt.NDArray[np.uint8]:
        frame = np.zeros((SCREEN.height, SCREEN.width, 4), dtype=np.uint8)
        frame[:, :, 1] = 160
        return frame


class RecordingInput(InputBackend):
    """Records every input call as a tuple (``("move", x, y)``, ``("text", "hi")``...) instead of injecting it."""

    name = "recording"

    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []

    def move(self, x: int, y: int) -> None:
        self.events.append(("move", x, y))

    def button(self, button: str, down: bool) -> None:
        self.events.append(("button", button, down))

    def scroll(self, dx: int, dy: int) -> None:
        self.events.append(("scroll", dx, dy))

    def key(self, key: str, code: str, down: bool) -> None:
        self.events.append(("key", key, code, down))

    def type_text(self, text: str) -> None:
        self.events.append(("text", text))


@dataclass
class _Harness:
    """The test's own plugin: backends that need no display, approval by the test, the records kept."""

    input: RecordingInput = field(default_factory=RecordingInput)
    requests: asyncio.Queue[ApprovalRequest] = field(default_factory=asyncio.Queue)
    links: asyncio.Queue[Pairing] = field(default_factory=asyncio.Queue)
    started: asyncio.Queue[Session] = field(default_factory=asyncio.Queue)
    ended: asyncio.Queue[tuple[Session, str]] = field(default_factory=asyncio.Queue)
    audit_records: list[dict[str, Any]] = field(default_factory=list)

    @hookimpl
    def proxim_register_capture_sources(self, register: Callable[..., None]) -> None:
        register(SolidScreen.name, lambda config: SolidScreen())

    @hookimpl
    def proxim_register_input_backends(self, register: Callable[..., None]) -> None:
        register(RecordingInput.name, lambda config: self.input)

    @hookimpl
    def proxim_show_pairing(self, pairing: Pairing) -> None:
        self.links.put_nowait(pairing)

    @hookimpl
    def proxim_request_approval(self, request: ApprovalRequest) -> None:
        self.requests.put_nowait(request)

    @hookimpl
    def proxim_session_started(self, session: Session) -> None:
        self.started.put_nowait(session)

    @hookimpl
    def proxim_session_ended(self, session: Session, reason: str) -> None:
        self.ended.put_nowait((session, reason))

    @hookimpl
    def proxim_audit_record(self, record: dict[str, Any]) -> None:
        self.audit_records.append(record)


class TestHost:
    """A running in-process host (see :func:`running_host`)."""

    __test__ = False  # not a pytest test class

    def __init__(self, app: App, harness: _Harness) -> None:
        self._app = app
        self._harness = harness

    @property
    def app(self) -> Host:
        """The host as its plugins see it."""
        return self._app

    @property
    def input_events(self) -> list[tuple[Any, ...]]:
        """What the recording input backend was told, in order."""
        return self._harness.input.events

    @property
    def audit_records(self) -> list[dict[str, Any]]:
        """What plugins handed to ``app.audit(...)``, in order."""
        return self._harness.audit_records

    async def link(self) -> str:
        """The pairing link shown now, waiting for one if there is none (a session is live or just ended)."""
        while self._app.sessions.pairing is None or self._app.sessions.live_session is not None:
            await asyncio.wait_for(self._harness.links.get(), TIMEOUT)
        return self._app.sessions.pairing.url

    async def next_request(self) -> ApprovalRequest:
        """The next connection request (decide it with ``request.approve(...)`` or ``request.reject()``)."""
        return await asyncio.wait_for(self._harness.requests.get(), TIMEOUT)

    async def session_ended(self) -> tuple[Session, str]:
        """The next session to end and its reason."""
        return await asyncio.wait_for(self._harness.ended.get(), TIMEOUT)

    @asynccontextmanager
    async def client(self, grant: Grant = FULL_CONTROL, name: str = "Test device") -> AsyncIterator[ProximClient]:
        """A Python client paired with the host, approved with ``grant``, its picture arriving; closed on exit."""
        client = ProximClient(await self.link(), device_name=name)
        try:
            await client.start(TIMEOUT)
            request = await self.next_request()
            request.approve(grant, by="test")
            await client.wait_connected(TIMEOUT)
            yield client
        finally:
            await client.close()


@asynccontextmanager
async def running_host(
    *plugins: object, settings: Mapping[str, Mapping[str, Any]] | None = None, **config: Any
) -> AsyncIterator[TestHost]:
    """Run a host with the built-in signaling server and web client, and ``plugins`` (modules or plugin objects, each
    registered under the name it is installed under, else its ``name`` attribute), until the block ends.
    ``settings`` overrides plugins' declared settings by plugin name; ``config`` sets ``HostConfig`` fields."""
    import proxim_signaling
    import proxim_webclient

    host = PluginHost()
    harness = _Harness()
    host.register(proxim_signaling.SignalingPlugin(), "signaling", "built in")
    host.register(proxim_webclient, "webclient", "built in")
    for plugin in plugins:
        host.register(plugin, _plugin_name(plugin), "test")
    host.register(harness, "testing", "proxim_tray.testing")
    if host.failures:
        raise RuntimeError(f"plugin failed to load: {host.failures[0]}")
    values: dict[str, Any] = {"bind": "127.0.0.1", "port": 0, "advertise_addr": "127.0.0.1", "tray": False}
    host_config = HostConfig(**(values | {"capture": SolidScreen.name, "input": RecordingInput.name} | config))
    declared = host.settings()
    for plugin, overrides in (settings or {}).items():
        unknown = set(overrides) - set(declared.declared.get(plugin, {}))
        if unknown:
            raise ValueError(f"plugin {plugin!r} declares no setting {', '.join(sorted(unknown))}")
        defaults = declared.defaults().get(plugin, {})
        host_config.plugin_settings[plugin] = {**defaults, **overrides}
    app = App(host_config, host)
    task = asyncio.get_running_loop().create_task(app.run())
    test_host = TestHost(app, harness)
    try:
        await asyncio.wait_for(test_host.link(), TIMEOUT)
        yield test_host
    finally:
        app.request_stop()
        await asyncio.wait_for(task, TIMEOUT)


def _plugin_name(plugin: object) -> str:
    """The name the plugin is installed under (its entry point's), else its ``name`` attribute, else its module's or
    class's name."""
    target = plugin if isinstance(plugin, ModuleType) else type(plugin)
    value = target.__name__ if isinstance(plugin, ModuleType) else f"{target.__module__}:{target.__qualname__}"
    for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if entry_point.value == value:
            return entry_point.name
    name = getattr(plugin, "name", None)
    if isinstance(name, str):
        return name
    return target.__name__.lower()
