"""Run inside a test's network namespace: how long the host's peer takes to answer an aiortc client's offer, as
offered and with its host candidates hidden behind ``.local`` names that nobody answers for; then what became of
those names. Prints one JSON object.

    python -m tests.support.answer_time CLIENT_ADDRESS
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import sys
import time
import uuid

from aiortc import RTCConfiguration, RTCPeerConnection
from proxim_capture_testpattern.pattern import TestPatternSource

from proxim_tray.media import ScreenVideoTrack, StreamSettings
from proxim_tray.peer import HostPeer

_HOST_ADDRESS = re.compile(r"^(a=candidate:\S+ \d+ udp \d+ )(\S+)( \d+ typ host)", re.MULTILINE)
RESOLUTION_WAIT = 6.0  # seconds: longer than the resolver's timeout


class Records(logging.Handler):
    """The host's log; ``gave_up`` is set when the resolver gives up on names."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []
        self.gave_up = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())
        if record.getMessage().startswith("no mDNS answer"):
            self.gave_up.set()


async def answer_time(offer: str, client_address: str) -> tuple[float, HostPeer, ScreenVideoTrack]:
    track = ScreenVideoTrack(TestPatternSource((320, 240), 0), StreamSettings())
    host = HostPeer([])
    started = time.monotonic()
    await host.answer(offer, track, client_address=client_address)
    return (time.monotonic() - started) * 1000, host, track


async def main(client_address: str) -> None:
    records = Records()
    logging.getLogger("proxim_tray").addHandler(records)
    logging.getLogger("proxim_tray").setLevel(logging.INFO)
    client = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    client.addTransceiver("video", direction="recvonly")
    client.createDataChannel("control")
    await client.setLocalDescription(await client.createOffer())
    offer = client.localDescription.sdp
    hidden = _HOST_ADDRESS.sub(lambda m: f"{m.group(1)}{uuid.uuid4()}.local{m.group(3)}", offer)
    plain_ms, plain_host, plain_track = await answer_time(offer, client_address)
    hidden_ms, hidden_host, hidden_track = await answer_time(hidden, client_address)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(records.gave_up.wait(), RESOLUTION_WAIT)
    for host, track in ((plain_host, plain_track), (hidden_host, hidden_track)):
        await host.close()
        track.stop()
    await client.close()
    result = {
        "plain_ms": plain_ms,
        "hidden_ms": hidden_ms,
        "hidden_candidates": len(_HOST_ADDRESS.findall(offer)),
        "log": records.messages,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
