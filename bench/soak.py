"""Many sessions in a row: ``python -m bench soak [--cycles N] [--json PATH]``.

Everything real: a private Xvfb, the host as a user runs it (``proxim host --no-tray``, mss capture, XTEST input),
an X client that receives the input (the witness), and the Python client pairing over the WebSocket with aiortc. One
cycle: pair and approve from the host's console -> receive video frames -> control (a click; Shift released before
its letter, as typists do; a ``text`` message; a key still held) -> disconnect -> the host shows a fresh link. After
each cycle the host's resident memory, open file descriptors and threads are read from /proc and the keys the X
server has down from XQueryKeymap. The run passes when every cycle stays within the bounds below, no key is ever
left down and every cycle typed what it sent.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from pathlib import Path
from typing import Any

from bench._host import Host, keys_down, paired, running_host
from bench._stream.rig import xvfb
from tests.support.processes import XWitness, child_env

SCREEN = (1280, 720)
FRAMES_PER_CYCLE = 5
WARMUP_CYCLES = 2
# bounds, from the full run in docs/reliability.md: every cycle ...
FD_SLACK = 2  # ... holds at most this many descriptors more than after the first cycle
THREAD_CEILING = 16  # ... ends with at most this many threads (9 at rest; a live session adds 4)
RSS_GROWTH_KIB = 128 * 1024  # ... and at most this much memory more than after the first cycle (allocator warm-up)
# and over a run of at least TREND_MIN_CYCLES, the second half's memory peak is at most RSS_TREND_KIB above the first's
TREND_MIN_CYCLES = 100
RSS_TREND_KIB = 16 * 1024
TYPED = "soak"
HELD = "b"
EXPECTED = "A" + TYPED


def key(kind: str, key_name: str, code: str, mods: list[str]) -> dict[str, Any]:
    return {"t": kind, "key": key_name, "code": code, "mods": mods}


# a capital A typed by someone who lets go of Shift before the letter
SHIFT_RELEASED_FIRST = [
    key("kd", "Shift", "ShiftLeft", ["Shift"]),
    key("kd", "A", "KeyA", ["Shift"]),
    key("ku", "Shift", "ShiftLeft", []),
    key("ku", "a", "KeyA", []),
]


async def cycle(host: Host, witness: XWitness, link: str) -> tuple[str, str]:
    """One session from pairing to its end: what the witness typed, and the fresh link the host shows afterwards."""
    client, hello = await paired(host, link, "Soak client")
    try:
        if "control" not in hello["permissions"]:
            raise RuntimeError(f"the host did not grant control: {hello}")
        assert client.video is not None
        for _ in range(FRAMES_PER_CYCLE):
            await asyncio.wait_for(client.video.recv(), 10)
        client.control({"t": "down", "b": "left", "x": 0.5, "y": 0.5})
        client.control({"t": "up", "b": "left"})
        await asyncio.to_thread(witness.next_event, "button_release")
        for message in SHIFT_RELEASED_FIRST:
            client.control(message)
        client.control({"t": "text", "text": TYPED})
        client.control(key("kd", HELD, "KeyB", []))  # still held when the client leaves
        typed = await asyncio.to_thread(typed_until, witness, HELD)
    finally:
        await client.close()
    await asyncio.to_thread(host.wait_for, r"^Session with .+ ended: client left\.$")
    return typed, await asyncio.to_thread(host.next_link)


def typed_until(witness: XWitness, last: str, timeout: float = 5.0) -> str:
    """The characters the witness receives up to and without ``last``; what came when ``last`` does not."""
    typed = ""
    while True:
        try:
            event = witness.next_event("key_press", timeout)
        except TimeoutError:
            return typed
        if event["text"] == last:
            return typed
        if len(event["text"]) == 1:
            typed += event["text"]


async def soak(host: Host, witness: XWitness, display_name: str, cycles: int) -> list[dict[str, Any]]:
    samples = []
    link = await asyncio.to_thread(host.next_link)
    witness.focus()
    for index in range(cycles):
        started = time.monotonic()
        typed, link = await cycle(host, witness, link)
        samples.append(
            {
                "cycle": index + 1,
                "seconds": round(time.monotonic() - started, 3),
                **host.vitals().as_dict(),
                "keys_down": keys_down(display_name),
                "typed": typed,
            }
        )
    return samples


def halved(samples: list[dict[str, Any]], warmup: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    after = samples[warmup:]
    return after[: len(after) // 2], after[len(after) // 2 :]


def verdict(samples: list[dict[str, Any]], warmup: int = WARMUP_CYCLES) -> list[str]:
    """What broke the stated bounds; empty when the run is flat."""
    first = samples[0]
    problems = [f"cycle {s['cycle']}: keys left down {s['keys_down']}" for s in samples if s["keys_down"]]
    problems += [
        f"cycle {s['cycle']}: typed {s['typed']!r}, not {EXPECTED!r}" for s in samples if s["typed"] != EXPECTED
    ]
    for s in samples:
        if s["fds"] > first["fds"] + FD_SLACK:
            problems.append(f"cycle {s['cycle']}: {s['fds']} file descriptors, {first['fds']} after the first")
        if s["threads"] > THREAD_CEILING:
            problems.append(f"cycle {s['cycle']}: {s['threads']} threads (bound {THREAD_CEILING})")
        if s["rss_kib"] - first["rss_kib"] > RSS_GROWTH_KIB:
            problems.append(f"cycle {s['cycle']}: memory {s['rss_kib'] - first['rss_kib']} KiB above the first cycle's")
    if len(samples) >= TREND_MIN_CYCLES:
        halves = halved(samples, warmup)
        before, later = (max(s["rss_kib"] for s in half) for half in halves)
        if later > before + RSS_TREND_KIB:
            problems.append(f"memory still rising: peak {before} KiB in the first half, {later} KiB in the second")
    return problems


def summary(samples: list[dict[str, Any]], warmup: int = WARMUP_CYCLES) -> dict[str, Any]:
    first, second = halved(samples, warmup)

    def spread(name: str) -> dict[str, int]:
        values = [s[name] for s in first + second]
        return {
            "min": min(values),
            "max": max(values),
            "first_half_peak": max(s[name] for s in first),
            "second_half_peak": max(s[name] for s in second),
            "last": samples[-1][name],
        }

    seconds = sorted(s["seconds"] for s in samples)
    return {
        "cycles": len(samples),
        "warmup_cycles": warmup,
        "cycle_seconds": {"median": seconds[len(seconds) // 2], "max": seconds[-1]},
        "rss_kib": spread("rss_kib"),
        "fds": spread("fds"),
        "threads": spread("threads"),
        "cycles_with_keys_down": sum(1 for s in samples if s["keys_down"]),
        "cycles_mistyped": sum(1 for s in samples if s["typed"] != EXPECTED),
        "bounds": {
            "rss_growth_kib": RSS_GROWTH_KIB,
            "rss_trend_kib": RSS_TREND_KIB,
            "fd_slack": FD_SLACK,
            "thread_ceiling": THREAD_CEILING,
        },
        "problems": verdict(samples, warmup),
    }


def run(display_name: str, cycles: int) -> list[dict[str, Any]]:
    """``cycles`` sessions against a fresh host on ``display_name``; one sample per cycle."""
    env = child_env(DISPLAY=display_name)
    env.pop("WAYLAND_DISPLAY", None)
    witness = XWitness(env)
    try:
        with running_host(display_name) as host:
            return asyncio.run(soak(host, witness, display_name, cycles))
    finally:
        witness.stop()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench soak", description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the samples and summary as JSON")
    parser.add_argument("--cycles", type=int, default=200, help="sessions in a row (default: 200, at least 6)")
    args = parser.parse_args(argv)
    if args.cycles < WARMUP_CYCLES + 4:
        parser.error(f"--cycles must be at least {WARMUP_CYCLES + 4}")
    with xvfb(*SCREEN) as display_name:
        os.environ["DISPLAY"] = display_name
        samples = run(display_name, args.cycles)
    figures = summary(samples)
    for name in ("rss_kib", "fds", "threads"):
        print(f"{name:<8} {figures[name]}")
    print(f"cycle seconds {figures['cycle_seconds']}")
    print(f"cycles with keys down: {figures['cycles_with_keys_down']}; mistyped: {figures['cycles_mistyped']}")
    print("\n".join(figures["problems"]) or "flat within the bounds")
    if args.json:
        args.json.write_text(json.dumps({"summary": figures, "samples": samples}, indent=2) + "\n")
    return 1 if figures["problems"] else 0
