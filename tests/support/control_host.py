"""A real host in the test process (signaling, mss capture, XTEST input, Linux commands) and a real aiortc client
connected to it, approved with the permissions a test chooses."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from Xlib import display as xdisplay

from proxim_tray import ApprovalRequest, Permission, hookimpl
from proxim_tray.app import App
from proxim_tray.client import ProximClient
from proxim_tray.config import HostConfig
from proxim_tray.plugins import PluginHost
from proxim_tray.session import Session

if TYPE_CHECKING:
    from tests.conftest import HostProcess

T = TypeVar("T")
# plugins a test host does without: prompts, QR output, the tray, and the audit log
QUIET_PLUGINS = ("console", "qr", "tray", "audit", "webclient")


class ApproveAs:
    """An approval surface that grants ``permissions`` at once."""

    def __init__(self, permissions: frozenset[Permission]) -> None:
        self.permissions = permissions

    @hookimpl
    def proxim_request_approval(self, app: App, request: ApprovalRequest) -> None:
        request.approve(self.permissions, by="test")


@dataclass
class Connected:
    app: App
    client: ProximClient
    hello: dict[str, Any]

    @property
    def session(self) -> Session:
        session = self.app.sessions.session
        assert session is not None
        return session

    def send(self, t: str, **fields: Any) -> None:
        self.client.control({"t": t, **fields})

    async def next_control(self, t: str, timeout: float = 5.0) -> dict[str, Any]:
        """The next control message of type ``t`` from the host (others are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            message = await asyncio.wait_for(self.client.control_messages.get(), max(0.01, deadline - time.monotonic()))
            if message.get("t") == t:
                return message


@asynccontextmanager
async def running_host(permissions: frozenset[Permission], **settings: Any) -> AsyncIterator[App]:
    """A host that approves every request with ``permissions``, once its pairing link is shown."""
    plugins = PluginHost(blocked=QUIET_PLUGINS)
    plugins.load_entry_points()
    plugins.register(ApproveAs(permissions), "approve_as", "tests")
    config = HostConfig(bind="127.0.0.1", port=0, advertise_addr="127.0.0.1", tray=False, fps=5, **settings)
    app = App(config, plugins)
    running = asyncio.get_running_loop().create_task(app.run())
    try:
        await until(lambda: app.sessions.pairing, 10.0, "the host's pairing link")
        yield app
    finally:
        app.request_stop()
        await asyncio.wait_for(running, 10.0)


@asynccontextmanager
async def connected_host(permissions: frozenset[Permission], **settings: Any) -> AsyncIterator[Connected]:
    async with running_host(permissions, **settings) as app:
        assert app.sessions.pairing is not None
        client = ProximClient(app.sessions.pairing.url)
        try:
            await client.start()
            await client.wait_connected(15.0)
            hello = await asyncio.wait_for(client.control_messages.get(), 5.0)
            assert hello["t"] == "hello", hello
            yield Connected(app, client, hello)
        finally:
            await client.close()


async def approved_client(host: HostProcess, answer: str = "y") -> tuple[ProximClient, dict[str, Any]]:
    """A real client paired with a host process, approved at its console prompt with ``answer``, its control channel
    open; and the host's ``hello`` on it."""
    client = ProximClient(await asyncio.to_thread(host.next_link))
    await client.start()
    await asyncio.to_thread(host.wait_for, r"Approve connection from .+\? \[y/N\]")
    host.send(answer)
    await client.wait_connected(15)
    hello = await asyncio.wait_for(client.control_messages.get(), 5)
    assert hello["t"] == "hello", hello
    return client, hello


async def until(condition: Callable[[], T | None], timeout: float, what: str) -> T:
    """``condition()``'s first truthy value, polled on the loop until ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.02)


class XState:
    """What the X server says is pressed and where the pointer is, read on a connection of our own."""

    def __init__(self, display_name: str) -> None:
        self.display = xdisplay.Display(display_name)

    def pointer(self) -> tuple[int, int]:
        reply = self.display.screen().root.query_pointer()
        return int(reply.root_x), int(reply.root_y)

    def pressed_keycodes(self) -> set[int]:
        keymap = self.display.query_keymap()
        return {byte * 8 + bit for byte, bits in enumerate(keymap) for bit in range(8) if bits & (1 << bit)}

    def button_mask(self) -> int:
        return int(self.display.screen().root.query_pointer().mask)

    def move_pointer(self, x: int, y: int) -> None:
        """The local user moves the mouse (through XTEST, as a real device's events are not to be had here)."""
        from Xlib import X
        from Xlib.ext import xtest

        xtest.fake_input(self.display, X.MotionNotify, x=x, y=y)
        self.display.sync()

    def keycode_typing(self, keysym: int) -> int:
        """The keycode whose first level types ``keysym`` now, or 0 (read afresh: the mapping changes as keycodes
        are lent)."""
        info = self.display.display.info
        first, count = info.min_keycode, info.max_keycode - info.min_keycode + 1
        mapping = self.display.get_keyboard_mapping(first, count)
        return next((first + offset for offset, syms in enumerate(mapping) if syms and syms[0] == keysym), 0)

    def keycode(self, keysym_name: str) -> int:
        from Xlib import XK

        return int(self.display.keysym_to_keycode(XK.string_to_keysym(keysym_name)))

    def close(self) -> None:
        self.display.close()
