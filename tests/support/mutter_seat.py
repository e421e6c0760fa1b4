"""The person at a headless GNOME desktop, for tests only: mutter's own RemoteDesktop and ScreenCast D-Bus API (what
gnome-remote-desktop uses; it asks nobody) moves the pointer, clicks and types, and a picture of the screen comes from
its PipeWire stream. Tests use it to answer the portal's sharing dialog as a person would; the product never does.
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

import numpy as np
import numpy.typing as npt

MUTTER_RD = "org.gnome.Mutter.RemoteDesktop"
MUTTER_SC = "org.gnome.Mutter.ScreenCast"
BTN_LEFT = 0x110


class MutterSeat:
    def __init__(self, bus_address: str) -> None:
        import gi

        gi.require_version("Gst", "1.0")
        from gi.repository import Gio, GLib, Gst

        Gst.init(None)
        self._gio, self._glib, self._gst = Gio, GLib, Gst
        self._context = GLib.MainContext.new()
        self._context.push_thread_default()
        try:
            flags = Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION
            self.bus = Gio.DBusConnection.new_for_address_sync(bus_address, flags, None, None)
            (self._rd,) = self._call(MUTTER_RD, "/org/gnome/Mutter/RemoteDesktop", MUTTER_RD, "CreateSession", None)
            session_id = self._get(MUTTER_RD, self._rd, f"{MUTTER_RD}.Session", "SessionId")
            (self._sc,) = self._call(
                MUTTER_SC, "/org/gnome/Mutter/ScreenCast", MUTTER_SC, "CreateSession",
                GLib.Variant("(a{sv})", ({"remote-desktop-session-id": GLib.Variant("s", session_id)},)),
            )  # fmt: skip
            (self._stream,) = self._call(
                MUTTER_SC, self._sc, f"{MUTTER_SC}.Session", "RecordMonitor",
                GLib.Variant("(sa{sv})", ("", {"cursor-mode": GLib.Variant("u", 1)})),
            )  # fmt: skip
            nodes: list[int] = []
            self.bus.signal_subscribe(
                MUTTER_SC, f"{MUTTER_SC}.Stream", "PipeWireStreamAdded", self._stream, None,
                Gio.DBusSignalFlags.NONE, lambda *args: nodes.append(args[-1].unpack()[0]),
            )  # fmt: skip
            self._call(MUTTER_RD, self._rd, f"{MUTTER_RD}.Session", "Start", None)
            deadline = time.monotonic() + 10
            while not nodes and time.monotonic() < deadline:
                if not self._context.iteration(False):
                    time.sleep(0.01)
            if not nodes:
                raise TimeoutError("mutter announced no screen stream")
            self.node = nodes[0]
        finally:
            self._context.pop_thread_default()
        self._lock = threading.Lock()

    def _call(self, name: str, path: str, iface: str, method: str, params: Any) -> Any:
        reply = self.bus.call_sync(name, path, iface, method, params, None, self._gio.DBusCallFlags.NONE, 10_000, None)
        return reply.unpack()

    def _get(self, name: str, path: str, iface: str, prop: str) -> Any:
        params = self._glib.Variant("(ss)", (iface, prop))
        return self._call(name, path, "org.freedesktop.DBus.Properties", "Get", params)[0]

    def _rd_call(self, method: str, signature: str, *args: Any) -> None:
        self._call(MUTTER_RD, self._rd, f"{MUTTER_RD}.Session", method, self._glib.Variant(signature, args))

    def move(self, x: float, y: float) -> None:
        self._rd_call("NotifyPointerMotionAbsolute", "(sdd)", self._stream, x, y)

    def click(self, x: float, y: float) -> None:
        self.move(x, y)
        self._rd_call("NotifyPointerButton", "(ib)", BTN_LEFT, True)
        self._rd_call("NotifyPointerButton", "(ib)", BTN_LEFT, False)

    def key(self, keysym: int) -> None:
        self._rd_call("NotifyKeyboardKeysym", "(ub)", keysym, True)
        self._rd_call("NotifyKeyboardKeysym", "(ub)", keysym, False)

    def screen(self, env: dict[str, str]) -> npt.NDArray[np.uint8]:
        """The screen as height x width x 3 RGB, read from mutter's stream in a child process with the desktop's
        environment (pipewiresrc finds PipeWire through XDG_RUNTIME_DIR)."""
        import subprocess
        import sys

        code = (
            "import sys, gi; gi.require_version('Gst', '1.0'); from gi.repository import Gst; Gst.init(None);"
            f"p = Gst.parse_launch('pipewiresrc path={self.node} ! videoconvert ! video/x-raw,format=RGB ! "
            "appsink name=s sync=false'); p.set_state(Gst.State.PLAYING);"
            "smp = p.get_by_name('s').emit('try-pull-sample', 5 * Gst.SECOND);"
            "c = smp.get_caps().get_structure(0); b = smp.get_buffer();"
            "sys.stdout.buffer.write(b'%d %d\\n' % (c.get_value('width'), c.get_value('height')));"
            "sys.stdout.buffer.write(b.extract_dup(0, b.get_size())); p.set_state(Gst.State.NULL)"
        )
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, timeout=20, check=True).stdout
        header, data = out.split(b"\n", 1)
        width, height = map(int, header.split())
        stride = len(data) // height
        return np.frombuffer(data, np.uint8).reshape(height, stride)[:, : width * 3].reshape(height, width, 3)

    def close(self) -> None:
        with contextlib.suppress(Exception):  # the compositor is gone already
            self._rd_call("Stop", "()")
        self.bus.close_sync(None)


SHARE_BLUE = np.array([53, 132, 228])
SHARE_PALE = np.array([144, 183, 231])  # the Share button while nothing is selected yet
# where things sit relative to the Share button in GNOME 43's dialog: the "Allow remote interaction" switch, and
# the monitor row of the screen-only dialog (which has a "Remember this selection" box and selects nothing at first)
SWITCH_FROM_SHARE = (-23, 200)
MONITOR_ROW_FROM_SHARE = (-212, 153)
SHARE_WIDTH = 80


def _button(screen: npt.NDArray[np.uint8], colour: npt.NDArray[np.int_]) -> tuple[int, int] | None:
    """The centre of the rightmost button-sized patch of ``colour`` (Share is the dialog's rightmost button; a
    checkbox or switch of the same blue sits further left), or None."""
    patch = np.all(np.abs(screen.astype(int) - colour) < 12, axis=2)
    ys, xs = np.nonzero(patch)
    if len(xs) < 500:
        return None
    right = xs >= xs.max() - SHARE_WIDTH
    xs, ys = xs[right], ys[right]
    return int(xs.min() + xs.max()) // 2, int(ys.min() + ys.max()) // 2


def share_button(screen: npt.NDArray[np.uint8]) -> tuple[int, int] | None:
    """The centre of the sharing dialog's blue Share button, or None when no dialog is up."""
    return _button(screen, SHARE_BLUE)


def answer_dialog(seat: MutterSeat, env: dict[str, str], allow_input: bool, timeout: float = 20.0) -> None:
    """Wait for the portal's dialog, as a person would see it, pick the monitor if none is picked, allow remote
    interaction (or not) and share."""
    deadline = time.monotonic() + timeout
    while True:
        screen = seat.screen(env)
        share = share_button(screen)
        if share is not None:
            break
        pale = _button(screen, SHARE_PALE)
        if pale is not None:
            seat.click(pale[0] + MONITOR_ROW_FROM_SHARE[0], pale[1] + MONITOR_ROW_FROM_SHARE[1])
        if time.monotonic() > deadline:
            raise TimeoutError(f"no sharing dialog on the screen within {timeout:g} s")
    if allow_input:
        switch = (share[0] + SWITCH_FROM_SHARE[0], share[1] + SWITCH_FROM_SHARE[1])
        while not _switched_on(seat, env, switch):
            if time.monotonic() > deadline:
                raise TimeoutError("the 'Allow remote interaction' switch did not turn on")
            seat.click(*switch)  # the seat's first click can be lost, as its first key is
            _switched_on(seat, env, switch, wait=2.0)
    seat.click(*share)
    while not _dialog_gone(seat, env, wait=2.0):  # still up: the click was lost, as a first one can be
        if time.monotonic() > deadline:
            raise TimeoutError("the sharing dialog stayed up after Share was clicked")
        seat.click(*share)


def _dialog_gone(seat: MutterSeat, env: dict[str, str], wait: float) -> bool:
    deadline = time.monotonic() + wait
    while share_button(seat.screen(env)) is not None:
        if time.monotonic() >= deadline:
            return False
    return True


def _switched_on(seat: MutterSeat, env: dict[str, str], switch: tuple[int, int], wait: float = 0.0) -> bool:
    """Whether the switch shows on (its track turns blue where the knob sat), waiting up to ``wait`` for it."""
    x, y = switch
    deadline = time.monotonic() + wait
    while True:
        red, _, blue = seat.screen(env)[y, x - 10].astype(int)
        if blue - red > 100 or time.monotonic() >= deadline:
            return bool(blue - red > 100)
