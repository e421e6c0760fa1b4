"""Screen streaming: ``python -m bench stream [--json PATH] [--changes N] [--seconds S] [--quick] [--only PHASE,...]``.

One run on one private Xvfb at 1920x1080, everything real: an X client (the painter) changes the screen; the host
pipeline (mss capture with X DAMAGE, ScreenVideoTrack, HostPeer and its tuned encoder) runs in its own process, in a
network namespace of its own, so its CPU is measured alone; Debian's Chromium receives in another namespace, joined to
the host's by a veth pair (without root both stay on loopback and the network conditions are skipped), and a page
reads the marker patch of every presented frame (requestVideoFrameCallback). The phases (``--only`` picks some):

- ``stages``: per-stage cost (grab, convert, encode) at 720p and 1080p, in this process, on frames of a scrolling
  screen;
- ``latency``: glass-to-glass, from the painter's marker changed (after XSync) to the ``expectedDisplayTime`` of the
  first frame showing it (or a later change), over ``--changes`` changes spaced 0.05-3 s apart (log-uniform, so both
  busy encoders and the settle window after stillness are covered), at 1080p (30 fps cap), then while the page under
  the marker scrolls, and the first change after 2.5 s of stillness; a change never seen counts as
  ``G2G_TIMEOUT_MS`` and is reported; p50/p95/p99/max, and the host's own stages for each frame meanwhile (grab,
  convert, wait for the encoder, encode, send) and the bitrate ceiling in force. Loss: one frame lost on the wire,
  retransmissions included, while the screen scrolls and as the last change before stillness; the headline is the
  time from the loss until a frame at least as new as the lost one is on the glass (never within
  ``RESTORE_TIMEOUT_MS`` counts as that), the host's reaction a sub-figure. A still screen: the bench host's CPU and
  bitrate; the pipeline's own sustained frame rate and CPU;
- ``conditions``: 0 %, 1 % and 3 % of the UDP packets between browser and host dropped at random (nftables, both
  ways), with the page scrolling under the marker: glass-to-glass, the share of the time the picture on the glass was
  more than 200 ms older than the screen, freezes, Chromium's loss counters and the NACKs the host could not answer;
  every frame between them delayed by 10 +- 5 ms each way (``JITTER_MS``), in order, by a bridge in user space
  (_stream/air.py: this kernel has no netem);
- ``720p``: glass-to-glass and the frame rate of a 1280x720 region at 60 fps;
- ``product``: ``proxim host`` as its user runs it, with Proxim's web client connected and approved (control channel
  and heartbeats live): CPU and the bitrate on the wire (every UDP datagram both ways, nftables counters) on a still
  screen, and 1080p at 60 fps with the whole screen scrolling;
- ``baselines``: ``proxim host``, aiortc's stock encoder (in the bench host) and FFmpeg's own ``x11grab -> libx264
  ultrafast zerolatency``, in turn, three rounds, with the whole screen scrolling at 1080p30: frames per CPU-second
  (higher is cheaper), median and spread; aiortc's stock encoder also by latency;
- ``sizes``: 2560x1440 at 30 fps and 3840x2160 at 15 on an X server of that size: frame rate, CPU, glass-to-glass.

``--quick`` (the test suite's run) does the latency phase without its still screen and throughput, the network
conditions and the product's still screen, with few changes. The summary ends with every target, its figure and
the verdict.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench._stream.measures import (
    G2G_TIMEOUT_MS,
    IDLE_SETTLE,
    PACKET_OVERHEAD,
    RESTORE_TIMEOUT_MS,
    STALE_MS,
    change_latencies,
    frozen,
    percentiles,
    receipt_split,
    restore_times,
)
from bench._stream.network import Network, network
from bench._stream.product import live_session, moving, still
from bench._stream.rig import BenchHost, Painter, ffmpeg_throughput, xvfb
from bench._stream.stages import stage_costs
from bench._stream.targets import verdicts

SCREEN = (1920, 1080)
REGION_720P = "0,0,1280,720"
MOVING_RATE = 20  # scroll steps a second under the marker while measuring a moving screen
CONDITIONS = {"loss_0pct": 0, "loss_1pct": 10, "loss_3pct": 30}  # dropped packets per 1000
# bench/_stream/host.py's frame_stages, after the grab's time: grab, BGRA -> YUV, waiting until the encoder starts
# (back to the event loop, aiortc's sender, its executor), encode, packetise + SRTP + send of the frame's packets
HOST_STAGES = ("grab", "convert", "wait", "encode", "send")
G2G_MEANS = "X change (after XSync) -> expectedDisplayTime (rVFC) of the first frame showing it, in Chromium"


@dataclass(frozen=True)
class Plan:
    changes: int  # per latency measure
    spacing: tuple[float, float]  # seconds between changes, spread log-uniformly
    losses: int
    condition_changes: int
    seconds: float  # each throughput and idle window
    full: bool  # the long forms: still screen and throughput in the latency phase, 60 fps in the product phase
    phases: frozenset[str]


def quick_plan() -> Plan:
    return Plan(changes=12, spacing=(0.05, 0.6), losses=2, condition_changes=12, seconds=0, full=False,
                phases=frozenset(("latency", "conditions", "product")))  # fmt: skip


class Viewer:
    """A Chromium page receiving one bench host's stream."""

    def __init__(self, browser: Any, host: BenchHost) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 720})
        self.page = self.context.new_page()
        self.page.goto(host.url + "/")
        self.page.wait_for_function("window.frames.length > 0", timeout=20_000)

    def marks(self) -> list[list[float]]:
        return list(self.page.evaluate("window.marks"))

    def wait_for_mark(self, level: int, made_at: float, timeout: float) -> None:
        """Until a frame showing marker ``level`` is on the glass after ``made_at`` (epoch ms), or ``timeout``."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        shown = "window.marks.some(([level, shown]) => level === wanted && shown >= made)"
        with contextlib.suppress(PlaywrightTimeout):  # the change counts as not seen
            self.page.wait_for_function(f"([wanted, made]) => {shown}", arg=[level, made_at], timeout=timeout * 1000)

    def frames(self) -> list[list[float]]:
        return list(self.page.evaluate("window.frames"))

    def frames_decoded(self) -> int:
        return int(self.page.evaluate("window.inboundStats().then((s) => s.framesDecoded)"))

    def inbound(self) -> dict[str, Any]:
        return dict(self.page.evaluate("window.inboundStats()"))

    def wait_for_frame_since(self, lost_at: float, timestamp: int, timeout: float) -> None:
        """Until a frame at least as new as RTP ``timestamp`` is on the glass after ``lost_at`` (epoch ms)."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        newer = "window.frames.some(([shown, rtp]) => shown > lost && ((rtp - ts) >>> 0) < 2 ** 31)"
        with contextlib.suppress(PlaywrightTimeout):  # the loss counts as not recovered
            self.page.wait_for_function(f"([lost, ts]) => {newer}", arg=[lost_at, timestamp], timeout=timeout * 1000)

    def close(self) -> None:
        self.context.close()


@contextmanager
def streaming(browser: Any, env: dict[str, str], net: Network, *options: str) -> Iterator[tuple[BenchHost, Viewer]]:
    host = BenchHost(env, net, *options)
    try:
        viewer = Viewer(browser, host)
        try:
            yield host, viewer
        finally:
            viewer.close()
    finally:
        host.close()


def glass_to_glass(painter: Painter, viewer: Viewer, changes: int, pause: Callable[[], float]) -> dict[str, Any]:
    """Change the marker ``changes`` times, waiting ``pause()`` seconds before each: percentiles of the latencies
    (ms, a change never seen counted as ``G2G_TIMEOUT_MS``), ``unseen``, and the window the changes spanned."""
    marks = viewer.marks()
    already = len(marks)
    last_level = int(marks[-1][0]) if already else 0
    sent: list[tuple[int, float]] = []
    for index in range(changes):
        level = (last_level + 1 + index) % 8
        time.sleep(pause())
        sent.append((level, painter.mark(level) * 1000))
    viewer.wait_for_mark(*sent[-1], timeout=G2G_TIMEOUT_MS / 1000)  # the last change on the glass shows all before it
    marks = viewer.marks()[already:]
    latencies, unseen = change_latencies(sent, marks)
    if unseen:
        print(f"  ({unseen} of {changes} changes were not seen within {G2G_TIMEOUT_MS:g} ms)")
    # the slowest changes: [seconds since the first change, ms], to find what they have in common
    timed = [((at - sent[0][1]) / 1000, ms) for (_, at), ms in zip(sent, latencies, strict=True)]
    worst = sorted(timed, key=lambda pair: -pair[1])[:3]
    return {
        **percentiles(latencies),
        "unseen": unseen,
        "worst": [[round(since, 2), round(ms, 1)] for since, ms in worst],
        "split_ms": receipt_split(sent, marks),
        "window": (sent[0][1], sent[-1][1]),
        "sent": sent,
    }


def public(figures: dict[str, Any], host: BenchHost) -> dict[str, Any]:
    """A latency phase's figures, with the times (seconds into the phase) x264 was reopened meanwhile: each reopening
    (for a new bitrate ceiling) sends a keyframe nobody asked for."""
    start, end = figures["window"]
    stats = host.stats()
    opened = [t * 1000 for t in stats["encoder_opened_at"]]
    reopened = [round((t - start) / 1000, 2) for t in opened if start <= t <= end + G2G_TIMEOUT_MS]
    # the bitrate ceiling in force at the start, then at each reopening, kbit/s
    ceilings = [c // 1000 for t, c in zip(opened, stats["encoder_ceilings"], strict=True) if t <= end + G2G_TIMEOUT_MS]
    ceilings = ceilings[-1 - len(reopened) :] if ceilings else []
    captured, _ = change_latencies(figures["sent"], [(level, t * 1000) for level, t in stats["captured_marks"]])
    by_change = {round((at - start) / 1000, 2): ms for (_, at), ms in zip(figures["sent"], captured, strict=True)}
    frames = [stages for stages in stats["frame_stages"] if start <= stages[0] * 1000 <= end + G2G_TIMEOUT_MS]
    return {
        **{key: value for key, value in figures.items() if key not in ("window", "sent")},
        # the same changes from the X change to the first grab that shows them: what capture adds to the latency
        "captured_ms": percentiles(captured),
        "worst_captured_ms": [round(by_change[since], 1) for since, _ in figures["worst"]],
        "encoder_reopened_s": reopened,
        "encoder_ceilings_kbps": ceilings,
        # the host's own stages for each new picture it sent meanwhile, ms
        "host_stages_ms": {
            name: percentiles([stages[index] for stages in frames if stages[index] >= 0])
            for index, name in enumerate(HOST_STAGES, start=1)
        },
    }


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


def idle(host: BenchHost, net: Network, seconds: float) -> dict[str, Any]:
    """A still screen from ``IDLE_SETTLE`` after the last change: host CPU; bitrate on the wire (every UDP datagram
    both ways) and aiortc's own count of RTP bytes plus header estimates."""
    time.sleep(IDLE_SETTLE)
    before, wire_before = host.stats(), net.wire()
    time.sleep(seconds)
    after, wire_after = host.stats(), net.wire()
    elapsed = after["at"] - before["at"]
    payload = after["bytes_sent"] - before["bytes_sent"]
    packets = after["packets_sent"] - before["packets_sent"]
    estimate = round((payload + packets * PACKET_OVERHEAD) * 8 / elapsed / 1000, 2)
    figures: dict[str, Any] = {"cpu_cores": round((after["cpu"] - before["cpu"]) / elapsed, 4), "kbps": estimate}
    if wire_before is not None and wire_after is not None:
        wire = sum(wire_after[k] - wire_before[k] for k in ("sent_bytes", "received_bytes"))
        figures["kbps"] = round(wire * 8 / elapsed / 1000, 2)
    return {
        **figures,
        "kbps_rtp_estimate": estimate,
        "frames_sent": after["frames_sent"] - before["frames_sent"],
        "keyframe_requests": len(after["keyframe_requested_at"]) - len(before["keyframe_requested_at"]),
        # x264 reopened (for a new bitrate ceiling): each time a keyframe nobody asked for
        "encoder_reopens": len(after["encoder_opened_at"]) - len(before["encoder_opened_at"]),
    }


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 1) if values else -1


def loss_recovery(
    host: BenchHost, viewer: Viewer, painter: Painter, losses: int, moving: bool = True
) -> tuple[dict[str, Any], ...]:
    """Lose ``losses`` frames on the wire, one at a time, with the screen scrolling (``moving``), or else the frame of
    a single change after which the screen stays still (a typist's last key): (the picture restored in the browser:
    percentiles, ``losses``, ``recovered``; the host's reaction, the old ``recovery`` figures)."""
    painter.animate(MOVING_RATE if moving else 0)
    time.sleep(1.0)
    earlier = len(host.stats()["lost_at"])
    plis_before = viewer.inbound().get("pliCount", 0)
    for index in range(losses):
        known = len(host.stats()["lost_at"])
        host.drop_next_frame()
        if not moving:
            painter.mark(int(viewer.marks()[-1][0]) + 1 + index % 3)
        deadline = time.monotonic() + 5
        while len((stats := host.stats())["lost_at"]) == known and time.monotonic() < deadline:
            time.sleep(0.02)
        if len(stats["lost_at"]) > known:
            lost_at, timestamp = stats["lost_at"][-1] * 1000, stats["lost_timestamps"][-1]
            viewer.wait_for_frame_since(lost_at, timestamp, RESTORE_TIMEOUT_MS / 1000)
        time.sleep(1.0)
    painter.animate(0)
    stats, frames = host.stats(), viewer.frames()
    plis = viewer.inbound().get("pliCount", 0) - plis_before
    lost = [(at * 1000, ts) for at, ts in zip(stats["lost_at"], stats["lost_timestamps"], strict=True)][earlier:]
    restored = restore_times(lost, frames)
    asked, answered, keyframes, froze, each = [], [], [], [], []
    shown = [frame[0] for frame in frames]
    for lost_at, _ in lost:
        requests = [t * 1000 for t in stats["keyframe_requested_at"] if t * 1000 > lost_at]
        nacks = [(t * 1000, sequence) for t, sequence in stats["lost_nacked_at"] if t * 1000 > lost_at]
        first_nack = [t for t, _ in nacks[:1]]
        asked_again = [t for index, (t, sequence) in enumerate(nacks) if sequence in {s for _, s in nacks[:index]}]
        sent = [t * 1000 for t in stats["keyframe_sent_at"] if t * 1000 > lost_at]
        if sent:
            keyframes.append(sent[0] - lost_at)
        if requests:
            asked.append(requests[0] - lost_at)
            answered += [t - requests[0] for t in sent[:1] if t >= requests[0]]
        before = [t for t in shown if t <= lost_at]
        after = [t for t in shown if t > lost_at]
        if before and after:
            froze.append(after[0] - before[-1])
        each.append([round(t[0] - lost_at, 1) if t else None for t in (first_nack, asked_again, requests, sent)])
    for times, restored_ms in zip(each, restored, strict=True):
        times.append(round(restored_ms, 1) if restored_ms is not None else None)
    headline = {
        **percentiles([t if t is not None else RESTORE_TIMEOUT_MS for t in restored]),
        "losses": len(lost),
        "recovered": sum(t is not None for t in restored),
        "unrecovered": sum(t is None for t in restored),
    }
    host_side = {
        "losses": len(lost),
        "recovered": len(answered),
        "pli_after_loss_ms": _median(asked),
        "keyframe_after_pli_ms": round(max(answered), 1) if answered else -1,
        "keyframe_after_loss_ms": _median(keyframes),
        "freeze_ms": _median(froze),
        "chromium_plis": plis,  # fewer than the requests: the host's own rule asked (a packet NACKed twice)
        # per loss, after the loss: its first NACK, the first NACK of a packet asked for before, keyframe request,
        # keyframe sent, picture correct again
        "each_ms": each,
    }
    return headline, host_side


def condition(net: Network, host: BenchHost, viewer: Viewer, painter: Painter, per_mille: int, plan: Plan,
              pause: Callable[[], float]) -> dict[str, Any]:  # fmt: skip
    """The page scrolling under the marker with ``per_mille`` of the packets dropped: glass-to-glass, frozen time,
    and Chromium's own counters."""
    net.lose(per_mille)
    painter.animate(MOVING_RATE)
    time.sleep(1.0)
    host_before = host.stats()
    before = viewer.inbound()
    dropped_before = net.dropped()
    g2g = glass_to_glass(painter, viewer, plan.condition_changes, pause)
    after = viewer.inbound()
    dropped = net.dropped() - dropped_before
    painter.animate(0)
    net.lose(0)
    host_after = host.stats()
    clock = host_after["capture_clock"]
    still = frozen(viewer.frames(), clock, *g2g["window"]) if clock else {}

    def grew(name: str) -> float:
        return round(float(after.get(name, 0)) - float(before.get(name, 0)), 3)

    return {
        "loss_per_mille": per_mille,
        "g2g_ms": public(g2g, host),
        **still,
        "packets_dropped": dropped,
        # packets the browser asked for again; of them, those the host no longer kept to resend
        "host_nacks": host_after["nacks"] - host_before["nacks"],
        "host_nacks_unanswerable": host_after["nacks_unanswerable"] - host_before["nacks_unanswerable"],
        "chromium": {
            name: grew(name)
            for name in ("packetsLost", "nackCount", "pliCount", "freezeCount", "totalFreezesDuration",
                         "retransmittedPacketsReceived", "framesDropped")
        },
    }  # fmt: skip


JITTER_MS = (5.0, 15.0)  # the delay each frame gets in the air during the network conditions: 10 +- 5 ms
PHASES = ("stages", "latency", "conditions", "720p", "product", "baselines", "sizes")
BASELINE_ROUNDS = 3
# larger screens, on an Xvfb of their own: (region of a 3840x2160 screen or None for all of it, frame-rate cap)
SIZES = {"1440p30": ("0,0,2560,1440", 30), "2160p15": (None, 15)}
BIG_SCREEN = (3840, 2160)


def run(plan: Plan) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    from tests.conftest import CHROMIUM_ARGS

    rng = random.Random(4)
    low, high = plan.spacing

    def spread() -> float:
        return math.exp(rng.uniform(math.log(low), math.log(high)))

    figures: dict[str, Any] = {"g2g_means": G2G_MEANS, "plan": {**plan.__dict__, "phases": sorted(plan.phases)}}
    with (
        tempfile.TemporaryDirectory(prefix="proxim-bench-") as workdir,
        network(Path(workdir)) as net,
        xvfb(*SCREEN) as display,
        sync_playwright() as playwright,
    ):
        env = dict(os.environ, DISPLAY=display, PYTHONUNBUFFERED="1")
        env.pop("WAYLAND_DISPLAY", None)
        painter = Painter(env)
        browser = playwright.chromium.launch(executable_path=net.chromium, headless=True, args=CHROMIUM_ARGS)
        rig = Rig(browser, env, net, painter, display, Path(workdir), plan, spread)
        try:
            for phase in PHASES:
                if phase in plan.phases:
                    PHASE_RUNS[phase](rig, figures)
        finally:
            browser.close()
            painter.close()
    summarise(figures)
    figures["load_average"] = os.getloadavg()
    return figures


@dataclass
class Rig:
    """What every phase runs on: the browser, the private X server and its painter, the network."""

    browser: Any
    env: dict[str, str]
    net: Network
    painter: Painter
    display: str
    workdir: Path
    plan: Plan
    spread: Callable[[], float]

    def workdir_for(self, name: str) -> Path:
        """A fresh folder for one ``proxim host`` (its config: every session pairs anew)."""
        return Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self.workdir))


def stages_phase(rig: Rig, figures: dict[str, Any]) -> None:
    print("per-stage cost ...", flush=True)
    os.environ["DISPLAY"] = rig.display  # the stages run in this process
    figures["stages_ms"] = stage_costs(rig.painter)


def latency_phase(rig: Rig, figures: dict[str, Any]) -> None:
    painter, plan, spread = rig.painter, rig.plan, rig.spread
    print("1080p: latency, loss ...", flush=True)
    with streaming(rig.browser, rig.env, rig.net, "--fps", "30") as (host, viewer):
        figures["g2g_1080p_ms"] = public(glass_to_glass(painter, viewer, plan.changes, spread), host)
        if plan.full:
            print("1080p: still screen ...", flush=True)
            figures["idle"] = idle(host, rig.net, plan.seconds)
            after_idle = glass_to_glass(painter, viewer, 8, lambda: IDLE_SETTLE + 0.5)
            figures["g2g_after_idle_ms"] = public(after_idle, host)
        painter.animate(MOVING_RATE)
        moving = glass_to_glass(painter, viewer, plan.changes // 2, spread)
        figures["g2g_moving_1080p_ms"] = public(moving, host)
        painter.animate(0)
        figures["loss_restore_ms"], figures["recovery"] = loss_recovery(host, viewer, painter, plan.losses)
        figures["loss_restore_still_ms"], figures["recovery_still"] = loss_recovery(
            host, viewer, painter, plan.losses, moving=False
        )
        if plan.full:
            print("1080p: still screen after the losses, throughput ...", flush=True)
            figures["idle_after_losses"] = idle(host, rig.net, plan.seconds)
            figures["throughput_1080p30"] = throughput(host, viewer, painter, 40, plan.seconds)
        figures["encoder_reopenings"] = reopenings(host)
        print(f"  x264 reopened for a new bitrate ceiling: {figures['encoder_reopenings']}", flush=True)


def reopenings(host: BenchHost) -> dict[str, Any]:
    """x264 reopened for a new bitrate ceiling over a whole session: how often, the ceilings (kbit/s, the first
    opening's then each reopening's) and the size of the keyframe each reopening sent, KB."""
    stats = host.stats()
    kilobytes = [round(size / 1000, 1) for size in stats["encoder_open_bytes"][1:]]
    return {
        "count": len(kilobytes),
        "ceilings_kbps": [ceiling // 1000 for ceiling in stats["encoder_ceilings"]],
        "keyframe_kb": kilobytes,
        "keyframe_kb_total": round(sum(kilobytes), 1),
    }


def conditions_phase(rig: Rig, figures: dict[str, Any]) -> None:
    print("1080p: network conditions ...", flush=True)
    low, high = JITTER_MS
    figures["netem"] = {"jitter": f"{low:g}-{high:g} ms each way, uniform, in order (bench/_stream/air.py)"}
    if rig.net.phone is None:
        figures["netem"]["skipped"] = rig.net.why_no_conditions
        return
    rig.net.jitter(low, high)
    try:
        with streaming(rig.browser, rig.env, rig.net, "--fps", "30") as (host, viewer):
            for name, per_mille in CONDITIONS.items():
                before = rig.net.air_counts()
                figures["netem"][name] = condition(rig.net, host, viewer, rig.painter, per_mille, rig.plan, rig.spread)
                after = rig.net.air_counts()
                frames = sum(after[k] - before[k] for k in ("to_phone", "to_host"))
                delay = (after["delay_ms"] - before["delay_ms"]) / frames if frames else 0.0
                figures["netem"][name]["air"] = {"frames": frames, "mean_delay_ms": round(delay, 2)}
            figures["netem_encoder_reopenings"] = reopenings(host)
    finally:
        rig.net.jitter(0, 0)


def phase_720p(rig: Rig, figures: dict[str, Any]) -> None:
    print("720p: latency, 60 fps ...", flush=True)
    with streaming(rig.browser, rig.env, rig.net, "--fps", "60", "--region", REGION_720P) as (host, viewer):
        figures["g2g_720p_ms"] = public(glass_to_glass(rig.painter, viewer, rig.plan.changes, rig.spread), host)
        figures["throughput_720p60"] = throughput(host, viewer, rig.painter, 75, rig.plan.seconds)


def product_phase(rig: Rig, figures: dict[str, Any]) -> None:
    """``proxim host`` as a user runs it, the web client connected: a still screen (CPU, bitrate on the wire) with
    the default options, and 1080p at 60 fps."""
    print("proxim host: still screen ...", flush=True)
    with live_session(rig.browser, rig.net, rig.display, rig.workdir_for("still")) as session:
        figures["proxim_host_idle"] = still(session, max(rig.plan.seconds, 1.0))
        figures["proxim_host_idle"]["encoder_ceilings_kbps"] = session.encoder_ceilings()
    if rig.plan.full:
        print("proxim host: 1080p60 ...", flush=True)
        with live_session(rig.browser, rig.net, rig.display, rig.workdir_for("fps60"), "--fps", "60") as session:
            figures["proxim_host_1080p60"] = moving(session, rig.painter, 75, rig.plan.seconds)
            # the ceiling of x264's first opening, then of each reopening (each a keyframe), kbit/s
            figures["proxim_host_1080p60"]["encoder_ceilings_kbps"] = session.encoder_ceilings()


def baselines_phase(rig: Rig, figures: dict[str, Any]) -> None:
    """Ours (``proxim host``), aiortc's stock encoder (in the benchmark's host) and FFmpeg, in turn, three rounds,
    the whole screen scrolling 40 steps a second at 1080p30."""
    painter, plan = rig.painter, rig.plan
    rounds: list[dict[str, Any]] = []
    for index in range(BASELINE_ROUNDS):
        print(f"baselines, round {index + 1} of {BASELINE_ROUNDS}: proxim host, aiortc stock, FFmpeg ...", flush=True)
        with live_session(rig.browser, rig.net, rig.display, rig.workdir_for("ours")) as session:
            ours = moving(session, painter, 40, plan.seconds)
        with streaming(rig.browser, rig.env, rig.net, "--fps", "30", "--stock") as (host, viewer):
            if index == 0:
                stock_g2g = glass_to_glass(painter, viewer, plan.changes // 4, rig.spread)
                figures["stock_g2g_1080p_ms"] = public(stock_g2g, host)
            stock = throughput(host, viewer, painter, 40, plan.seconds)
        painter.animate(40)
        fps, cpu = ffmpeg_throughput(rig.display, SCREEN, 30, plan.seconds)
        painter.animate(0)
        ffmpeg = {"fps": round(fps, 1), "cpu_cores": round(cpu, 3), "frames_per_cpu_second": round(fps / cpu, 1)}
        rounds.append({"ours": ours, "stock": stock, "ffmpeg": ffmpeg})
    figures["baseline_rounds"] = rounds

    def middle(name: str) -> dict[str, Any]:
        """The round whose frames per CPU-second are the median, with the spread over all rounds."""
        ordered = sorted((r[name] for r in rounds), key=lambda f: f["frames_per_cpu_second"])
        spread = [ordered[0]["frames_per_cpu_second"], ordered[-1]["frames_per_cpu_second"]]
        return {**ordered[len(ordered) // 2], "frames_per_cpu_second_spread": spread}

    ours, stock, ffmpeg = middle("ours"), middle("stock"), middle("ffmpeg")
    ratios = [r["ours"]["frames_per_cpu_second"] / r["ffmpeg"]["frames_per_cpu_second"] for r in rounds]
    stock_ratios = [r["ours"]["frames_per_cpu_second"] / r["stock"]["frames_per_cpu_second"] for r in rounds]
    figures.update(
        proxim_host_1080p30=ours,
        stock_throughput_1080p30=stock,
        ffmpeg_1080p30=ffmpeg,
        ffmpeg_ratio=round(ours["frames_per_cpu_second"] / ffmpeg["frames_per_cpu_second"], 2),
        ffmpeg_ratio_spread=[round(min(ratios), 2), round(max(ratios), 2)],
        aiortc_stock_ratio=round(ours["frames_per_cpu_second"] / stock["frames_per_cpu_second"], 2),
        aiortc_stock_ratio_spread=[round(min(stock_ratios), 2), round(max(stock_ratios), 2)],
    )


def sizes_phase(rig: Rig, figures: dict[str, Any]) -> None:
    """2560x1440 at 30 fps and 3840x2160 at 15, on an X server of that size: frame rate, host CPU, glass-to-glass."""
    with xvfb(*BIG_SCREEN) as display:
        env = dict(rig.env, DISPLAY=display)
        painter = Painter(env)
        try:
            for name, (region, fps) in SIZES.items():
                print(f"{name}: latency, throughput ...", flush=True)
                options = ("--fps", str(fps), *(("--region", region) if region else ()))
                with streaming(rig.browser, env, rig.net, *options) as (host, viewer):
                    changes = max(rig.plan.changes // 5, 5)
                    g2g = public(glass_to_glass(painter, viewer, changes, rig.spread), host)
                    rate = throughput(host, viewer, painter, fps * 4 / 3, rig.plan.seconds)
                figures[f"size_{name}"] = {**rate, "g2g_ms": g2g}
        finally:
            painter.close()


PHASE_RUNS: dict[str, Callable[[Rig, dict[str, Any]], None]] = {
    "stages": stages_phase,
    "latency": latency_phase,
    "conditions": conditions_phase,
    "720p": phase_720p,
    "product": product_phase,
    "baselines": baselines_phase,
    "sizes": sizes_phase,
}


def summarise(figures: dict[str, Any]) -> None:
    """The headline keys, from the phases that ran."""
    if "proxim_host_idle" in figures:
        figures.update(
            idle_cpu_cores=figures["proxim_host_idle"]["cpu_cores"], idle_kbps=figures["proxim_host_idle"]["kbps"]
        )
    if "proxim_host_1080p60" in figures:
        sixty = figures["proxim_host_1080p60"]
        figures.update(fps_1080p60=sixty["fps"], cpu_cores_1080p60=sixty["cpu_cores"])
    if "proxim_host_1080p30" in figures:
        thirty = figures["proxim_host_1080p30"]
        figures.update(fps_1080p=thirty["fps"], cpu_cores_1080p=thirty["cpu_cores"])
    if "throughput_720p60" in figures:
        figures["fps_720p60"] = figures["throughput_720p60"]["fps"]
    if "recovery" in figures:
        figures["keyframe_recovery_ms"] = figures["recovery"]["keyframe_after_pli_ms"]
    if "stock_g2g_1080p_ms" in figures and "g2g_1080p_ms" in figures:
        ratio = figures["stock_g2g_1080p_ms"]["p50"] / figures["g2g_1080p_ms"]["p50"]
        figures["aiortc_stock_latency_ratio"] = round(ratio, 2)


def _trio(figures: dict[str, Any]) -> str:
    return f"{figures['p50']} / {figures['p95']} / {figures['p99']} / {figures['max']}"


def _split(figures: dict[str, Any]) -> str:
    split = figures.get("split_ms")
    if not split or not split["to_received"]["n"]:
        return "-"
    before, after, decoding = split["to_received"], split["received_to_glass"], split["decoding"]
    return f"{before['p50']} / {before['p95']}; {after['p50']} / {after['p95']} ({decoding['p50']} / {decoding['p95']})"


def _seen(figures: dict[str, Any]) -> str:
    return f"{figures['n'] - figures['unseen']} of {figures['n']} changes seen"


def _rate(figures: dict[str, float]) -> str:
    return f"{figures['fps']} / {figures['decoded_fps']} / {figures['screen_changes_per_s']}"


def _spread(figures: dict[str, Any]) -> str:
    low, high = figures["frames_per_cpu_second_spread"]
    return f"{figures['frames_per_cpu_second']} ({low}-{high})"


def table_rows(figures: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The detail table: (measure, value, target, note), for the phases that ran."""
    rows: list[tuple[str, str, str, str]] = []
    if "g2g_1080p_ms" in figures:
        rows += latency_rows(figures)
    for name, result in figures.get("netem", {}).items():
        if isinstance(result, dict):
            g2g, counts = result["g2g_ms"], result["chromium"]
            rows.append((
                f"{name}: g2g p50 / p95 / p99 / max ms; frozen share", f"{_trio(g2g)}; {result.get('frozen_share')}",
                "-", f"{_seen(g2g)}; {result['packets_dropped']} packets dropped; {result.get('freezes')} freezes "
                f"(longest {result.get('longest_freeze_ms')} ms); Chromium: {counts['nackCount']:g} NACKs, "
                f"{counts['pliCount']:g} PLIs, {counts['freezeCount']:g} freezes",
            ))  # fmt: skip
    if "g2g_720p_ms" in figures:
        t720 = figures["throughput_720p60"]
        rows += [
            ("glass-to-glass 720p, p50 / p95 / p99 / max ms", _trio(figures["g2g_720p_ms"]), "-",
             _seen(figures["g2g_720p_ms"])),
            ("720p60 fps sent / decoded / screen changes", _rate(t720), "60", f"host CPU {t720['cpu_cores']} cores"),
        ]  # fmt: skip
    if "proxim_host_idle" in figures:
        still = figures["proxim_host_idle"]
        rows.append(("proxim host, still screen: CPU cores; kbit/s", f"{still['cpu_cores']}; {still['kbps']}",
                     "0.05; 20", still["kbps_from"]))  # fmt: skip
    if "proxim_host_1080p60" in figures:
        sixty = figures["proxim_host_1080p60"]
        rows.append(("proxim host, 1080p60: fps received / decoded / screen changes; CPU cores",
                     f"{_rate(sixty)}; {sixty['cpu_cores']}", "58; 1.2", f"{sixty['kbps']} kbit/s"))  # fmt: skip
    if "baseline_rounds" in figures:
        ours, stock = figures["proxim_host_1080p30"], figures["stock_throughput_1080p30"]
        ffmpeg = figures["ffmpeg_1080p30"]
        rounds = len(figures["baseline_rounds"])
        rows += [
            ("frames per CPU-second, 1080p30, median (spread): proxim host", _spread(ours), "-",
             f"{ours['fps']} fps on {ours['cpu_cores']} cores; {rounds} rounds, interleaved"),
            ("  aiortc's stock encoder (same pipeline)", _spread(stock), "-",
             f"{stock['fps']} fps on {stock['cpu_cores']} cores"),
            ("  FFmpeg x11grab -> libx264 ultrafast", _spread(ffmpeg), "-",
             f"{ffmpeg['fps']} fps on {ffmpeg['cpu_cores']} cores"),
            ("ours / FFmpeg; ours / aiortc stock (spread)",
             f"{figures['ffmpeg_ratio']}; {figures['aiortc_stock_ratio']}", "1.3; -",
             f"{figures['ffmpeg_ratio_spread']}; {figures['aiortc_stock_ratio_spread']}"),
        ]  # fmt: skip
    if "stock_g2g_1080p_ms" in figures:
        stock_g2g = figures["stock_g2g_1080p_ms"]
        faster = figures.get("aiortc_stock_latency_ratio", "-")
        rows.append(("aiortc stock glass-to-glass 1080p, p50 / p95 / p99 / max ms", _trio(stock_g2g), "-",
                     f"{_seen(stock_g2g)}; ours is {faster}x faster at p50"))  # fmt: skip
    for name in SIZES:
        if f"size_{name}" in figures:
            size = figures[f"size_{name}"]
            rows.append((f"{name}: fps sent / decoded / screen changes; CPU cores; g2g p50 ms",
                         f"{_rate(size)}; {size['cpu_cores']}; {size['g2g_ms']['p50']}", "-",
                         f"g2g p95 {size['g2g_ms']['p95']}, {_seen(size['g2g_ms'])}"))  # fmt: skip
    for stage, sizes in figures.get("stages_ms", {}).items():
        rows.append((f"stage: {stage}, median ms", f"{sizes['720p']} / {sizes['1080p']}", "-", "720p / 1080p"))
    return rows


def latency_rows(figures: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    restore, recovery = figures["loss_restore_ms"], figures["recovery"]
    rows = [
        ("glass-to-glass 1080p, p50 / p95 / p99 / max ms", _trio(figures["g2g_1080p_ms"]), "30 / 50 / 80",
         _seen(figures["g2g_1080p_ms"])),
        ("  of which: X change -> frame received; received -> glass (decoding), p50 / p95 ms",
         _split(figures["g2g_1080p_ms"]), "-", "rVFC receiveTime, processingDuration"),
        ("glass-to-glass 1080p, page scrolling, p50 / p95 / p99 / max", _trio(figures["g2g_moving_1080p_ms"]),
         "50 / 90", _seen(figures["g2g_moving_1080p_ms"])),
        ("lost frame -> picture correct again, p50 / p95 / p99 / max ms", _trio(restore), "250 / 400 max",
         f"{restore['recovered']} of {restore['losses']} recovered"),
        ("lost last frame before a still screen -> picture correct again, p50 / p95 / p99 / max ms",
         _trio(figures["loss_restore_still_ms"]), "-",
         f"{figures['loss_restore_still_ms']['recovered']} of {figures['loss_restore_still_ms']['losses']} recovered; "
         f"host: keyframe request {figures['recovery_still']['pli_after_loss_ms']} ms after the loss (median)"),
        ("  host: keyframe request after the loss, median ms", str(recovery["pli_after_loss_ms"]), "-",
         f"keyframe sent {recovery['keyframe_after_loss_ms']} ms after the loss (median)"),
        ("  host: keyframe after its request, worst ms", str(recovery["keyframe_after_pli_ms"]), "-",
         f"{recovery['recovered']} of {recovery['losses']} requests answered"),
    ]  # fmt: skip
    if "throughput_1080p30" not in figures:
        return rows
    t1080, idle, after_losses = figures["throughput_1080p30"], figures["idle"], figures["idle_after_losses"]
    after_idle = figures["g2g_after_idle_ms"]
    return [
        *rows,
        ("first change after 2.5 s still, p50 / p95 / p99 / max ms", _trio(after_idle), "35 / - / - / 60",
         _seen(after_idle)),
        ("bench host 1080p30 fps sent / decoded / screen changes; CPU cores", f"{_rate(t1080)}; {t1080['cpu_cores']}",
         "-", "the pipeline alone, whole screen scrolling"),
        ("bench host, still screen: CPU cores; kbit/s", f"{idle['cpu_cores']}; {idle['kbps']}", "-",
         f"{idle['frames_sent']} heartbeat frames, {idle['keyframe_requests']} keyframe requests, "
         f"{idle['encoder_reopens']} encoder reopens"),
        ("bench host, still screen after the losses: kbit/s; CPU cores",
         f"{after_losses['kbps']}; {after_losses['cpu_cores']}", "-", f"{after_losses['frames_sent']} frames, "
         f"{after_losses['keyframe_requests']} keyframe requests, {after_losses['encoder_reopens']} encoder reopens"),
    ]  # fmt: skip


def print_table(figures: dict[str, Any]) -> None:
    rows = table_rows(figures)
    width = max([len(row[0]) for row in rows] + [10])
    print(f"\n| {'measure':<{width}} | {'value':>22} | {'target':>11} | note |")
    print(f"| {'-' * width} | {'-' * 22} | {'-' * 11} | --- |")
    for name, value, target, note in rows:
        print(f"| {name:<{width}} | {value:>22} | {target:>11} | {note} |")
    print(f"\nglass-to-glass: {G2G_MEANS}; a change not seen in {G2G_TIMEOUT_MS:g} ms counts as that")
    print(f"frozen share: the time the picture on the glass was more than {STALE_MS:g} ms older than the screen")
    print(f"load average at the end (1, 5, 15 min): {' '.join(f'{v:.2f}' for v in figures['load_average'])}")
    print("\ntargets:")
    for name, limit, value, verdict in verdicts(figures):
        print(f"  {name:<34} {limit:>8}  {value:>9}  {verdict}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench stream", description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures as JSON to PATH")
    parser.add_argument("--changes", type=int, default=100, help="screen changes timed per latency measure")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each throughput and idle window")
    parser.add_argument("--quick", action="store_true", help="latency, loss, network conditions, still screen, briefly")
    parser.add_argument("--only", metavar="PHASE,...", help=f"run only these phases, in full: {', '.join(PHASES)}")
    args = parser.parse_args(argv)
    phases = frozenset(args.only.split(",")) if args.only else frozenset(PHASES)
    if unknown := phases - set(PHASES):
        parser.error(f"unknown phase {', '.join(sorted(unknown))}; choose from {', '.join(PHASES)}")
    plan = quick_plan() if args.quick else Plan(args.changes, (0.05, 3.0), 5, 40, args.seconds, True, phases)
    figures = run(plan)
    print_table(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0
