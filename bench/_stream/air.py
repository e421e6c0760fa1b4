"""The air between the benchmark's phone and host: an Ethernet bridge in user space that delays every frame.

This machine's kernel has neither netem nor a queueing discipline that honours departure times, so jitter is made
here. Run inside a namespace of its own between two veth ends (``python -m bench._stream.air host phone``, the two
interfaces), it forwards every frame from one interface to the other after a delay drawn uniformly from
``delay LOW HIGH`` (milliseconds, read on standard input; ``delay 0 0`` forwards at once). Frames keep their order in
each direction, as in a Wi-Fi access point's queue: a frame never leaves before the one ahead of it. ``count`` prints
the frames forwarded each way and the delay added to them in all (ms) so far. The interfaces must not offload
segmentation or checksums: a frame is forwarded as read.
"""

from __future__ import annotations

import heapq
import os
import random
import select
import socket
import sys
import time

ETH_P_ALL = 0x0003
FRAME_MAX = 65536


def open_interface(name: str) -> socket.socket:
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.bind((name, 0))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.setblocking(False)
    return sock


def main(argv: list[str]) -> int:
    names = argv[1:3]
    sockets = [open_interface(name) for name in names]
    rng = random.Random(11)
    low = high = 0.0
    queue: list[tuple[float, int, int, bytes]] = []  # (due, order, outgoing socket index, frame)
    last_due = [0.0, 0.0]  # per outgoing socket: frames keep their order
    forwarded = [0, 0]
    added = 0.0
    order = 0
    commands = b""
    print("ready", flush=True)
    while True:
        timeout = max(queue[0][0] - time.monotonic(), 0) if queue else None
        readable, _, _ = select.select([*sockets, sys.stdin], [], [], timeout)
        now = time.monotonic()
        for index, sock in enumerate(sockets):
            if sock not in readable:
                continue
            while True:
                try:
                    frame, address = sock.recvfrom(FRAME_MAX)
                except BlockingIOError:
                    break
                if address[2] == socket.PACKET_OUTGOING:
                    continue  # what this bridge itself sent out of the interface
                out = 1 - index
                delay = rng.uniform(low, high) / 1000 if high else 0.0
                due = max(now + delay, last_due[out])
                last_due[out] = due
                added += due - now
                heapq.heappush(queue, (due, order, out, frame))
                order += 1
        if sys.stdin in readable:
            data = os.read(sys.stdin.fileno(), 4096)
            if not data:
                return 0
            commands += data
            while b"\n" in commands:
                line, commands = commands.split(b"\n", 1)
                words = line.decode().split()
                if words and words[0] == "delay":
                    low, high = float(words[1]), float(words[2])
                    print(f"delay {low:g} {high:g}", flush=True)
                elif words and words[0] == "count":
                    print(f"count {forwarded[0]} {forwarded[1]} {added * 1000:.1f}", flush=True)
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, out, frame = heapq.heappop(queue)
            try:
                sockets[out].send(frame)
                forwarded[1 - out] += 1
            except OSError as exc:  # a frame the other side cannot take: it is lost, as in the air
                print(f"lost {len(frame)} bytes: {exc}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
