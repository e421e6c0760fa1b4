"""The client side of the input benchmark, in its own process as a browser would be: an aiortc peer with a ``control``
data channel, driven by lines on standard input.

Lines in: ``answer <json sdp>``; ``move <x> <y>`` sends one pointer message to that pixel; ``stream <rate> <seconds>
<first index>`` sends ``rate`` messages a second to the benchmark's grid positions. Lines out: ``offer <json sdp>``,
``open``, ``sent <count>`` after each command.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

from bench.input import SCREEN, positions

TICK_SECONDS = 0.002


def move_message(x: int, y: int) -> str:
    return json.dumps({"t": "move", "x": x / (SCREEN[0] - 1), "y": y / (SCREEN[1] - 1)})


async def main() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    channel = pc.createDataChannel("control")
    opened = asyncio.Event()
    channel.on("open", opened.set)
    drained = asyncio.Event()
    channel.on("bufferedamountlow", drained.set)  # the threshold is 0: everything queued went out
    await pc.setLocalDescription(await pc.createOffer())
    print("offer", json.dumps(pc.localDescription.sdp), flush=True)
    while line := (await reader.readline()).decode():
        command, _, rest = line.strip().partition(" ")
        if command == "answer":
            await pc.setRemoteDescription(RTCSessionDescription(json.loads(rest), "answer"))
            await asyncio.wait_for(opened.wait(), 10)
            print("open", flush=True)
        elif command == "move":
            x, y = rest.split()
            channel.send(move_message(int(x), int(y)))
            print("sent 1", flush=True)
        elif command == "stream":
            rate, seconds, first = rest.split()
            grid = positions(int(first))
            sent = 0
            started = time.monotonic()
            while (elapsed := time.monotonic() - started) < float(seconds):
                for _ in range(int(elapsed * float(rate)) - sent):
                    channel.send(move_message(*next(grid)))
                    sent += 1
                await asyncio.sleep(TICK_SECONDS)
            drained.clear()
            if channel.bufferedAmount:  # "sent" means handed to the network, not queued in this process
                await asyncio.wait_for(drained.wait(), 30)
            print(f"sent {sent}", flush=True)
    await pc.close()


if __name__ == "__main__":
    asyncio.run(main())
