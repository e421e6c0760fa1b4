"""The benchmark's air (bench/_stream/air.py): the link between phone and host passes through it, and it delays
every frame by the jitter asked for, in order."""

from __future__ import annotations

import subprocess
import sys

from tests.support.netns import Lab, Namespace, lan_through_air
from tests.support.processes import LineProcess

ECHO = """
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.78.0.1", 9000))
print("ready", flush=True)
while True:
    data, peer = s.recvfrom(2048)
    s.sendto(data, peer)
"""
PROBE = """
import socket, statistics, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
rtts, order = [], []
for n in range(40):
    started = time.monotonic()
    s.sendto(str(n).encode() + b" " * 1000, ("10.78.0.1", 9000))
    order.append(int(s.recvfrom(2048)[0].split()[0]))
    rtts.append((time.monotonic() - started) * 1000)
print(min(rtts), statistics.median(rtts), max(rtts), order == list(range(40)))
"""


def round_trips(phone: Namespace) -> tuple[float, float, float, bool]:
    argv = phone.argv([sys.executable, "-c", PROBE])
    words = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=60).stdout.split()
    return float(words[0]), float(words[1]), float(words[2]), words[3] == "True"


def test_the_air_forwards_everything_and_delays_it_by_the_jitter_asked_for(lab: Lab) -> None:
    host, phone, air = lan_through_air(lab, host_addresses=["10.78.0.1/24"], phone_addresses=["10.78.0.2/24"])
    bridge = LineProcess(air.argv([sys.executable, "-m", "bench._stream.air", "host", "phone"]))
    echo = LineProcess(host.argv([sys.executable, "-c", ECHO]))
    try:
        bridge.wait_for("^ready$")
        echo.wait_for("^ready$")
        fastest, median, _, in_order = round_trips(phone)
        assert in_order and median < 10, f"no delay asked for: {median} ms round trip"
        bridge.send("delay 5 15")
        bridge.wait_for("^delay 5 15$")
        fastest, median, slowest, in_order = round_trips(phone)
        # each way 5-15 ms: a round trip of 10-30 ms, plus the machine's own time
        assert in_order
        assert fastest >= 10, fastest
        assert 15 <= median <= 30 and slowest < 60, (median, slowest)
        bridge.send("count")
        words = bridge.wait_for("^count ").string.split()
        assert int(words[1]) >= 80 and int(words[2]) >= 80, "every datagram (and ARP) crossed the air"
    finally:
        echo.stop()
        bridge.stop()
