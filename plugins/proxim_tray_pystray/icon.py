"""A pystray icon whose picture and menu follow the host's state."""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PIL import Image

from proxim_tray import doctor, gtk
from proxim_tray.errors import BackendUnavailable
from proxim_tray.tray import MenuItem, Tray
from proxim_tray_pystray.drawing import draw_icon
from proxim_tray_pystray.menu import settings_items, show_pairing, status_items
from proxim_tray_pystray.states import DESCRIPTIONS, TrayState, tray_state

if TYPE_CHECKING:
    from proxim_tray.app import App

logger = logging.getLogger(__name__)

# pystray's GTK backends reset SIGINT to the default (killing the host uncleanly) once their loop starts
GTK_BACKENDS = ("gtk", "appindicator")
# seconds the X11 icon's loop gets to end by itself once its window is destroyed
XORG_STOP_BACKSTOP = 1.0


@functools.cache
def icon_image(state: TrayState) -> Image.Image:
    return draw_icon(state)


def sharing_problem(app: App) -> str | None:
    """Why the screen cannot be shared here (Wayland, no display, no capture backend), or None."""
    kind, advice = doctor.display_server()
    if advice:
        return f"{kind}: {advice}"
    try:
        capture = app.capture_sources.create(app.config.capture, app.config)
    except BackendUnavailable as exc:
        return str(exc)
    try:
        return capture.unavailable_reason()
    finally:
        capture.close()


class PystrayTray(Tray):
    def __init__(self, app: App) -> None:
        self._app = app
        self._icon: Any = None
        self._problem: str | None = None

    def unavailable_reason(self) -> str | None:
        if sys.platform == "linux" and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            return "no display"
        _avoid_missing_typelibs()
        try:
            import pystray  # noqa: F401 - Xlib raises its own error, not ImportError, without a display
        except Exception as exc:
            return f"pystray cannot start: {exc}"
        return None

    @property
    def backend(self) -> str:
        """pystray's backend module: ``_gtk``, ``_appindicator``, ``_xorg``, ``_darwin`` or ``_win32``."""
        import pystray

        return str(pystray.Icon.__module__).rsplit(".", 1)[-1].lstrip("_")

    def run(self, on_ready: Callable[[], None]) -> None:
        import pystray

        self._problem = sharing_problem(self._app)
        if self._problem:
            logger.warning("sharing cannot work here: %s", self._problem)
        state = self._state()
        self._icon = pystray.Icon("proxim", icon_image(state), self._title(state), menu=pystray.Menu(self._menu))
        if not pystray.Icon.HAS_MENU:
            logger.info("this tray (%s) has no menus: click the icon for the pairing QR code", self.backend)
            without_gtk = gtk.missing()
            if without_gtk:
                logger.warning("%s", without_gtk)
            _listen_for_clicks(self._icon)

        sigint_handler = signal.getsignal(signal.SIGINT)

        def setup(icon: Any) -> None:
            icon.visible = True
            if self.backend in GTK_BACKENDS:
                _on_gtk_thread(lambda: signal.signal(signal.SIGINT, sigint_handler))
            on_ready()

        self._icon.run(setup=setup)

    def _state(self) -> TrayState:
        return tray_state(self._app, unavailable=self._problem is not None)

    @staticmethod
    def _title(state: TrayState) -> str:
        return f"Proxim: {DESCRIPTIONS[state]}"

    def _menu(self) -> Any:
        import pystray

        groups = [status_items(self._app, self._state(), self._problem)]
        groups += [group for group in self._app.plugins.call_sync("proxim_tray_menu_items", app=self._app) if group]
        groups.append(settings_items(self._app))
        entries: list[Any] = [
            pystray.MenuItem("Show pairing QR code", lambda: show_pairing(self._app), default=True, visible=False)
        ]
        for group in groups:
            if len(entries) > 1:
                entries.append(pystray.Menu.SEPARATOR)
            entries += [self._to_pystray(pystray, item) for item in group]
        return entries

    @staticmethod
    def _to_pystray(pystray: Any, item: MenuItem) -> Any:
        action = item.action

        def activate(icon: Any, menu_item: Any) -> None:
            if action is not None:
                action()

        checked = None if item.checked is None else (lambda _: bool(item.checked))
        return pystray.MenuItem(item.text, activate, enabled=item.enabled, checked=checked)

    def refresh(self) -> None:
        icon = self._icon
        if icon is None:
            return
        state = self._state()
        icon.icon = icon_image(state)
        icon.title = self._title(state)
        icon.update_menu()

    def stop(self) -> None:
        icon = self._icon
        if icon is None:
            return
        if self.backend == "xorg":
            _destroy_xorg_window(icon)
            backstop = threading.Timer(XORG_STOP_BACKSTOP, _close_xorg_connection, args=(icon,))
            backstop.daemon = True  # a loop that ended in time lets the process exit at once
            backstop.start()
            return
        try:
            icon.stop()
        except Exception:  # GTK raises here when no notification daemon answers; the loop has stopped anyway
            logger.debug("the tray icon raised while stopping", exc_info=True)


def _avoid_missing_typelibs() -> None:
    """pystray tries AppIndicator, then GTK, then X11, but moves on only past an ImportError: a PyGObject without the
    AppIndicator or GTK typelib (gir1.2-ayatanaappindicator3-0.1, gir1.2-gtk-3.0) raises ValueError, and then there
    would be no tray at all. Choose the best backend whose typelibs are here instead."""
    if sys.platform != "linux" or os.environ.get("PYSTRAY_BACKEND") or gtk.missing():
        return
    import gi

    try:
        gi.require_version("Gtk", "3.0")
    except ValueError:
        os.environ["PYSTRAY_BACKEND"] = "xorg"
        return
    for namespace in ("AppIndicator3", "AyatanaAppIndicator3"):
        with contextlib.suppress(ValueError):
            gi.require_version(namespace, "0.1")
            return
    os.environ["PYSTRAY_BACKEND"] = "gtk"


def _on_gtk_thread(action: Callable[[], object]) -> None:
    """Run ``action`` once on the thread of GTK's main loop (the main thread)."""
    from gi.repository import GLib

    def once() -> bool:
        action()
        return False

    GLib.idle_add(once)


def _listen_for_clicks(icon: Any) -> None:
    """pystray's X11 icon never asks for button events, so clicks are lost (pystray#151): ask for them."""
    import Xlib.X

    window = getattr(icon, "_window", None)
    if window is not None:
        window.change_attributes(event_mask=Xlib.X.ExposureMask | Xlib.X.StructureNotifyMask | Xlib.X.ButtonPressMask)
        icon._display.flush()


def _close_xorg_connection(icon: Any) -> None:
    """Wake the X11 icon's loop by closing its connection under it. Its window's DestroyNotify is sometimes never
    read (about 1 run in 8 here: the icon's connection is shared with other threads), and then the loop would wait
    for X events forever and Ctrl+C or Quit would not end Proxim."""
    icon._log.disabled = True  # the loop reports the closed connection as an error; here it is the way out
    with contextlib.suppress(OSError):
        icon._display.display.socket.shutdown(socket.SHUT_RDWR)


def _destroy_xorg_window(icon: Any) -> None:
    """End the X11 icon's loop from any thread: destroy its window through a connection of our own, since the
    icon's connection belongs to the main thread (stopping through it from another thread can hang)."""
    import Xlib.display

    display = Xlib.display.Display()
    try:
        display.create_resource_object("window", icon._window.id).destroy()
        display.flush()
    finally:
        display.close()
