"""A headless GNOME Wayland desktop for tests: mutter with a virtual monitor, PipeWire, and xdg-desktop-portal with its
GNOME backend, on a private session bus, runtime dir and home, so nothing touches the machine's own desktop.

Every process is started here, in a process group of its own, and ended here by its PID (forced after a deadline).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

START_DEADLINE = 20.0
SYSTEM_SERVICES = Path("/usr/share/dbus-1/services")
# not the document portal: it mounts a FUSE file system in the runtime dir, which outlives a forced teardown
PORTAL_SERVICES = ("org.freedesktop.impl.portal.PermissionStore", "org.freedesktop.impl.portal.desktop.gtk")
BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <servicedir>{services}</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""
WAYLAND_NAME = "wayland-proxim"


class StackFailed(RuntimeError):
    pass


def _wait(what: str, ready: Callable[[], bool], deadline: float, procs: list[subprocess.Popen[bytes]]) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if ready():
            return
        for proc in procs:
            if proc.poll() is not None:
                raise StackFailed(f"{proc.args!r} exited ({proc.returncode}) while waiting for {what}")
        time.sleep(0.05)
    raise StackFailed(f"{what} not ready within {deadline:g} s")


class WaylandDesktop:
    """The running stack; ``env`` is what a program in this desktop session sees."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.procs: list[subprocess.Popen[bytes]] = []
        runtime = root / "runtime"
        runtime.mkdir(mode=0o700)
        home = root / "home"
        for sub in ("config", "data", "cache", "state"):
            (home / sub).mkdir(parents=True)
        self.env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "XAUTHORITY")
        }
        self.env.update(
            XDG_RUNTIME_DIR=str(runtime),
            HOME=str(home),
            XDG_CONFIG_HOME=str(home / "config"),
            XDG_DATA_HOME=str(home / "data"),
            XDG_CACHE_HOME=str(home / "cache"),
            XDG_STATE_HOME=str(home / "state"),
            XDG_SESSION_TYPE="wayland",
            XDG_CURRENT_DESKTOP="GNOME",
            WAYLAND_DISPLAY=WAYLAND_NAME,
            LIBGL_ALWAYS_SOFTWARE="1",
            GSETTINGS_BACKEND="memory",
            NO_AT_BRIDGE="1",
            GTK_A11Y="none",
        )
        self.logs = root / "logs"
        self.logs.mkdir()

    def _spawn(self, argv: list[str], name: str) -> subprocess.Popen[bytes]:
        with open(self.logs / f"{name}.log", "wb") as log:
            proc = subprocess.Popen(
                argv, env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True
            )
        self.procs.append(proc)
        return proc

    def _bus_has(self, name: str) -> bool:
        result = subprocess.run(
            ["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
             "org.freedesktop.DBus.NameHasOwner", f"string:{name}"],
            env=self.env, capture_output=True, text=True, timeout=5, check=False,
        )  # fmt: skip
        return "boolean true" in result.stdout

    def _bus_config(self) -> Path:
        """A session bus that starts the portal's services on demand and nothing else (no notification daemon)."""
        services = self.root / "services"
        services.mkdir()
        for name in PORTAL_SERVICES:
            shutil.copy(SYSTEM_SERVICES / f"{name}.service", services)
        config = self.root / "session-bus.conf"
        config.write_text(BUS_CONFIG.format(services=services))
        return config

    def start(self) -> None:
        read_fd, write_fd = os.pipe()
        with open(self.logs / "dbus.log", "wb") as log:
            bus = subprocess.Popen(
                ["dbus-daemon", f"--config-file={self._bus_config()}", "--nofork", f"--print-address={write_fd}"],
                env=self.env, pass_fds=(write_fd,), stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                start_new_session=True,
            )  # fmt: skip
        self.procs.append(bus)
        os.close(write_fd)
        with os.fdopen(read_fd) as pipe:
            address = pipe.readline().strip()
        if not address:
            raise StackFailed("the session bus did not start")
        self.env["DBUS_SESSION_BUS_ADDRESS"] = address
        self._spawn(["pipewire"], "pipewire")
        runtime = Path(self.env["XDG_RUNTIME_DIR"])
        _wait("pipewire", lambda: (runtime / "pipewire-0").exists(), START_DEADLINE, self.procs)
        self._spawn(["wireplumber"], "wireplumber")
        self._start_desktop()
        self._spawn(["/usr/libexec/xdg-desktop-portal"], "portal")
        self._wait_for_name("org.freedesktop.portal.Desktop")

    def _wait_for_name(self, name: str) -> None:
        _wait(name, lambda: self._bus_has(name), START_DEADLINE, self.procs)

    def _start_desktop(self) -> None:
        """The compositor and its portal backend: mutter with a virtual monitor, and xdg-desktop-portal-gnome."""
        self._spawn(
            ["mutter", "--headless", "--virtual-monitor", "1280x720", "--wayland", "--no-x11",
             "--wayland-display", WAYLAND_NAME],
            "mutter",
        )  # fmt: skip
        runtime = Path(self.env["XDG_RUNTIME_DIR"])
        _wait("mutter's Wayland socket", lambda: (runtime / WAYLAND_NAME).exists(), START_DEADLINE, self.procs)
        self._wait_for_name("org.gnome.Mutter.ScreenCast")
        self._spawn(["/usr/libexec/xdg-desktop-portal-gnome"], "portal-gnome")
        self._wait_for_name("org.freedesktop.impl.portal.desktop.gnome")

    def stop(self) -> None:
        """End every process this stack started, newest first: politely, then by force after a deadline."""
        for proc in reversed(self.procs):
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        for proc in reversed(self.procs):
            try:
                proc.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.procs.clear()
