"""Desktop to desktop: ``python -m bench connect [--json PATH] [--changes N]``.

Two private Xvfb servers at 1280x720: the host's, where the painter (bench/_stream/painter.py) covers the screen and
changes a marker patch on command, and the client's. The real host (``proxim host``, console approval) shares its
screen with, one after the other, ``proxim connect`` and Debian's Chromium (``--kiosk``), each a real process on the
client's X server. This process reads the client's screen back through X (mss), so both are measured the same way:

- glass-to-glass: from the marker changed on the host's screen (after XSync) to the new grey read back on the client's
  screen (polled every ``POLL_S``), over ``--changes`` changes spaced 0.1-0.6 s apart; a change not seen within
  ``TIMEOUT_MS`` counts as that and is reported; p50/p95/max;
- the client's CPU (its process and children, user plus system) over the measurement, in % of one core.

Where the marker is on the client's screen is found by changing it and looking for what changed there.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import mss
import numpy as np

from bench._stream.measures import percentiles
from bench._stream.rig import Child, Painter, cpu_seconds, xvfb

SCREEN = (1280, 720)
POLL_S = 0.002
TIMEOUT_MS = 2000.0
MARKER_MAX_PX = 150  # the painter's marker is 96 px square on the host's screen
LEVEL_TOLERANCE = 12  # grey levels are 32 apart; H264 blurs a little
G2G_MEANS = "marker changed on the host's X server (after XSync) -> new grey read back from the client's X server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of ``pid`` and every process below it (a browser's renderer and GPU processes)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(parent, []).append(int(entry))
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            total += cpu_seconds(current)
        except OSError:
            continue
        todo += children.get(current, [])
    return total


class Screen:
    """The client's X server, read back."""

    def __init__(self, display_name: str) -> None:
        self._grabber = mss.MSS(display=display_name)

    def grab(self, region: dict[str, int] | None = None) -> Any:
        shot = self._grabber.grab(region or self._grabber.monitors[1])
        return np.frombuffer(shot.rgb, dtype=np.uint8).reshape(shot.height, shot.width, 3).astype(int)

    def close(self) -> None:
        self._grabber.close()


def grey_value(level: int) -> int:
    return 16 + level * 32  # the painter's grey()


class Marker:
    """Where the painter's marker shows on the client's screen, and its grey there."""

    def __init__(self, painter: Painter, screen: Screen, deadline: float) -> None:
        self.painter, self.screen = painter, screen
        self.level = 0
        while True:  # the picture may take a moment to arrive and settle
            painter.mark(0)
            time.sleep(0.6)
            dark = screen.grab()
            painter.mark(7)
            time.sleep(0.6)
            changed = np.abs(screen.grab() - dark).max(axis=2) > 100
            rows, cols = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
            # only the marker changed (not the whole window going live, nor a hint coming or going)
            if changed.sum() > 50 and rows[-1] - rows[0] < MARKER_MAX_PX and cols[-1] - cols[0] < MARKER_MAX_PX:
                break
            if time.monotonic() > deadline:
                raise RuntimeError("the marker never showed alone on the client's screen")
        middle_x, middle_y = int((cols[0] + cols[-1]) // 2), int((rows[0] + rows[-1]) // 2)
        self.region = {"left": middle_x - 2, "top": middle_y - 2, "width": 4, "height": 4}
        self.level = 7

    def shown(self) -> float:
        return float(self.screen.grab(self.region).mean())

    def change(self) -> float | None:
        """Paints another grey; milliseconds until the client's screen shows it, or None."""
        self.level = random.choice([level for level in range(8) if abs(level - self.level) >= 2])
        target = grey_value(self.level)
        marked = self.painter.mark(self.level)
        while (now := time.time()) - marked < TIMEOUT_MS / 1000:
            if abs(self.shown() - target) <= LEVEL_TOLERANCE:
                return (now - marked) * 1000
            time.sleep(POLL_S)
        return None


class Host(Child):
    def __init__(self, env: dict[str, str], port: int) -> None:
        argv = [sys.executable, "-m", "proxim_tray", "host", "--no-tray", "--bind", "127.0.0.1", "--port", str(port)]
        super().__init__([*argv, "--advertise-addr", "127.0.0.1", "--media-port", "0"], env)

    def next_link(self) -> str:
        return self.line("http://", timeout=30)[0]

    def approve(self) -> None:
        self.line("Approve connection", timeout=30)
        self.send("y")


@contextmanager
def running(argv: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def client_argv(kind: str, link: str, profile: Path) -> list[str]:
    if kind == "native":
        return [shutil.which("proxim") or str(Path(sys.executable).with_name("proxim")), "connect", link]
    from tests.conftest import CHROMIUM, CHROMIUM_ARGS

    return [
        CHROMIUM,
        *CHROMIUM_ARGS,
        f"--user-data-dir={profile}",
        "--kiosk",
        f"--window-size={SCREEN[0]},{SCREEN[1]}",
        link,
    ]


def measure(kind: str, host: Host, painter: Painter, client_env: dict[str, str], changes: int) -> dict[str, Any]:
    screen = Screen(client_env["DISPLAY"])
    with (
        tempfile.TemporaryDirectory(prefix="proxim-bench-") as profile,
        running(client_argv(kind, host.next_link(), Path(profile)), client_env) as client,
    ):
        host.approve()
        marker = Marker(painter, screen, time.monotonic() + 40)
        cpu_before, wall_before = tree_cpu_seconds(client.pid), time.monotonic()
        latencies, missed = [], 0
        for _ in range(changes):
            time.sleep(random.uniform(0.1, 0.6))
            latency = marker.change()
            missed += latency is None
            latencies.append(TIMEOUT_MS if latency is None else latency)
        cpu = (tree_cpu_seconds(client.pid) - cpu_before) / (time.monotonic() - wall_before) * 100
    screen.close()
    return {"g2g_ms": percentiles(latencies), "missed": missed, "client_cpu_pct_of_core": round(cpu, 1)}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench connect", description=__doc__)
    parser.add_argument("--json", type=Path, help="also write the figures there")
    parser.add_argument("--changes", type=int, default=60, help="marker changes per client")
    args = parser.parse_args(argv)
    results = run(args.changes)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


def run(changes: int) -> dict[str, Any]:
    random.seed(17)
    results: dict[str, Any] = {"means": G2G_MEANS, "screen": f"{SCREEN[0]}x{SCREEN[1]}", "changes": changes}
    with xvfb(*SCREEN) as host_display, xvfb(*SCREEN) as client_display, tempfile.TemporaryDirectory() as home:
        base = dict(os.environ, XDG_CONFIG_HOME=f"{home}/config", XDG_STATE_HOME=f"{home}/state", PYTHONUNBUFFERED="1")
        base.pop("WAYLAND_DISPLAY", None)
        painter = Painter(dict(base, DISPLAY=host_display))
        host = Host(dict(base, DISPLAY=host_display), port=free_port())
        try:
            for kind in ("native", "chromium"):
                results[kind] = measure(kind, host, painter, dict(base, DISPLAY=client_display), changes)
                figures = results[kind]
                print(
                    f"{kind:>8}: glass-to-glass p50 {figures['g2g_ms']['p50']} ms, p95 {figures['g2g_ms']['p95']} ms, "
                    f"max {figures['g2g_ms']['max']} ms, {figures['missed']} of {changes} never seen; "
                    f"client CPU {figures['client_cpu_pct_of_core']} % of a core",
                    flush=True,
                )
        finally:
            host.send("quit")
            host.close()
            painter.close()
    return results
