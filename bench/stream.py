"""Screen streaming: ``python -m bench stream [--json PATH] [--changes N] [--seconds S]``.

One run on one private Xvfb at 1920x1080, everything real: an X client (the painter) changes the screen; the host
pipeline (mss capture with X DAMAGE, ScreenVideoTrack, HostPeer and its tuned encoder) runs in its own process so its
CPU is measured alone; Debian's Chromium receives, and a page reads the marker patch of every presented frame
(requestVideoFrameCallback). Measured:

- per-stage cost (grab, convert, encode) at 720p and 1080p, in this process, on frames of a scrolling screen;
- glass-to-glass latency: the painter's marker changed (after XSync) -> the first frame showing it presented in
  Chromium, over ``--changes`` changes spaced 150-250 ms apart, at 1080p (30 fps cap) and 720p (a 1280x720 region,
  60 fps cap); p50/p95/p99;
- sustained frame rate and host CPU with the whole screen scrolling, 1080p at 30 fps and 720p at 60 fps;
- a still screen: host CPU and bitrate from 2 s after the last change, keyframe requests meanwhile, and the latency of
  the first change after 2.5 s of stillness;
- keyframe recovery: one frame lost on the wire, retransmissions included; when Chromium asks for a keyframe (PLI) and
  how long the host takes to send one; how long the picture froze;
- baselines in the same run: FFmpeg's own ``x11grab -> libx264 ultrafast zerolatency`` and aiortc's stock encoder in
  the same pipeline, compared by frames per CPU-second (higher is cheaper) and, for aiortc, latency.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench._stream.rig import BenchHost, Painter, ffmpeg_throughput, xvfb
from bench._stream.stages import stage_costs

SCREEN = (1920, 1080)
REGION_720P = "0,0,1280,720"
SPACING = (0.15, 0.25)
IDLE_SETTLE = 2.0
# RTP, SRTP and UDP/IPv4 headers per packet, on top of the payload bytes aiortc counts
PACKET_OVERHEAD = 12 + 10 + 28


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def at(fraction: float) -> float:
        return round(ordered[min(int(fraction * len(ordered)), len(ordered) - 1)], 1)

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "n": len(ordered)}


class Viewer:
    """A Chromium page receiving one bench host's stream."""

    def __init__(self, browser: Any, host: BenchHost) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 720})
        self.page = self.context.new_page()
        self.page.goto(host.url + "/")
        self.page.wait_for_function("window.presented.length > 0", timeout=20_000)

    def marks(self) -> list[list[float]]:
        return list(self.page.evaluate("window.marks"))

    def presented(self) -> list[float]:
        return list(self.page.evaluate("window.presented"))

    def frames_decoded(self) -> int:
        return int(self.page.evaluate("window.inboundStats().then((s) => s.framesDecoded)"))

    def close(self) -> None:
        self.context.close()


@contextmanager
def streaming(browser: Any, env: dict[str, str], *options: str) -> Iterator[tuple[BenchHost, Viewer]]:
    host = BenchHost(env, *options)
    viewer = Viewer(browser, host)
    try:
        yield host, viewer
    finally:
        viewer.close()
        host.close()


def glass_to_glass(painter: Painter, viewer: Viewer, changes: int, pause: Callable[[], float]) -> list[float]:
    """Change the marker ``changes`` times, waiting ``pause()`` seconds before each; latencies in ms."""
    already = len(viewer.marks())
    last_level = int(viewer.marks()[-1][0]) if already else 0
    sent: list[tuple[int, float]] = []
    for index in range(changes):
        level = (last_level + 1 + index) % 8
        time.sleep(pause())
        sent.append((level, painter.mark(level) * 1000))
    time.sleep(0.5)
    marks = viewer.marks()[already:]
    latencies = []
    for (level, changed_at), next_change in zip(sent, [*sent[1:], (None, float("inf"))], strict=True):
        shown = [presented for seen, presented, _ in marks if seen == level and changed_at <= presented]
        if shown and shown[0] < next_change[1] + 1000:
            latencies.append(shown[0] - changed_at)
    if len(latencies) < changes:
        print(f"  ({changes - len(latencies)} of {changes} changes were never seen as such)")
    return latencies


def throughput(host: BenchHost, viewer: Viewer, painter: Painter, rate: float, seconds: float) -> dict[str, float]:
    painter.animate(rate)
    time.sleep(1.0)
    before, decoded_before, steps_before = host.stats(), viewer.frames_decoded(), painter.steps()
    time.sleep(seconds)
    after, decoded_after, steps_after = host.stats(), viewer.frames_decoded(), painter.steps()
    painter.animate(0)
    elapsed = after["at"] - before["at"]
    fps = (after["frames_sent"] - before["frames_sent"]) / elapsed
    cpu = (after["cpu"] - before["cpu"]) / elapsed
    return {
        "fps": round(fps, 1),
        "decoded_fps": round((decoded_after - decoded_before) / elapsed, 1),
        "screen_changes_per_s": round((steps_after - steps_before) / elapsed, 1),
        "cpu_cores": round(cpu, 3),
        "frames_per_cpu_second": round(fps / cpu, 1),
    }


def idle(host: BenchHost, seconds: float) -> dict[str, float]:
    time.sleep(IDLE_SETTLE)
    before = host.stats()
    time.sleep(seconds)
    after = host.stats()
    elapsed = after["at"] - before["at"]
    payload = after["bytes_sent"] - before["bytes_sent"]
    packets = after["packets_sent"] - before["packets_sent"]
    return {
        "cpu_cores": round((after["cpu"] - before["cpu"]) / elapsed, 4),
        "kbps": round((payload + packets * PACKET_OVERHEAD) * 8 / elapsed / 1000, 2),
        "frames_sent": after["frames_sent"] - before["frames_sent"],
        "keyframe_requests": len(after["keyframe_requested_at"]) - len(before["keyframe_requested_at"]),
    }


def keyframe_recovery(host: BenchHost, viewer: Viewer, painter: Painter, losses: int) -> dict[str, float]:
    painter.animate(20)
    time.sleep(1.0)
    for _ in range(losses):
        host.drop_next_frame()
        time.sleep(2.5)
    painter.animate(0)
    stats, presented = host.stats(), viewer.presented()
    asked, answered, froze = [], [], []
    for lost_at in (t * 1000 for t in stats["lost_at"]):
        requests = [t * 1000 for t in stats["keyframe_requested_at"] if t * 1000 > lost_at]
        if not requests:
            continue
        asked.append(requests[0] - lost_at)
        sent = [t * 1000 for t in stats["keyframe_sent_at"] if t * 1000 >= requests[0]]
        if sent:
            answered.append(sent[0] - requests[0])
        before = [t for t in presented if t <= lost_at]
        after = [t for t in presented if t > lost_at]
        if before and after:
            froze.append(after[0] - before[-1])
    return {
        "losses": losses,
        "recovered": len(answered),
        "pli_after_loss_ms": round(statistics.median(asked), 1) if asked else -1,
        "keyframe_after_pli_ms": round(max(answered), 1) if answered else -1,
        "freeze_ms": round(statistics.median(froze), 1) if froze else -1,
    }


def run(changes: int, seconds: float) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    from tests.conftest import CHROMIUM, CHROMIUM_ARGS

    rng = random.Random(4)

    def spaced() -> float:
        return rng.uniform(*SPACING)

    figures: dict[str, Any] = {}
    with xvfb(*SCREEN) as display, sync_playwright() as playwright:
        env = dict(os.environ, DISPLAY=display, PYTHONUNBUFFERED="1")
        env.pop("WAYLAND_DISPLAY", None)
        os.environ["DISPLAY"] = display
        painter = Painter(env)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            print("per-stage cost ...", flush=True)
            figures["stages_ms"] = stage_costs(painter)
            print("1080p: latency, still screen, throughput, keyframe recovery ...", flush=True)
            with streaming(browser, env, "--fps", "30") as (host, viewer):
                figures["g2g_1080p_ms"] = percentiles(glass_to_glass(painter, viewer, changes, spaced))
                figures["idle"] = idle(host, seconds)
                after_idle = glass_to_glass(painter, viewer, 8, lambda: IDLE_SETTLE + 0.5)
                figures["g2g_after_idle_ms"] = percentiles(after_idle)
                figures["throughput_1080p30"] = throughput(host, viewer, painter, 40, seconds)
                figures["recovery"] = keyframe_recovery(host, viewer, painter, 3)
            print("720p: latency, 60 fps ...", flush=True)
            with streaming(browser, env, "--fps", "60", "--region", REGION_720P) as (host, viewer):
                figures["g2g_720p_ms"] = percentiles(glass_to_glass(painter, viewer, changes, spaced))
                figures["throughput_720p60"] = throughput(host, viewer, painter, 75, seconds)
            print("baseline: aiortc's stock encoder ...", flush=True)
            with streaming(browser, env, "--fps", "30", "--stock") as (host, viewer):
                figures["stock_g2g_1080p_ms"] = percentiles(glass_to_glass(painter, viewer, changes // 4, spaced))
                figures["stock_throughput_1080p30"] = throughput(host, viewer, painter, 40, seconds)
            print("baseline: FFmpeg x11grab -> libx264 ...", flush=True)
            painter.animate(40)
            fps, cpu = ffmpeg_throughput(display, SCREEN, 30, seconds)
            painter.animate(0)
            figures["ffmpeg_1080p30"] = {"fps": round(fps, 1), "cpu_cores": round(cpu, 3)}
            figures["ffmpeg_1080p30"]["frames_per_cpu_second"] = round(fps / cpu, 1)
        finally:
            browser.close()
            painter.close()
    ours = figures["throughput_1080p30"]
    figures.update(
        fps_1080p=ours["fps"],
        cpu_cores_1080p=ours["cpu_cores"],
        fps_720p60=figures["throughput_720p60"]["fps"],
        idle_cpu_cores=figures["idle"]["cpu_cores"],
        idle_kbps=figures["idle"]["kbps"],
        keyframe_recovery_ms=figures["recovery"]["keyframe_after_pli_ms"],
        ffmpeg_ratio=round(ours["frames_per_cpu_second"] / figures["ffmpeg_1080p30"]["frames_per_cpu_second"], 2),
        aiortc_stock_ratio=round(
            ours["frames_per_cpu_second"] / figures["stock_throughput_1080p30"]["frames_per_cpu_second"], 2
        ),
        aiortc_stock_latency_ratio=round(figures["stock_g2g_1080p_ms"]["p50"] / figures["g2g_1080p_ms"]["p50"], 2),
        load_average=os.getloadavg(),
    )
    return figures


def _trio(figures: dict[str, float]) -> str:
    return f"{figures['p50']} / {figures['p95']} / {figures['p99']}"


def _rate(figures: dict[str, float]) -> str:
    return f"{figures['fps']} / {figures['decoded_fps']} / {figures['screen_changes_per_s']}"


def table_rows(figures: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    t1080, t720, idle = figures["throughput_1080p30"], figures["throughput_720p60"], figures["idle"]
    stock, ffmpeg, recovery = figures["stock_throughput_1080p30"], figures["ffmpeg_1080p30"], figures["recovery"]
    after_idle, stock_g2g = figures["g2g_after_idle_ms"], figures["stock_g2g_1080p_ms"]
    rows = [
        ("glass-to-glass 1080p, p50 / p95 / p99 ms", _trio(figures["g2g_1080p_ms"]), "40 / 60 / -",
         f"{figures['g2g_1080p_ms']['n']} changes"),
        ("glass-to-glass 720p, p50 / p95 / p99 ms", _trio(figures["g2g_720p_ms"]), "30 / - / -",
         f"{figures['g2g_720p_ms']['n']} changes"),
        ("first change after 2.5 s still, p50 / p95 / p99 ms", _trio(after_idle), "40 / 60 / -",
         f"{after_idle['n']} changes"),
        ("1080p30 fps sent / decoded / screen changes", _rate(t1080), "30", "whole screen scrolling"),
        ("1080p30 host CPU, cores", str(t1080["cpu_cores"]), "0.6", ""),
        ("720p60 fps sent / decoded / screen changes", _rate(t720), "60", f"host CPU {t720['cpu_cores']} cores"),
        ("still screen: host CPU, cores", str(idle["cpu_cores"]), "0.05", "from 2 s after the last change"),
        ("still screen: bitrate, kbit/s", str(idle["kbps"]), "20",
         f"{idle['frames_sent']} heartbeat frames, {idle['keyframe_requests']} keyframe requests"),
        ("keyframe after its request, worst ms", str(recovery["keyframe_after_pli_ms"]), "200",
         f"{recovery['recovered']}/{recovery['losses']} lost frames; request {recovery['pli_after_loss_ms']} ms after"),
        ("picture frozen by a lost frame, ms", str(recovery["freeze_ms"]), "-", "median, screen scrolling at 20 fps"),
        ("frames per CPU-second: ours / FFmpeg",
         f"{t1080['frames_per_cpu_second']} / {ffmpeg['frames_per_cpu_second']}",
         "-", f"ratio {figures['ffmpeg_ratio']}; FFmpeg {ffmpeg['fps']} fps on {ffmpeg['cpu_cores']} cores"),
        ("frames per CPU-second: ours / aiortc stock",
         f"{t1080['frames_per_cpu_second']} / {stock['frames_per_cpu_second']}",
         "-", f"ratio {figures['aiortc_stock_ratio']}; stock {stock['fps']} fps on {stock['cpu_cores']} cores"),
        ("aiortc stock glass-to-glass 1080p, p50 / p95 / p99 ms", _trio(stock_g2g), "-",
         f"{stock_g2g['n']} changes; ours is {figures['aiortc_stock_latency_ratio']}x faster at p50"),
    ]  # fmt: skip
    for stage, sizes in figures["stages_ms"].items():
        rows.append((f"stage: {stage}, median ms", f"{sizes['720p']} / {sizes['1080p']}", "-", "720p / 1080p"))
    return rows


def print_table(figures: dict[str, Any]) -> None:
    rows = table_rows(figures)
    width = max(len(row[0]) for row in rows)
    print(f"\n| {'measure':<{width}} | {'value':>22} | {'target':>11} | note |")
    print(f"| {'-' * width} | {'-' * 22} | {'-' * 11} | --- |")
    for name, value, target, note in rows:
        print(f"| {name:<{width}} | {value:>22} | {target:>11} | {note} |")
    print(f"\nload average at the end (1, 5, 15 min): {' '.join(f'{v:.2f}' for v in figures['load_average'])}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench stream", description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures as JSON to PATH")
    parser.add_argument("--changes", type=int, default=200, help="screen changes timed per resolution (default: 200)")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each throughput and idle window")
    args = parser.parse_args(argv)
    figures = run(args.changes, args.seconds)
    print_table(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0
