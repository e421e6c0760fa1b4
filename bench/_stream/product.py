"""``proxim host`` as its user runs it, with Proxim's own web client connected from the benchmark's Chromium: the
process whose CPU and bitrate a user pays for (signaling, the control channel and the page's heartbeats every 250 ms
included), measured from ``/proc`` and from the datagrams on the wire."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench._host import Host
from bench._stream.measures import IDLE_SETTLE, PACKET_OVERHEAD
from bench._stream.network import Network
from bench._stream.rig import Painter, cpu_seconds
from tests.support.netns import NamespacedHost, host_env
from tests.support.processes import LineProcess


class LiveSession:
    """One ``proxim host --no-tray`` and the web client's page, approved at the host's console and live."""

    def __init__(self, host: LineProcess, browser: Any, net: Network, log: Path | None = None) -> None:
        """``log``: the host's log, at ``-v`` (INFO), if it keeps one."""
        self.host, self.net, self.log = host, net, log
        link = host.wait_for(r"^\s+(http://\S+)$", 20).group(1)
        self.context = browser.new_context(viewport={"width": 1280, "height": 720})
        self.page = self.context.new_page()
        self.page.goto(link)
        host.wait_for(r"Approve connection from .+\? \[y/N\]", 20)
        host.send("y")
        self.page.wait_for_selector("body[data-state=live]", timeout=30_000)

    def sample(self) -> dict[str, Any]:
        """CPU seconds of the host process, what Chromium has received and decoded, and the wire's counters."""
        inbound = self.page.evaluate(
            """async () => {
                let found = {};
                (await window.proxim.pc.getStats()).forEach((s) => {
                    if (s.type === 'inbound-rtp' && s.kind === 'video') found = s;
                });
                return {frames: found.framesReceived || 0, decoded: found.framesDecoded || 0,
                        bytes: found.bytesReceived || 0, packets: found.packetsReceived || 0};
            }"""
        )
        return {"at": time.monotonic(), "cpu": cpu_seconds(self.host.proc.pid), "wire": self.net.wire(), **inbound}

    def encoder_ceilings(self) -> list[int] | None:
        """The bitrate ceiling of each opening of x264 so far (kbit/s; each reopening sends a keyframe), if known."""
        if self.log is None:
            return None
        return [int(found) for found in ENCODER_OPENED.findall(self.log.read_text(errors="replace"))]

    def close(self) -> None:
        self.context.close()
        self.host.stop(10)


ENCODER_OPENED = re.compile(r"H264 encoder \d+x\d+ level \d+, at most (\d+) kbit/s")


@contextmanager
def live_session(browser: Any, net: Network, display: str, workdir: Path, *options: str) -> Iterator[LiveSession]:
    """``proxim host`` in the host's namespace (on loopback without one) on ``display``, with ``options``."""
    host: LineProcess
    log = None
    if net.host is not None:
        workdir.mkdir(exist_ok=True)
        # at -v, to count x264's reopenings in its log (a few lines a session)
        host = NamespacedHost(net.host, workdir, *options, env=host_env(workdir, display))
        log = workdir / f"host-{net.host.name}.log"
    else:
        host = Host(display, workdir, *options)
    try:
        session = LiveSession(host, browser, net, log)
    except BaseException:
        host.stop(10)
        raise
    try:
        yield session
    finally:
        session.close()


def between(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Rates between two samples: frames received and decoded a second, host CPU cores, kbit/s on the wire (both
    ways, every UDP datagram) or, on loopback, from Chromium's byte counter plus header estimates."""
    elapsed = after["at"] - before["at"]
    figures: dict[str, Any] = {
        "fps": round((after["frames"] - before["frames"]) / elapsed, 1),
        "decoded_fps": round((after["decoded"] - before["decoded"]) / elapsed, 1),
        "cpu_cores": round((after["cpu"] - before["cpu"]) / elapsed, 4),
    }
    if before["wire"] is not None:
        sent = after["wire"]["sent_bytes"] - before["wire"]["sent_bytes"]
        received = after["wire"]["received_bytes"] - before["wire"]["received_bytes"]
        figures["kbps"] = round((sent + received) * 8 / elapsed / 1000, 2)
        figures["kbps_to_client"] = round(sent * 8 / elapsed / 1000, 2)
        figures["kbps_from_client"] = round(received * 8 / elapsed / 1000, 2)
        figures["kbps_from"] = "every UDP datagram between host and browser, both ways (nftables counters)"
    else:
        payload = after["bytes"] - before["bytes"] + (after["packets"] - before["packets"]) * PACKET_OVERHEAD
        figures["kbps"] = round(payload * 8 / elapsed / 1000, 2)
        figures["kbps_from"] = "Chromium's received video bytes plus header estimates (loopback: no wire counters)"
    return figures


def still(session: LiveSession, seconds: float) -> dict[str, Any]:
    """A still screen, from ``IDLE_SETTLE`` after the last change, for ``seconds``."""
    time.sleep(IDLE_SETTLE)
    before = session.sample()
    time.sleep(seconds)
    return between(before, session.sample())


def moving(session: LiveSession, painter: Painter, rate: float, seconds: float) -> dict[str, Any]:
    """The whole screen scrolling ``rate`` steps a second, for ``seconds`` after a second's start."""
    painter.animate(rate)
    try:
        time.sleep(1.0)
        before, steps_before = session.sample(), painter.steps()
        time.sleep(seconds)
        after, steps_after = session.sample(), painter.steps()
    finally:
        painter.animate(0)
    figures = between(before, after)
    figures["screen_changes_per_s"] = round((steps_after - steps_before) / (after["at"] - before["at"]), 1)
    figures["frames_per_cpu_second"] = round(figures["fps"] / figures["cpu_cores"], 1) if figures["cpu_cores"] else 0
    return figures
