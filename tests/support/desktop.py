"""A small real desktop for tray, notification and window tests: its own Xvfb, a private session D-Bus with a
notification server, trayer as the system tray, and the host run with its tray as a real process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import mss
import pytest
import zxingcpp
from PIL import Image
from Xlib import X
from Xlib import display as xdisplay
from Xlib.error import XError

from tests.support.processes import ROOT, LineProcess, child_env, free_port
from tests.support.xserver import start_xvfb

T = TypeVar("T")
DOCS_IMAGES = ROOT / "docs" / "images"
SCREEN = (1024, 600)
TRAY_HEIGHT = 32


def poll(condition: Callable[[], T | None], timeout: float, what: str, every: float = 0.05) -> T:
    """``condition()``'s first truthy value, checked until ``timeout``; a clear failure otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)


class NotificationServer(LineProcess):
    def __init__(self, env: dict[str, str], *options: str) -> None:
        super().__init__([sys.executable, str(Path(__file__).with_name("notification_server.py")), *options], env=env)
        self.next("ready")

    def next(self, event: str, timeout: float = 10.0) -> dict[str, Any]:
        found: dict[str, Any] = json.loads(self.wait_for(rf'"event": "{event}"', timeout).string)
        return found

    def invoke(self, notification_id: int, action: str) -> None:
        self.send(f"invoke {notification_id} {action}")
        self.next("invoked")


class Desktop:
    """Xvfb + session bus + notification server + trayer, all started here and ended by PID."""

    def __init__(self, workdir: Path, with_tray: bool = True, notification_daemon: str = "recorder") -> None:
        self.workdir = workdir
        self._procs: list[subprocess.Popen[Any]] = []
        self.display = self._start_xvfb()
        self.bus = self._start_bus()
        home = workdir / "home"
        self.env = child_env(
            DISPLAY=self.display,
            DBUS_SESSION_BUS_ADDRESS=self.bus,
            XDG_CONFIG_HOME=str(home / "config"),
            XDG_RUNTIME_DIR=str(home / "runtime"),
            NO_AT_BRIDGE="1",
            GDK_BACKEND="x11",
        )
        for name in ("WAYLAND_DISPLAY", "PROXIM_CONFIG"):
            self.env.pop(name, None)
        (home / "runtime").mkdir(parents=True, exist_ok=True, mode=0o700)
        # "recorder": tests/support/notification_server.py, which reports calls and clicks buttons ("recorder
        # --no-actions": one without buttons); "dunst": the real daemon, which draws notifications on the screen
        self.notifications: NotificationServer | None = None
        if notification_daemon == "dunst":
            self._spawn(["dunst"], env=self.env)
            poll(self._notifications_on_bus, 10, "dunst on the session bus")
        else:
            self.notifications = NotificationServer(self.env, *notification_daemon.split()[1:])
        self._x = xdisplay.Display(self.display)
        if with_tray:
            self._spawn(
                [
                    "trayer",
                    "--edge",
                    "top",
                    "--align",
                    "left",
                    "--widthtype",
                    "request",
                    "--height",
                    str(TRAY_HEIGHT),
                    "--SetDockType",
                    "false",
                    "--transparent",
                    "false",
                    "--tint",
                    "0xffffff",
                ],
                env=self.env,
            )

    def _spawn(self, argv: list[str], **kwargs: Any) -> subprocess.Popen[Any]:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)
        self._procs.append(proc)
        return proc

    def _notifications_on_bus(self) -> bool:
        reply = subprocess.run(
            [
                "dbus-send",
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus.NameHasOwner",
                "string:org.freedesktop.Notifications",
            ],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        return "boolean true" in reply.stdout

    def _start_xvfb(self) -> str:
        proc, display = start_xvfb(*SCREEN)
        self._procs.append(proc)
        return display

    def _start_bus(self) -> str:
        proc = self._spawn(
            ["dbus-daemon", "--session", "--nofork", "--print-address=1"], stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None
        return str(proc.stdout.readline().strip())

    def close(self) -> None:
        if self.notifications is not None:
            self.notifications.stop()
        self._x.close()
        for proc in reversed(self._procs):
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    # -- looking at the screen ----------------------------------------------------------------------------------

    def screenshot(self, box: tuple[int, int, int, int] | None = None) -> Image.Image:
        left, top, width, height = box or (0, 0, *SCREEN)
        # a window may reach past the screen's edge (or be moving): grab only what is on the screen
        left, top = max(0, left), max(0, top)
        width, height = min(width, SCREEN[0] - left), min(height, SCREEN[1] - top)
        with mss.MSS(display=self.display) as grabber:
            shot = grabber.grab({"left": left, "top": top, "width": width, "height": height})
        return Image.frombytes("RGB", shot.size, shot.bgra, "raw", "BGRX")

    def tray_area(self) -> Image.Image:
        return self.screenshot((0, 0, TRAY_HEIGHT, TRAY_HEIGHT))

    def _windows(self) -> list[tuple[str, bool, tuple[int, int, int, int]]]:
        """Mapped top-level windows: (title, override-redirect, (x, y, width, height)); windows that vanish while
        being looked at are skipped."""
        found = []
        for window in self._x.screen().root.query_tree().children:
            try:
                attributes = window.get_attributes()
                if attributes.map_state != X.IsViewable:
                    continue
                geometry = window.get_geometry()
                title = str(window.get_wm_name() or "")
            except XError:
                continue
            box = (geometry.x, geometry.y, geometry.width, geometry.height)
            found.append((title, bool(attributes.override_redirect), box))
        return found

    def popups(self) -> list[tuple[int, int, int, int]]:
        """Mapped override-redirect windows bigger than a tooltip's corner (menus, notifications)."""
        return [box for _, override, box in self._windows() if override and box[2] > 20 and box[3] > 20]

    def top_level_windows(self, name: str) -> list[tuple[int, int, int, int]]:
        """Mapped top-level windows whose title contains ``name``."""
        return [box for title, _, box in self._windows() if name in title]

    def keys_down(self) -> list[int]:
        """Keycodes the X server has down right now, whoever pressed them."""
        keymap = self._x.query_keymap()
        return [8 * index + bit for index, byte in enumerate(keymap) for bit in range(8) if byte >> bit & 1]

    # -- acting as the person at the host ----------------------------------------------------------------------

    def xdotool(self, *args: str) -> None:
        subprocess.run(["xdotool", *args], env=self.env, check=True, timeout=10)

    def click(self, x: int, y: int, button: int = 1) -> None:
        self.xdotool("mousemove", str(x), str(y), "click", str(button))

    def choose_from_tray_menu(self, position: int) -> None:
        """Right-click the tray icon, then pick the ``position``-th item that can be chosen (from 1), as a person
        using the keyboard in the menu would: disabled items and separators are skipped."""
        before = set(self.popups())
        self.click(TRAY_HEIGHT // 2, TRAY_HEIGHT // 2, button=3)
        poll(lambda: set(self.popups()) - before, 10, "the tray menu to open")
        self.xdotool("key", *["Down"] * position, "Return")
        poll(lambda: not (set(self.popups()) - before), 10, "the tray menu to close")


class TrayHost(LineProcess):
    """``proxim host`` with its tray, on the desktop's display and bus."""

    def __init__(self, desktop: Desktop, *extra: str, port: int | None = None) -> None:
        self.port = port or free_port()
        self.qr_png = desktop.workdir / f"pairing-{self.port}.png"
        argv = [
            sys.executable,
            "-m",
            "proxim_tray",
            "host",
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--advertise-addr",
            "127.0.0.1",
            "--qr-png",
            str(self.qr_png),
            "-v",
            *extra,
        ]
        self.log = desktop.workdir / f"host-{self.port}.log"
        super().__init__(argv, env=desktop.env, stderr_path=self.log)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_in_log(self, text: str, timeout: float = 15.0) -> None:
        poll(lambda: text in self.log_text(), timeout, f"{text!r} in the host's log")


QR_CODE = zxingcpp.BarcodeFormat.QRCode


def qr_texts(image: Image.Image) -> list[str]:
    """The text of every QR code in ``image`` (QR codes only: zxing once read an ITF barcode inside a QR code)."""
    return [str(code.text) for code in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormats(QR_CODE))]


def qr_code(path: Path) -> str | None:
    """The text of the QR code in the PNG at ``path``, or None while there is none."""
    try:
        results = qr_texts(Image.open(path))
    except OSError:
        return None
    return results[0] if results else None


def link_of(host: TrayHost, previous: str | None = None) -> str:
    def decoded() -> str | None:
        text = qr_code(host.qr_png)
        return text if text != previous else None

    return poll(decoded, 15, "a pairing QR code")


def port_is_free(port: int) -> bool:
    """A new host could listen on ``port`` (as servers do, it ignores connections lingering in TIME_WAIT)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def save_screenshot(image: Image.Image, artifacts: Path, name: str) -> None:
    """Keep a screenshot with the test's artifacts; with PROXIM_UPDATE_DOCS_IMAGES=1 also as the README's picture."""
    image.save(artifacts / name)
    if os.environ.get("PROXIM_UPDATE_DOCS_IMAGES") == "1":
        image.save(DOCS_IMAGES / name)


def proxim_command(desktop: Desktop, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "proxim_tray", *args],
        env=desktop.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=20,
    )


def desktop_fixture(backend: str = "gtk") -> Any:
    """A fixture: each test module its own desktop, with pystray's ``backend``. ``desktop = desktop_fixture()``."""

    @pytest.fixture(scope="module", name="desktop")
    def fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desktop]:
        desktop = Desktop(tmp_path_factory.mktemp("desktop"))
        desktop.env["PYSTRAY_BACKEND"] = backend
        try:
            yield desktop
        finally:
            desktop.close()

    return fixture


def host_fixture() -> Any:
    """A fixture giving each test a host with its tray on the module's desktop: ``host = host_fixture()``."""

    @pytest.fixture(name="host")
    def fixture(desktop: Desktop) -> Iterator[TrayHost]:
        if desktop.notifications is not None:
            # what an earlier test's host said as it stopped ("Session ... ended") is not this test's to read
            desktop.notifications.drain()
        host = TrayHost(desktop)
        try:
            yield host
        finally:
            host.stop()

    return fixture
