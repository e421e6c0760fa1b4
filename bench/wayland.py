"""Wayland beside X11: ``python -m bench wayland [--json PATH] [--changes N] [--seconds S]``.

The same measurement on two desktops of 1280x720, one after the other in the same run: a private Xvfb with the X11
witness window (capture mss + X DAMAGE, the baseline), and a headless GNOME (mutter, PipeWire, xdg-desktop-portal-gnome)
with the GTK 4 witness window (capture through the ScreenCast portal, frames converted to I420 by GStreamer). Each time
``proxim host --no-tray`` runs as a user runs it, with no backend flags, and Debian's Chromium is the client; on
Wayland the portal's dialog is answered on the screen by the test helper.

- glass-to-glass: from the moment the bench asks the witness to repaint the whole screen in a new colour (so GTK's or
  X's drawing is included) to the ``expectedDisplayTime`` of the first frame Chromium presents in that colour, over
  ``--changes`` changes 0.2-0.6 s apart; a change never seen within ``G2G_TIMEOUT_MS`` counts as that;
- frame rate and CPU: for ``--seconds`` the witness repaints as fast as it can; frames presented by Chromium a second,
  and the CPU of the host process (and, on Wayland, of the compositor) in % of one core.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.support.mutter_seat import MutterSeat, answer_dialog
from tests.support.netns import CHROMIUM
from tests.support.processes import LineProcess, XWitness, free_port, host_command
from tests.support.wayland_stack import WaylandDesktop
from tests.support.wayland_witness import GtkWitness
from tests.support.xserver import start_xvfb

G2G_TIMEOUT_MS = 2000.0
COLOURS = ("FF0000", "00C000", "0000FF", "FFFFFF")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--autoplay-policy=no-user-gesture-required"]
# every presented frame: when it is on the glass (epoch ms) and its colour at (0.1, 0.9) of the picture
RECORD_FRAMES = """() => {
  window.marks = [];
  const video = document.querySelector('#screen');
  const canvas = document.createElement('canvas');
  canvas.width = 16; canvas.height = 16;
  const context = canvas.getContext('2d', {willReadFrequently: true});
  const onFrame = (now, meta) => {
    context.drawImage(video, 0, 0, 16, 16);
    const d = context.getImageData(2, 14, 1, 1).data;
    window.marks.push([performance.timeOrigin + meta.expectedDisplayTime, d[0], d[1], d[2]]);
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
}"""

Witness = XWitness | GtkWitness


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def matches(mark: list[float], rgb: str) -> bool:
    wanted = [int(rgb[i : i + 2], 16) for i in (0, 2, 4)]
    return all(abs(seen - want) <= 40 for seen, want in zip(mark[1:], wanted, strict=True))


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def at(fraction: float) -> float:
        return round(ordered[min(int(fraction * len(ordered)), len(ordered) - 1)], 1)

    return {"p50": at(0.5), "p95": at(0.95), "max": round(ordered[-1], 1), "n": len(ordered)}


def glass_to_glass(page: Any, witness: Witness, changes: int) -> dict[str, Any]:
    latencies: list[float] = []
    missed = 0
    for index in range(changes):
        colour = COLOURS[index % len(COLOURS)]
        page.evaluate("window.marks.length = 0")
        asked = time.time() * 1000
        witness.paint(colour)
        shown = None
        deadline = time.monotonic() + G2G_TIMEOUT_MS / 1000 + 0.5
        while shown is None and time.monotonic() < deadline:
            shown = next((m[0] for m in page.evaluate("window.marks") if matches(m, colour)), None)
            time.sleep(0.01)
        if shown is None or shown - asked > G2G_TIMEOUT_MS:
            missed += 1
            latencies.append(G2G_TIMEOUT_MS)
        else:
            latencies.append(max(shown - asked, 0.0))
        time.sleep(random.uniform(0.2, 0.6))
    return {"g2g_ms": percentiles(latencies), "missed": missed}


def busy_screen(
    page: Any, witness: Witness, host_pid: int, compositor_pid: int | None, seconds: float
) -> dict[str, Any]:
    page.evaluate("window.marks.length = 0")
    pids = {"host": host_pid} | ({"compositor": compositor_pid} if compositor_pid else {})
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    started = time.monotonic()
    index = 0
    while time.monotonic() - started < seconds:
        witness.paint(COLOURS[index % len(COLOURS)])
        index += 1
        time.sleep(0.005)
    elapsed = time.monotonic() - started
    presented = len(page.evaluate("window.marks"))
    figures: dict[str, Any] = {"fps": round(presented / elapsed, 1), "repaints_per_s": round(index / elapsed, 1)}
    for name, pid in pids.items():
        figures[f"{name}_cpu_percent"] = round(100 * (cpu_seconds(pid) - before[name]) / elapsed, 1)
    return figures


@contextmanager
def x11_desktop() -> Iterator[tuple[dict[str, str], Witness, Callable[[], None], int | None]]:
    xvfb, display = start_xvfb(1280, 720)
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "XDG_SESSION_TYPE")}
    env.update(DISPLAY=display, PYTHONUNBUFFERED="1")
    witness = XWitness(env)
    try:
        yield env, witness, lambda: None, None
    finally:
        witness.stop()
        xvfb.kill()
        xvfb.wait()


@contextmanager
def wayland_desktop() -> Iterator[tuple[dict[str, str], Witness, Callable[[], None], int | None]]:
    with tempfile.TemporaryDirectory(prefix="proxim-bench-wayland-") as root:
        desktop = WaylandDesktop(Path(root))
        try:
            desktop.start()
            env = dict(desktop.env, PYTHONUNBUFFERED="1")
            seat = MutterSeat(env["DBUS_SESSION_BUS_ADDRESS"])
            witness = GtkWitness(env)
            compositor = next(proc.pid for proc in desktop.procs if proc.args[0] == "mutter")  # type: ignore[index]
            try:
                yield env, witness, lambda: answer_dialog(seat, env, allow_input=False), compositor
            finally:
                witness.stop()
                seat.close()
        finally:
            desktop.stop()


def run_one(browser: Any, desktop: Any, changes: int, seconds: float, workdir: Path) -> dict[str, Any]:
    with desktop() as (env, witness, pass_dialog, compositor):
        witness.paint("000000")
        host = LineProcess(
            host_command(free_port(), workdir / "pairing.png"), env=env, stderr_path=workdir / "host.log"
        )
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        try:
            page.goto(host.wait_for(r"^\s+(http://\S+)$", 30).group(1))
            host.wait_for(r"Approve connection from .+\? \[y/N\]", 30)
            host.send("y")
            pass_dialog()
            page.wait_for_selector("body[data-state=live]", timeout=30_000)
            page.wait_for_function("document.querySelector('#screen').videoWidth > 0", timeout=30_000)
            page.evaluate(RECORD_FRAMES)
            figures = glass_to_glass(page, witness, changes)
            figures |= busy_screen(page, witness, host.proc.pid, compositor, seconds)
        finally:
            page.close()
            host.stop()
    return figures


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench wayland", description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures as JSON to PATH")
    parser.add_argument("--changes", type=int, default=30, help="colour changes timed glass to glass (default: 30)")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of the busy-screen run (default: 5)")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="proxim-bench-") as work, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            for name, desktop in (("x11", x11_desktop), ("wayland", wayland_desktop)):
                workdir = Path(work) / name
                workdir.mkdir()
                results[name] = run_one(browser, desktop, args.changes, args.seconds, workdir)
                figures = results[name]
                g2g = figures["g2g_ms"]
                cpu = ", ".join(
                    f"{k.removesuffix('_cpu_percent')} CPU {v} %"
                    for k, v in figures.items()
                    if k.endswith("_cpu_percent")
                )
                print(
                    f"{name:8} glass-to-glass p50 {g2g['p50']} ms, p95 {g2g['p95']} ms, max {g2g['max']} ms "
                    f"({figures['missed']} of {g2g['n']} never seen); busy screen {figures['fps']} fps, {cpu}",
                    flush=True,
                )
        finally:
            browser.close()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
