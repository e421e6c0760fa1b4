"""A client that stops reading: ``python -m bench slowreader [--seconds S] [--json PATH]``.

A real host (``proxim host --no-tray`` on loopback). The client opens the signaling WebSocket with a small receive
buffer, then sends bad frames as fast as the host takes them, each of which the host answers with an error, and never
reads a byte: the host's replies pile up against a closed window. The host's resident memory is sampled meanwhile,
every ``SAMPLE_EVERY`` seconds, for ``--seconds``; a connection the host closes is opened again. Then an ordinary
client must still pair. The run passes when memory grows less than ``RSS_BOUND_KIB`` from the first second on and the
host drops a connection that does not read its replies within ``DROP_WITHIN`` (docs/protocol.md: a message a client
does not read within 5 s drops it), so a non-reading client cannot hold a socket and its descriptor for good.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import socket
import struct
import threading
import time
from pathlib import Path
from typing import Any

from bench._host import Host, running_host
from proxim_tray.client import ProximClient

SAMPLE_EVERY = 0.5
RSS_BOUND_KIB = 8 * 1024
RECEIVE_BUFFER = 4096
BAD_FRAME = b'{"type": "nope"}'
# the host's send timeout (5 s), then the WebSocket closing handshake's own timeout (10 s, which a client that does
# not read lets run out)
DROP_WITHIN = 15.0
REFUSED_PAUSE = 0.2


def masked_text_frame(payload: bytes) -> bytes:
    """One client-to-server WebSocket text frame (RFC 6455: clients mask)."""
    mask = os.urandom(4)
    length = len(payload)
    header = struct.pack("!BB", 0x81, 0x80 | length) if length < 126 else struct.pack("!BBH", 0x81, 0xFE, length)
    return header + mask + bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))


def open_without_reading(port: int) -> socket.socket:
    """A WebSocket to the host whose receive buffer is small; the handshake's answer is the only thing read."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = sock.recv(1)
        if not chunk:
            raise ConnectionError("the host closed the connection during the handshake")
        answer += chunk
    if not answer.startswith(b"HTTP/1.1 101"):
        raise ConnectionError(f"the host refused the WebSocket: {answer.splitlines()[0]!r}")
    sock.settimeout(0.2)
    return sock


def flood(port: int, stop: threading.Event, counts: dict[str, int], closes: list[float]) -> None:
    """Send bad frames, never reading; ``closes`` gets how long each connection lived when the host closed it."""
    frame = masked_text_frame(BAD_FRAME)
    burst = frame * 64
    while not stop.is_set():
        try:
            sock = open_without_reading(port)
        except OSError:  # refused (too many connections from this address, say): try again shortly
            counts["refused"] += 1
            stop.wait(REFUSED_PAUSE)
            continue
        opened = time.monotonic()
        counts["connections"] += 1
        try:
            while not stop.is_set():
                try:
                    sock.sendall(burst)
                    counts["frames"] += 64
                except TimeoutError:
                    counts["stalls"] += 1  # the host stopped taking frames: its replies are not being read
        except OSError:
            closes.append(round(time.monotonic() - opened, 2))
        finally:
            sock.close()


async def pairs(host: Host, link: str) -> bool:
    client = ProximClient(link, device_name="After the slow reader")
    try:
        await client.start()
        await asyncio.to_thread(host.approve)
        return bool((await client.next_message())["type"] == "pending")
    finally:
        await client.close()


def run(seconds: float) -> dict[str, Any]:
    with running_host(None, "--capture", "testpattern") as host:
        link = host.next_link()
        counts = {"connections": 0, "refused": 0, "frames": 0, "stalls": 0}
        closes: list[float] = []
        stop = threading.Event()
        flooder = threading.Thread(target=flood, args=(host.port, stop, counts, closes), daemon=True)
        started = time.monotonic()
        flooder.start()
        samples = []
        while (elapsed := time.monotonic() - started) < seconds:
            samples.append((round(elapsed, 1), host.vitals().rss_kib))
            time.sleep(SAMPLE_EVERY)
        stop.set()
        flooder.join(5)
        paired = asyncio.run(pairs(host, link))
        log = host.log.read_text(errors="replace")
    settled = [rss for at, rss in samples if at >= 1.0]
    growth = max(settled) - settled[0]
    problems = [] if growth <= RSS_BOUND_KIB else [f"memory grew {growth} KiB (bound {RSS_BOUND_KIB} KiB)"]
    if not paired:
        problems.append("an ordinary client could not pair afterwards")
    if log.count("Traceback"):
        problems.append(f"the host logged {log.count('Traceback')} tracebacks")
    if seconds > DROP_WITHIN and not any(lived <= DROP_WITHIN for lived in closes):
        problems.append(f"the host kept a connection that does not read open for more than {DROP_WITHIN} s")
    return {
        "seconds": seconds,
        **counts,
        "closed_by_host_after_s": closes,
        "rss_kib": {"first": samples[0][1], "at_1s": settled[0], "max": max(settled), "last": settled[-1]},
        "growth_kib": growth,
        "fresh_client_paired": paired,
        "host_tracebacks": log.count("Traceback"),
        "host_request_errors": log.count("Error handling request"),
        "samples": samples,
        "problems": problems,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench slowreader", description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures as JSON to PATH")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the client floods (default: 60)")
    args = parser.parse_args(argv)
    figures = run(args.seconds)
    print(json.dumps({k: v for k, v in figures.items() if k != "samples"}, indent=1))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 1 if figures["problems"] else 0
