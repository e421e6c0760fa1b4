"""Remote input latency and throughput: ``python -m bench input [--json PATH] [--events N] [--rate R] [--seconds S]``.

Everything is real: a private Xvfb, two aiortc peers in this process joined by a data channel, the host's
``RemoteControl`` with the XTEST input backend, and an X client in its own process that timestamps the motion events
it receives. Measured:

- latency: a control message received on the host's data channel -> the X client sees the motion, one message at a
  time (no queueing), over ``--events`` messages; the baseline is the backend called directly (no channel, no
  validation, no queue) in the same run, so the ratio shows what the control path costs;
- throughput: ``--rate`` pointer messages a second for ``--seconds``; the X events observed per second, and the
  backlog (how far X lags behind the last message received when the client stops).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from bench._stream.rig import xvfb

GRID_MARGIN = 10
SCREEN = (800, 600)


class Observer:
    """The X client process; ``seen`` maps each pixel position to when it first saw the pointer arrive there."""

    def __init__(self, display_name: str) -> None:
        env = dict(os.environ, DISPLAY=display_name)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench._xobserver"],
            stdout=subprocess.PIPE,
            env=env,
            cwd=Path(__file__).resolve().parents[1],
            text=True,
        )
        assert self.proc.stdout is not None
        if self.proc.stdout.readline().strip() != "ready":
            raise RuntimeError("the X observer did not start")
        self.seen: dict[tuple[int, int], int] = {}
        self._changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            stamp, x, y = line.split()
            with self._changed:
                self.seen.setdefault((int(x), int(y)), int(stamp))
                self._changed.notify_all()

    def wait_for(self, position: tuple[int, int], timeout: float = 2.0) -> int | None:
        """When the pointer reached ``position`` (ns), waiting up to ``timeout``; None if it never did."""
        with self._changed:
            self._changed.wait_for(lambda: position in self.seen, timeout)
            return self.seen.get(position)

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(5)


def positions(start: int) -> Iterator[tuple[int, int]]:
    """Distinct pixel positions, each away from the one before."""
    width = SCREEN[0] - 2 * GRID_MARGIN
    index = start
    while True:
        yield GRID_MARGIN + (index * 7) % width, GRID_MARGIN + (index // width) % (SCREEN[1] - 2 * GRID_MARGIN)
        index += 1


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class ClientProcess:
    """bench/_client.py: the sending peer, in a process of its own."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench._client"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=Path(__file__).resolve().parents[1],
            text=True,
            bufsize=1,
        )

    def command(self, line: str) -> str:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def offer(self) -> str:
        assert self.proc.stdout is not None
        kind, _, sdp = self.proc.stdout.readline().partition(" ")
        if kind != "offer":
            raise RuntimeError("the benchmark client did not start")
        return str(json.loads(sdp))

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(10)


async def run(events: int, rate: float, seconds: float) -> dict[str, object]:
    from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
    from proxim_input_x11.backend import X11InputBackend

    from proxim_tray.approval import FULL_CONTROL
    from proxim_tray.backends import ScreenGeometry
    from proxim_tray.control import RemoteControl

    backend = X11InputBackend()
    reason = backend.unavailable_reason()
    if reason:
        raise RuntimeError(reason)
    observer = Observer(os.environ["DISPLAY"])
    client = ClientProcess()
    host = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    host_channel: asyncio.Future[object] = asyncio.get_running_loop().create_future()
    host.on("datachannel", host_channel.set_result)
    await host.setRemoteDescription(RTCSessionDescription(await asyncio.to_thread(client.offer), "offer"))
    await host.setLocalDescription(await host.createAnswer())
    opened = asyncio.ensure_future(asyncio.to_thread(client.command, "answer " + json.dumps(host.localDescription.sdp)))
    receiving = await asyncio.wait_for(host_channel, 10)
    if await opened != "open":
        raise RuntimeError("the data channel did not open")
    control = RemoteControl(backend, ScreenGeometry(0, 0, *SCREEN), FULL_CONTROL, lambda message: None)
    received: list[int] = []
    expected = [0]  # how many stream messages to wait for, once the client says how many it sent
    all_received = asyncio.Event()

    def on_message(raw: str) -> None:
        received.append(time.monotonic_ns())
        control.handle(raw)
        if expected[0] and len(received) >= expected[0]:
            all_received.set()

    receiving.on("message", on_message)  # type: ignore[attr-defined]

    try:
        grid = positions(0)
        # latency, one message at a time
        latencies = []
        for _ in range(events):
            position = next(grid)
            await asyncio.to_thread(client.command, f"move {position[0]} {position[1]}")
            seen = await asyncio.to_thread(observer.wait_for, position)
            if seen is not None:
                latencies.append((seen - received[-1]) / 1e6)

        # baseline: the backend alone, called directly
        def direct() -> list[float]:
            found = []
            for _ in range(events):
                position = next(grid)
                start = time.monotonic_ns()
                backend.move(*position)
                seen = observer.wait_for(position)
                if seen is not None:
                    found.append((seen - start) / 1e6)
            return found

        baseline = await asyncio.to_thread(direct)

        # throughput: a steady stream at ``rate`` messages a second, from the grid's next positions
        first = 3 * events
        received.clear()
        reply = await asyncio.to_thread(client.command, f"stream {rate} {seconds} {first}")
        count = int(reply.split()[1])
        sent = list(itertools.islice(positions(first), count))
        expected[0] = count
        if len(received) < count:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(all_received.wait(), 10.0)
        last_seen = await asyncio.to_thread(observer.wait_for, sent[len(received) - 1], 5.0)
        observed = [observer.seen[p] for p in sent if p in observer.seen]
        duration = (max(observed) - received[0]) / 1e9
        backlog_ms = (last_seen - received[-1]) / 1e6 if last_seen is not None else float("inf")
    finally:
        await control.close()
        await host.close()
        client.close()
        observer.close()
        backend.close()

    return {
        "input_latency_ms": {"p50": percentile(latencies, 0.5), "p99": percentile(latencies, 0.99)},
        "input_events_per_s": len(observed) / duration,
        "latency_events": len(latencies),
        "latency_mean_ms": statistics.fmean(latencies),
        "baseline_latency_ms": {"p50": percentile(baseline, 0.5), "p99": percentile(baseline, 0.99)},
        "latency_ratio_p50": percentile(latencies, 0.5) / percentile(baseline, 0.5),
        "throughput": {
            "offered_per_s": rate,
            "seconds": seconds,
            "sent": count,
            "received": len(received),
            "x_events_observed": len(observed),
            "messages_received_per_s": len(received) / duration,
            "backlog_ms": backlog_ms,
        },
    }


def print_table(figures: dict[str, object]) -> None:
    latency = figures["input_latency_ms"]
    baseline = figures["baseline_latency_ms"]
    throughput = figures["throughput"]
    assert isinstance(latency, dict) and isinstance(baseline, dict) and isinstance(throughput, dict)
    rows = [
        ("message received -> X event, p50", f"{latency['p50']:.3f} ms", "", ""),
        ("message received -> X event, p99", f"{latency['p99']:.3f} ms", "<= 5 ms", ""),
        ("baseline (backend alone), p50", f"{baseline['p50']:.3f} ms", "", f"ratio {figures['latency_ratio_p50']:.2f}"),
        ("baseline (backend alone), p99", f"{baseline['p99']:.3f} ms", "", ""),
        ("events measured", f"{figures['latency_events']}", ">= 2000", ""),
        ("pointer X events per second", f"{figures['input_events_per_s']:.0f}", ">= 1000", ""),
        (
            "messages received per second",
            f"{throughput['messages_received_per_s']:.0f}",
            "",
            f"offered {throughput['offered_per_s']:.0f}",
        ),
        ("backlog when the client stops", f"{throughput['backlog_ms']:.2f} ms", "", ""),
    ]
    width = max(len(row[0]) for row in rows)
    for name, value, target, note in rows:
        print(f"{name:<{width}}  {value:>12}  {target:>8}  {note}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench input", description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures as JSON to PATH")
    parser.add_argument("--events", type=int, default=2000, help="messages in the latency run (default: 2000)")
    parser.add_argument("--rate", type=float, default=1500, help="messages a second offered (default: 1500)")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of the throughput run (default: 3)")
    args = parser.parse_args(argv)
    with xvfb(*SCREEN) as display_name:
        os.environ["DISPLAY"] = display_name
        os.environ.pop("WAYLAND_DISPLAY", None)
        figures = asyncio.run(run(args.events, args.rate, args.seconds))
    print_table(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0
