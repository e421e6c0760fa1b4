"""The pairing window: a large QR code, the link, a countdown, the access levels and Reject while a device asks, and
the access levels while a session runs.

With a GTK tray it shares the tray's GTK main loop; with another tray (the X11 fallback) it runs GTK on a thread of
its own; in console mode it stays off, since the terminal shows the QR code. It opens when the person asks (the tray,
a second launch, ``proxim show``), not at startup, and follows each renewed link while it is open. Behind a tray
without menus it also opens for each request, since it is where requests are decided there."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import sys
import threading
from collections.abc import Callable
from typing import Any

from proxim_tray import ACCESS_LEVELS, ApprovalRequest, Grant, Host, MenuItem, Pairing, Session, hookimpl

__version__ = "0.1.0"

logger = logging.getLogger(__name__)

GTK_TRAY_BACKENDS = ("gtk", "appindicator")


class WindowHost:
    """Owns the window and the thread it lives on; every call from the loop goes through :meth:`on_gtk`."""

    def __init__(self, own_main_loop: bool) -> None:
        from gi.repository import GLib

        self._glib = GLib
        self._window: Any = None
        self._pairing: Pairing | None = None
        self._main_loop: Any = None
        # behind a tray without menus (the X11 fallback) the window is where requests are decided: it opens for them
        self.opens_for_requests = own_main_loop
        if own_main_loop:
            self._main_loop = GLib.MainLoop()
            threading.Thread(target=self._main_loop.run, name="proxim-gtk", daemon=True).start()

    def on_gtk(self, action: Callable[[Any], object]) -> None:
        def once() -> bool:
            try:
                if self._window is None:
                    from proxim_qrwindow.window import PairingWindow

                    self._window = PairingWindow()
                action(self._window)
            except Exception:
                logger.exception("the pairing window failed")
            return False

        self._glib.idle_add(once)

    def show_pairing(self, pairing: Pairing) -> None:
        asked_again = pairing is self._pairing
        self._pairing = pairing
        self.on_gtk(
            lambda window: window.show_link(
                pairing.url, pairing.alternative_urls, pairing.expires_at, asked_again or window.visible
            )
        )

    def close(self) -> None:
        def destroy(window: Any) -> None:
            window.destroy()
            if self._main_loop is not None:
                self._main_loop.quit()

        self.on_gtk(destroy)


def _gtk_mode(app: Host) -> str | None:
    """``shared`` (the tray runs GTK), ``own`` (GTK on our thread) or None (no window here)."""
    if app.tray is None or sys.platform != "linux":
        return None
    return "shared" if getattr(app.tray, "backend", None) in GTK_TRAY_BACKENDS else "own"


def _approve(request: ApprovalRequest, permissions: Grant) -> None:
    request.approve(permissions | request.ticked, by="window")


async def _clear_when_decided(host: WindowHost, request: ApprovalRequest) -> None:
    with contextlib.suppress(asyncio.CancelledError):  # withdrawn: the device left or the host stops
        await request.decided()
    host.on_gtk(lambda window: window.clear_request())


class QrWindowPlugin:
    """The plugin object (one per host): its window, and the requests waiting to be cleared from it."""

    def __init__(self) -> None:
        self.host: WindowHost | None = None
        self.waiting: set[asyncio.Task[None]] = set()

    @hookimpl
    def proxim_startup(self, app: Host) -> None:
        mode = _gtk_mode(app)
        if mode is None:
            return
        try:
            self.host = WindowHost(own_main_loop=mode == "own")
        except Exception as exc:
            logger.warning("no pairing window: GTK is unavailable (%s)", exc)

    @hookimpl
    def proxim_shutdown(self, app: Host) -> None:
        host, self.host = self.host, None
        if host is not None:
            host.close()

    @hookimpl
    def proxim_show_pairing(self, app: Host, pairing: Pairing) -> None:
        host = self.host
        if host is not None:
            host.show_pairing(pairing)

    @hookimpl
    def proxim_hide_pairing(self, app: Host, pairing: Pairing) -> None:
        host = self.host
        if host is not None:
            host.on_gtk(lambda window: window.link_used())

    @hookimpl
    def proxim_pairing_unavailable(self, app: Host, reason: str) -> None:
        host = self.host
        if host is not None:
            host.on_gtk(lambda window: window.no_link(reason))

    @hookimpl
    async def proxim_request_approval(self, app: Host, request: ApprovalRequest) -> None:
        host = self.host
        if host is None:
            return
        device = request.device
        text = (
            f"{device.quoted_name} at {device.address} asks to connect.\n"
            f"Verification code {request.code[:3]} {request.code[3:]}: the device shows the same digits."
        )
        choices: list[tuple[str, Callable[[], object]]] = [
            *((level.button, functools.partial(_approve, request, level.permissions)) for level in ACCESS_LEVELS),
            ("Reject", lambda: request.reject(by="window")),
        ]
        # a plugin permission is off unless ticked
        checks = [
            (f"Also allow: {spec.label}", False, functools.partial(request.tick, spec.name))
            for spec in request.optional
        ]
        host.on_gtk(lambda window: window.show_request(text, choices, host.opens_for_requests, checks))
        task = asyncio.get_running_loop().create_task(_clear_when_decided(host, request))
        self.waiting.add(task)
        task.add_done_callback(self.waiting.discard)

    @hookimpl
    def proxim_session_started(self, app: Host, session: Session) -> None:
        """While the session runs the window offers the access levels, so the grant can change from here too."""
        host = self.host
        if host is None:
            return
        text = f"{session.device.quoted_name} at {session.device.address} is connected. Change what it may do:"
        choices: list[tuple[str, Callable[[], object]]] = [
            (level.label, functools.partial(app.set_access_soon, level)) for level in ACCESS_LEVELS
        ]
        checks = [
            (
                f"Allow: {spec.label}",
                spec.name in session.permissions,
                functools.partial(app.toggle_permission_soon, spec.name),
            )
            for spec in app.permissions.optional()
        ]
        host.on_gtk(lambda window: window.show_request(text, choices, False, checks))

    @hookimpl
    def proxim_session_ended(self, app: Host, session: Session, reason: str) -> None:
        host = self.host
        if host is not None:
            host.on_gtk(lambda window: window.clear_request())

    @hookimpl
    def proxim_tray_menu_items(self, app: Host) -> list[MenuItem]:
        host, pairing = self.host, app.sessions.pairing
        if host is None or pairing is None:
            return []
        return [MenuItem("Show pairing QR code", lambda: host.show_pairing(pairing))]
