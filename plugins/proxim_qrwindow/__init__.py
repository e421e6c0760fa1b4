"""The pairing window: a large QR code, the link, a countdown, the access levels and Reject while a device asks, and
the access levels while a session runs.

Two toolkits draw it: GTK on Linux (with a GTK tray it shares the tray's GTK main loop; with another tray, the X11
fallback, it runs GTK on a thread of its own), and Tk where GTK is absent (Windows, macOS, a Linux without PyGObject),
in a child process (tk_window.py). ``--pairing-window gtk|tk`` chooses one. In console mode it stays off, since the
terminal shows the QR code. It opens when the person asks (the tray, a second launch, ``proxim show``), not at
startup, and follows each renewed link while it is open. Behind a tray without menus it also opens for each request,
since it is where requests are decided there."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import importlib.util
import logging
import sys
import threading
from collections.abc import Callable
from typing import Any

from proxim_qrwindow.host import WindowHost
from proxim_qrwindow.tk_host import TkWindowHost
from proxim_tray import ApprovalRequest, Pairing, Session, gtk, hookimpl
from proxim_tray.app import App
from proxim_tray.approval import ACCESS_LEVELS
from proxim_tray.config import HostConfig
from proxim_tray.tray import MenuItem

__version__ = "0.1.0"

logger = logging.getLogger(__name__)

GTK_TRAY_BACKENDS = ("gtk", "appindicator")
MENU_TRAY_BACKENDS = (*GTK_TRAY_BACKENDS, "win32", "darwin")
TOOLKITS = ("auto", "gtk", "tk")
SETTING = "pairing_window"


class GtkWindowHost(WindowHost):
    """Owns the GTK window and the thread it lives on; every call from the loop goes through :meth:`on_window`."""

    def __init__(self, own_main_loop: bool) -> None:
        from gi.repository import GLib

        self._glib = GLib
        self._window: Any = None
        self._main_loop: Any = None
        # behind a tray without menus (the X11 fallback) the window is where requests are decided: it opens for them
        self.opens_for_requests = own_main_loop
        if own_main_loop:
            self._main_loop = GLib.MainLoop()
            threading.Thread(target=self._main_loop.run, name="proxim-gtk", daemon=True).start()

    def on_window(self, action: Callable[[Any], object]) -> None:
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

    def close(self) -> None:
        def destroy(window: Any) -> None:
            window.destroy()
            if self._main_loop is not None:
                self._main_loop.quit()

        self.on_window(destroy)


_hosts: dict[int, WindowHost] = {}


def toolkit(wanted: str, platform: str, has: Callable[[str], bool]) -> str | None:
    """The toolkit to draw the window with: the one ``wanted``, or for ``auto`` GTK on Linux where PyGObject is
    installed and Tk elsewhere; None when the one needed is missing."""
    if wanted == "auto":
        wanted = "gtk" if platform == "linux" and has("gi") else "tk"
    return wanted if has("gi" if wanted == "gtk" else "tkinter") else None


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


@hookimpl
def proxim_add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--pairing-window",
        choices=TOOLKITS,
        default="auto",
        help="toolkit of the pairing window: auto (GTK on Linux where installed, else Tk), gtk or tk",
    )


@hookimpl
def proxim_configure(config: HostConfig, args: argparse.Namespace) -> None:
    config.plugin_settings[SETTING] = getattr(args, "pairing_window", "auto")


@hookimpl
def proxim_startup(app: App) -> None:
    if app.tray is None:
        return
    wanted = str(app.config.plugin_settings.get(SETTING, "auto"))
    chosen = toolkit(wanted, sys.platform, _installed)
    without_gtk = gtk.missing()
    if without_gtk and wanted == "auto":
        logger.warning("the pairing window is %s: %s", "Tk's" if chosen == "tk" else "off", without_gtk)
    tray_backend = getattr(app.tray, "backend", None)
    try:
        if chosen == "gtk":
            _hosts[id(app)] = GtkWindowHost(own_main_loop=tray_backend not in GTK_TRAY_BACKENDS)
        elif chosen == "tk":
            _hosts[id(app)] = TkWindowHost(opens_for_requests=tray_backend not in MENU_TRAY_BACKENDS)
        else:
            logger.warning("no pairing window: %s is not installed", "PyGObject (GTK)" if wanted == "gtk" else "Tk")
    except Exception as exc:
        logger.warning("no pairing window: %s is unavailable (%s)", chosen, exc)


@hookimpl
def proxim_shutdown(app: App) -> None:
    host = _hosts.pop(id(app), None)
    if host is not None:
        host.close()


@hookimpl
def proxim_show_pairing(app: App, pairing: Pairing) -> None:
    host = _hosts.get(id(app))
    if host is not None:
        host.show_pairing(pairing)


@hookimpl
def proxim_hide_pairing(app: App, pairing: Pairing) -> None:
    host = _hosts.get(id(app))
    if host is not None:
        host.on_window(lambda window: window.link_used())


@hookimpl
def proxim_pairing_unavailable(app: App, reason: str) -> None:
    host = _hosts.get(id(app))
    if host is not None:
        host.on_window(lambda window: window.no_link(reason))


@hookimpl
async def proxim_request_approval(app: App, request: ApprovalRequest) -> None:
    host = _hosts.get(id(app))
    if host is None:
        return
    device = request.device
    text = (
        f"{device.quoted_name} at {device.address} asks to connect.\n"
        f"Verification code {request.code[:3]} {request.code[3:]}: the device shows the same digits."
    )
    choices: list[tuple[str, Callable[[], object]]] = [
        *(
            (level.button, functools.partial(request.approve, level.permissions, by="window"))
            for level in ACCESS_LEVELS
        ),
        ("Reject", lambda: request.reject(by="window")),
    ]
    host.on_window(lambda window: window.show_request(text, choices, present=host.opens_for_requests))
    task = asyncio.get_running_loop().create_task(_clear_when_decided(host, request))
    _waiting.add(task)
    task.add_done_callback(_waiting.discard)


_waiting: set[asyncio.Task[None]] = set()


@hookimpl
def proxim_session_started(app: App, session: Session) -> None:
    """While the session runs the window offers the access levels, so the grant can change from here too."""
    host = _hosts.get(id(app))
    if host is None:
        return
    text = f"{session.device.quoted_name} at {session.device.address} is connected. Change what it may do:"
    choices: list[tuple[str, Callable[[], object]]] = [
        (level.label, functools.partial(app.grant_soon, level.permissions)) for level in ACCESS_LEVELS
    ]
    host.on_window(lambda window: window.show_request(text, choices, present=False))


@hookimpl
def proxim_session_ended(app: App, session: Session, reason: str) -> None:
    host = _hosts.get(id(app))
    if host is not None:
        host.on_window(lambda window: window.clear_request())


async def _clear_when_decided(host: WindowHost, request: ApprovalRequest) -> None:
    with contextlib.suppress(asyncio.CancelledError):  # withdrawn: the device left or the host stops
        await request.decided()
    host.on_window(lambda window: window.clear_request())


@hookimpl
def proxim_tray_menu_items(app: App) -> list[MenuItem]:
    host, pairing = _hosts.get(id(app)), app.sessions.pairing
    if host is None or pairing is None:
        return []
    return [MenuItem("Show pairing QR code", lambda: host.show_pairing(pairing))]
