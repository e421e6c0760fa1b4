"""Fuzzing a live host: ``python -m bench fuzz [--count N] [--seconds S] [--seed N] [--json PATH]``.

Everything real: a private Xvfb, the host as a user runs it (``proxim host --no-tray``), an X client that reports the
input it receives (the witness), the WebSocket and an aiortc data channel. Mutants (bench/_mutants.py: valid messages
broken in one way each, seeded) go, at most ``--count`` per phase and ``--seconds`` in all:

1. signaling: over WebSockets from other loopback addresses, while the host waits with its link;
2. control, view only: mutants and valid messages (with unknown fields too) on the data channel of an approved
   session that may only view;
3. control, full control: mutants only.

Then a valid key press must reach the witness (the channel still works), the client leaves, and a fresh client pairs.
The run passes when nothing was executed (no key or button at the witness, the pointer where it was, no key down, no
approval asked during phase 1), the host logged no traceback, and both checks at the end pass.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import itertools
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
from Xlib import display as xdisplay

from bench._host import Host, keys_down, paired, running_host
from bench._mutants import VALID_CONTROL, VALID_HELLO, Mutant, Mutator, harmless
from bench._stream.rig import xvfb
from bench.guess import guesser_addresses
from proxim_tray.client import PairingLink, ProximClient
from tests.support.processes import XWitness, child_env

SCREEN = (1280, 720)
REPLY_TIMEOUT = 2.0
# the control path's own limit is 2,000 messages a second: stay under it, so every mutant is parsed
CONTROL_BATCH = 100
CONTROL_BATCH_PAUSE = 0.1
# error replies are limited to 20 a second: after this quiet time the next one is answered again
ERROR_BUCKET_REFILL = 1.1
CHANNEL_BACKLOG = 1024 * 1024
SIGNALING_ADDRESSES = 32
BARRIER_TIMEOUT = 10.0


def pointer(display_name: str) -> tuple[int, int]:
    connection = xdisplay.Display(display_name)
    try:
        reply = connection.screen().root.query_pointer()
        return int(reply.root_x), int(reply.root_y)
    finally:
        connection.close()


def input_events(witness: XWitness) -> list[str]:
    return [line for line in witness.drain() if '"key_' in line or '"button_' in line]


async def signaling_phase(link: PairingLink, mutants: Iterator[Mutant], count: int, deadline: float) -> dict[str, Any]:
    """Mutants on WebSockets from other addresses; a socket the host closes is replaced by one from the next."""
    answers: collections.Counter[str] = collections.Counter()
    kinds: collections.Counter[str] = collections.Counter()
    sources = itertools.cycle(guesser_addresses(SIGNALING_ADDRESSES))
    sent = 0
    while sent < count and time.monotonic() < deadline:
        connector = aiohttp.TCPConnector(local_addr=(next(sources), 0), force_close=True)
        async with aiohttp.ClientSession(connector=connector) as http, http.ws_connect(link.websocket_url) as ws:
            while sent < count and time.monotonic() < deadline and not ws.closed:
                mutant = next(mutants)
                sent += 1
                kinds[mutant.kind] += 1
                if isinstance(mutant.raw, bytes):
                    await ws.send_bytes(mutant.raw)
                else:
                    await ws.send_str(mutant.raw)
                reply = await ws.receive(timeout=REPLY_TIMEOUT)
                if reply.type == aiohttp.WSMsgType.TEXT:
                    answers[json.loads(reply.data).get("code", "?")] += 1
                else:
                    answers[f"closed {ws.close_code}"] += 1
    return {"sent": sent, "kinds": dict(kinds), "answers": dict(answers)}


async def barrier(client: ProximClient, tag: str) -> list[dict[str, Any]]:
    """Wait until the host has handled everything sent before (it answers an unknown type, in order); the messages
    that came meanwhile."""
    await asyncio.sleep(ERROR_BUCKET_REFILL)
    client.control({"t": tag})
    arrived: list[dict[str, Any]] = []
    while True:
        message = await asyncio.wait_for(client.control_messages.get(), BARRIER_TIMEOUT)
        if message.get("t") == "error" and tag in message.get("message", ""):
            return arrived
        arrived.append(message)


async def control_phase(
    client: ProximClient, mutants: Iterator[Mutant], count: int, deadline: float, tag: str
) -> dict[str, Any]:
    kinds: collections.Counter[str] = collections.Counter()
    sent = 0
    drained = asyncio.Event()  # big mutants take a while through SCTP: keep the backlog short
    channel = client.channel
    assert channel is not None, "the client is connected"
    channel.bufferedAmountLowThreshold = CHANNEL_BACKLOG
    channel.on("bufferedamountlow", drained.set)
    while sent < count and time.monotonic() < deadline:
        for mutant in itertools.islice(mutants, min(CONTROL_BATCH, count - sent)):
            channel.send(mutant.raw)
            kinds[mutant.kind] += 1
            sent += 1
        drained.clear()
        if channel.bufferedAmount > CHANNEL_BACKLOG:
            await asyncio.wait_for(drained.wait(), BARRIER_TIMEOUT)
        await asyncio.sleep(CONTROL_BATCH_PAUSE)
    answers = collections.Counter(m.get("code") or m.get("t", "?") for m in await barrier(client, tag))
    return {"sent": sent, "kinds": dict(kinds), "answers": dict(answers)}


async def set_access(host: Host, client: ProximClient, command: str, permissions: list[str]) -> None:
    host.send(command)
    while True:
        message = await asyncio.wait_for(client.control_messages.get(), 10)
        if message.get("t") == "perm" and message["permissions"] == permissions:
            return


def nothing_executed(witness: XWitness, display_name: str, where: tuple[int, int]) -> dict[str, Any]:
    return {"input_events": input_events(witness), "pointer_moved": pointer(display_name) != where}


async def fuzz(
    host: Host, witness: XWitness, display_name: str, args: argparse.Namespace, figures: dict[str, Any]
) -> None:
    """Run the phases, filling ``figures`` as they go (its ``step`` says where a failure happened)."""
    deadline = time.monotonic() + args.seconds
    without = frozenset(args.without)
    figures.update(seed=args.seed, count_per_phase=args.count, without=sorted(without))
    link = await asyncio.to_thread(host.next_link)
    witness.focus()
    where = pointer(display_name)

    figures["step"] = "signaling"
    signaling = iter(Mutator(args.seed, [VALID_HELLO], without))
    figures["signaling"] = await signaling_phase(PairingLink.parse(link), signaling, args.count, deadline)
    figures["signaling"]["approval_asked"] = any("Connection request" in line for line in host.drain())

    figures["step"] = "pairing after the signaling phase"
    client, _ = await paired(host, link, "Fuzz client")
    try:
        await set_access(host, client, "view only", ["view"])
        figures["step"] = "view_only"
        phase = control_phase(client, mix(args.seed, without), args.count, deadline, "barrier-view-only")
        figures["view_only"] = await phase
        figures["view_only"].update(nothing_executed(witness, display_name, where))

        await set_access(host, client, "control", ["control", "view"])
        figures["step"] = "control"
        mutants = iter(Mutator(args.seed + 1, VALID_CONTROL, without))
        figures["control"] = await control_phase(client, mutants, args.count, deadline, "barrier-control")
        figures["control"].update(nothing_executed(witness, display_name, where))

        figures["step"] = "a valid key after the fuzz"
        client.control({"t": "kd", "key": "z", "code": "KeyZ"})
        client.control({"t": "ku", "key": "z", "code": "KeyZ"})
        try:
            figures["valid_key_after"] = (await asyncio.to_thread(witness.next_event, "key_press", 5))["text"]
        except TimeoutError:
            figures["valid_key_after"] = None
    finally:
        await client.close()
    figures["step"] = "a fresh client pairing"
    fresh, _ = await paired(host, await asyncio.to_thread(host.next_link), "Fresh client")
    await fresh.close()
    figures["fresh_client_paired"] = True
    figures["keys_down"] = keys_down(display_name)
    figures["seconds"] = round(args.seconds - (deadline - time.monotonic()), 1)
    del figures["step"]


def mix(seed: int, without: frozenset[str]) -> Iterator[Mutant]:
    """Mutants and valid messages, alternately."""
    for pair in zip(Mutator(seed, VALID_CONTROL, without), harmless(seed), strict=True):
        yield from pair


def problems(figures: dict[str, Any], host_log: str) -> list[str]:
    found = []
    if figures["signaling"]["approval_asked"]:
        found.append("a signaling mutant reached the approval prompt")
    for phase in ("view_only", "control"):
        if figures[phase]["input_events"]:
            found.append(f"{phase}: the witness received {figures[phase]['input_events'][:3]}")
        if figures[phase]["pointer_moved"]:
            found.append(f"{phase}: the pointer moved")
    if figures["valid_key_after"] != "z":
        found.append(f"a valid key after the fuzz reached the witness as {figures['valid_key_after']!r}, not 'z'")
    if figures["keys_down"]:
        found.append(f"keys left down: {figures['keys_down']}")
    tracebacks = host_log.count("Traceback")
    if tracebacks:
        found.append(f"the host logged {tracebacks} tracebacks")
    return found


def run(display_name: str, args: argparse.Namespace) -> dict[str, Any]:
    env = child_env(DISPLAY=display_name)
    env.pop("WAYLAND_DISPLAY", None)
    witness = XWitness(env)
    figures: dict[str, Any] = {}
    try:
        with running_host(display_name) as host:
            try:
                asyncio.run(fuzz(host, witness, display_name, args, figures))
                figures["problems"] = problems(figures, host.log.read_text(errors="replace"))
            except Exception as exc:
                step = figures.get("step", "starting")
                figures["problems"] = [f"failed during {step}: {type(exc).__name__}: {exc!r}"]
            figures["host_log_tail"] = host.log.read_text(errors="replace").splitlines()[-15:]
            return figures
    finally:
        witness.stop()


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench fuzz", description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures as JSON to PATH")
    parser.add_argument("--count", type=int, default=5000, help="messages per phase at most (default: 5000)")
    parser.add_argument("--seconds", type=float, default=300.0, help="time for all phases at most (default: 300)")
    parser.add_argument("--seed", type=int, default=11, help="seed of the mutants (default: 11)")
    parser.add_argument(
        "--without", action="append", default=[], choices=Mutator.KINDS, help="leave out a kind of mutant"
    )
    return parser


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    with xvfb(*SCREEN) as display_name:
        os.environ["DISPLAY"] = display_name
        figures = run(display_name, args)
    print(json.dumps({k: v for k, v in figures.items() if k != "host_log_tail"}, indent=1))
    if figures["problems"]:
        print("\n".join(figures["host_log_tail"]))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 1 if figures["problems"] else 0
