"""xdg-desktop-portal over D-Bus with Gio: method calls, the Request/Response pattern, and file descriptors.

A portal method that asks the user returns a Request object path at once; the answer comes later as that Request's
``Response`` signal. The signal is subscribed before the call (its path is predictable from the handle token), and is
delivered on a GLib main loop that runs on a thread of its own, so callers simply block on the answer.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
from typing import Any

from proxim_tray.errors import BackendUnavailable

PORTAL_NAME = "org.freedesktop.portal.Desktop"
PORTAL_PATH = "/org/freedesktop/portal/desktop"
SCREENCAST = "org.freedesktop.portal.ScreenCast"
REMOTE_DESKTOP = "org.freedesktop.portal.RemoteDesktop"
CALL_TIMEOUT_MS = 10_000

_tokens = itertools.count(1)


def token() -> str:
    return f"proxim{os.getpid()}_{next(_tokens)}"


class PortalCancelled(BackendUnavailable):
    """The user (or the desktop) answered the portal's dialog with no."""


class Portal:
    """One connection to the session bus and the thread that receives its signals."""

    def __init__(self) -> None:
        import gi

        gi.require_version("Gio", "2.0")
        from gi.repository import Gio, GLib

        self._gio, self._glib = Gio, GLib
        self._context = GLib.MainContext.new()
        self._loop = GLib.MainLoop.new(self._context, False)
        self._context.push_thread_default()
        try:
            address = Gio.dbus_address_get_for_bus_sync(Gio.BusType.SESSION, None)
            flags = Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION
            self.bus = Gio.DBusConnection.new_for_address_sync(address, flags, None, None)
        except GLib.Error as exc:
            raise BackendUnavailable(f"no session D-Bus ({exc.message}); run Proxim inside a desktop session") from exc
        finally:
            self._context.pop_thread_default()
        self._thread = threading.Thread(target=self._run, name="proxim-portal-dbus", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        self._context.push_thread_default()  # signals subscribed from this thread are delivered here
        try:
            self._loop.run()
        finally:
            self._context.pop_thread_default()

    @property
    def sender(self) -> str:
        """This connection's unique name as it appears in Request paths (":1.42" -> "1_42")."""
        name: str = self.bus.get_unique_name()
        return name[1:].replace(".", "_")

    def variant(self, signature: str, value: Any) -> Any:
        return self._glib.Variant(signature, value)

    def call(
        self, interface: str, method: str, signature: str | None, args: tuple[Any, ...], fds: list[int] | None = None
    ) -> tuple[Any, list[int]]:
        """Call a portal method; return its unpacked reply and the file descriptors that came with it."""
        Gio, GLib = self._gio, self._glib
        params = GLib.Variant(signature, args) if signature else None
        fd_list = Gio.UnixFDList.new_from_array(fds) if fds else None
        try:
            reply, out_fds = self.bus.call_with_unix_fd_list_sync(
                PORTAL_NAME, PORTAL_PATH, interface, method, params, None, Gio.DBusCallFlags.NONE,
                CALL_TIMEOUT_MS, fd_list, None,
            )  # fmt: skip
        except GLib.Error as exc:
            raise BackendUnavailable(f"the desktop portal refused {method}: {exc.message}") from exc
        return reply.unpack(), (out_fds.steal_fds() if out_fds is not None else [])

    def property(self, interface: str, name: str) -> Any:
        GLib = self._glib
        try:
            reply = self.bus.call_sync(
                PORTAL_NAME, PORTAL_PATH, "org.freedesktop.DBus.Properties", "Get",
                GLib.Variant("(ss)", (interface, name)), None, self._gio.DBusCallFlags.NONE, CALL_TIMEOUT_MS, None,
            )  # fmt: skip
        except GLib.Error as exc:
            raise BackendUnavailable(f"the desktop portal does not offer {interface}: {exc.message}") from exc
        return reply.unpack()[0]

    def request(
        self, interface: str, method: str, signature: str, args: tuple[Any, ...], timeout: float
    ) -> dict[str, Any]:
        """Call a method that answers through a Request; return the Response's results, or raise PortalCancelled."""
        handle = token()
        path = f"{PORTAL_PATH}/request/{self.sender}/{handle}"
        answered = threading.Event()
        answer: list[tuple[int, dict[str, Any]]] = []

        def on_response(_bus: Any, _sender: Any, _path: Any, _iface: Any, _signal: Any, params: Any) -> None:
            answer.append(params.unpack())
            answered.set()

        subscription = self._subscribe("org.freedesktop.portal.Request", "Response", path, on_response)
        try:
            options = dict(args[-1])
            options["handle_token"] = self.variant("s", handle)
            self.call(interface, method, signature, (*args[:-1], options))
            if not answered.wait(timeout):
                self._close_request(path)
                raise PortalCancelled(f"the desktop's sharing dialog got no answer within {timeout:g} s")
        finally:
            self.bus.signal_unsubscribe(subscription)
        code, results = answer[0]
        if code == 1:
            raise PortalCancelled("the person at this computer cancelled the desktop's sharing dialog")
        if code != 0:
            raise PortalCancelled(
                f"the desktop's portal failed at {method} (response {code}: an error on its side; its log says why, "
                "for example journalctl --user -u 'xdg-desktop-portal*')"
            )
        return results

    def _close_request(self, path: str) -> None:
        with contextlib.suppress(self._glib.Error):  # already answered or gone
            self.bus.call_sync(
                PORTAL_NAME, path, "org.freedesktop.portal.Request", "Close", None, None,
                self._gio.DBusCallFlags.NONE, CALL_TIMEOUT_MS, None,
            )  # fmt: skip

    def on_session_closed(self, session_path: str, callback: Any) -> int:
        """Call ``callback()`` (on the D-Bus thread) when the portal closes the session (the user stopped sharing)."""
        return self._subscribe("org.freedesktop.portal.Session", "Closed", session_path, lambda *_args: callback())

    def _subscribe(self, interface: str, signal: str, path: str, handler: Any) -> int:
        """Subscribe from the D-Bus thread, so that the signal is delivered there (GLib delivers a signal in the
        main context that was the thread's default when it was subscribed)."""
        done = threading.Event()
        subscription: list[int] = []

        def subscribe() -> bool:
            subscription.append(
                # any sender: GDBus may not match a well-known sender name to the unique name signals come from
                self.bus.signal_subscribe(None, interface, signal, path, None, self._gio.DBusSignalFlags.NONE, handler)
            )
            done.set()
            return False  # once

        self._context.invoke_full(self._glib.PRIORITY_DEFAULT, subscribe)
        if not done.wait(CALL_TIMEOUT_MS / 1000):
            raise BackendUnavailable("the D-Bus thread of the desktop portal connection does not respond")
        return subscription[0]

    def close_session(self, session_path: str, subscription: int | None) -> None:
        if subscription is not None:
            self.bus.signal_unsubscribe(subscription)
        with contextlib.suppress(self._glib.Error):  # the portal closed it already
            self.bus.call_sync(
                PORTAL_NAME, session_path, "org.freedesktop.portal.Session", "Close", None, None,
                self._gio.DBusCallFlags.NONE, CALL_TIMEOUT_MS, None,
            )  # fmt: skip

    def close(self) -> None:
        self._loop.quit()
        self._thread.join(2)
        self.bus.close_sync(None)
