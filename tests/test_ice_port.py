"""The media-port seam (proxim_tray/ice_port.py): the host's ICE host candidates on one chosen UDP port, with a real
aiortc client connecting to them over this machine's own addresses."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import socket
from collections.abc import AsyncIterator, Iterator

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from proxim_capture_testpattern.pattern import TestPatternSource

from proxim_tray.media import ScreenVideoTrack, StreamSettings
from proxim_tray.peer import HostPeer
from tests.test_streaming import until

_HOST_CANDIDATE = re.compile(r"^a=candidate:\S+ \d+ udp \d+ (\S+) (\d+) typ host", re.MULTILINE)


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def connected(media_port: int) -> AsyncIterator[tuple[str, RTCPeerConnection]]:
    """A host peer answering on ``media_port`` and an aiortc client connected to it; yields the answer."""
    source = TestPatternSource((320, 240), 10)
    track = ScreenVideoTrack(source, StreamSettings())
    host = HostPeer([], media_port)
    client = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    client.addTransceiver("video", direction="recvonly")
    try:
        await client.setLocalDescription(await client.createOffer())
        answer = await host.answer(client.localDescription.sdp, track)
        await client.setRemoteDescription(RTCSessionDescription(answer, "answer"))
        await until(lambda: client.connectionState == "connected")
        yield answer, client
    finally:
        await client.close()
        await host.close()
        track.stop()
        source.close()


@pytest.fixture
def occupied_port() -> Iterator[int]:
    """A UDP port another program holds on every IPv4 address."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("", 0))
        yield int(sock.getsockname()[1])


async def test_every_host_candidate_is_on_the_media_port() -> None:
    port = free_udp_port()
    async with connected(port) as (answer, _):
        candidates = _HOST_CANDIDATE.findall(answer)
        assert candidates, answer
        assert {int(candidate_port) for _, candidate_port in candidates} == {port}
    # the loop's own method is back once gathering ends
    assert "create_datagram_endpoint" not in vars(asyncio.get_running_loop())


async def test_the_next_session_gets_the_port_again() -> None:
    port = free_udp_port()
    for _ in range(2):
        async with connected(port) as (answer, _):
            assert {int(p) for _, p in _HOST_CANDIDATE.findall(answer)} == {port}


async def test_a_busy_port_falls_back_to_a_random_one_with_a_warning(
    occupied_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="proxim_tray.ice_port")
    async with connected(occupied_port) as (answer, client):
        ipv4_ports = {int(port) for address, port in _HOST_CANDIDATE.findall(answer) if ":" not in address}
        assert ipv4_ports and occupied_port not in ipv4_ports
        assert client.connectionState == "connected"
    assert f"cannot use UDP port {occupied_port}" in caplog.text
    assert "--media-port" in caplog.text
