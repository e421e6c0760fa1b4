"""The video path for real: mss on Xvfb, the host's peer and encoders, and a real aiortc or Chromium receiver."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from proxim_capture_mss.source import MssCaptureSource

from proxim_tray.encoding import BitrateController, EncoderSettings, ScreenH264Encoder, h264_level
from proxim_tray.errors import ConfigError
from proxim_tray.media import HEARTBEAT_INTERVAL, ScreenVideoTrack, StreamSettings
from proxim_tray.peer import HostPeer
from tests.support.processes import XWitness
from tests.test_end_to_end import pair, wait_for_colour

PURE_COLOURS = {"FF0000": (255, 0, 0), "00FF00": (0, 255, 0), "0000FF": (0, 0, 255), "808080": (128, 128, 128)}


@dataclass
class Stream:
    host: HostPeer
    track: ScreenVideoTrack
    client: RTCPeerConnection
    frames_received: list[float]

    @property
    def encoder(self) -> ScreenH264Encoder:
        assert isinstance(self.host.encoder, ScreenH264Encoder)
        return self.host.encoder


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


async def consume(track: MediaStreamTrack, arrivals: list[float]) -> None:
    try:
        while True:
            await track.recv()
            arrivals.append(time.monotonic())
    except MediaStreamError:
        pass


@pytest.fixture
async def stream(xvfb: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Stream]:
    """The host's screen track sent by its peer to an aiortc client, connected over the machine's own addresses."""
    monkeypatch.setenv("DISPLAY", xvfb)
    source = MssCaptureSource(monitor=1)
    track = ScreenVideoTrack(source, StreamSettings())
    host = HostPeer([])
    client = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    client.addTransceiver("video", direction="recvonly")
    arrivals: list[float] = []
    consumers: list[asyncio.Task[None]] = []
    client.on("track", lambda remote: consumers.append(asyncio.ensure_future(consume(remote, arrivals))))
    await client.setLocalDescription(await client.createOffer())
    answer = await host.answer(client.localDescription.sdp, track)
    await client.setRemoteDescription(RTCSessionDescription(answer, "answer"))
    result = Stream(host, track, client, arrivals)
    try:
        await until(lambda: len(arrivals) > 0)
        yield result
    finally:
        await client.close()
        await host.close()
        for consumer in consumers:
            consumer.cancel()
        source.close()


async def quiet(stream: Stream) -> None:
    """Wait until the screen has stopped changing (the first frames and the cursor settle)."""
    captured = -1
    while captured != stream.track.frames_captured:
        captured = stream.track.frames_captured
        await asyncio.sleep(0.5)


async def test_an_unchanged_screen_is_not_grabbed_nor_re_encoded(stream: Stream, witness: XWitness) -> None:
    assert stream.track.codec == "h264"
    assert stream.track.change_driven
    await quiet(stream)
    captured, encoded = stream.track.frames_captured, stream.encoder.frames_encoded
    idle = 3 * HEARTBEAT_INTERVAL
    await asyncio.sleep(idle)
    assert stream.track.frames_captured == captured, "nothing changed, yet the screen was grabbed again"
    # only the heartbeat, an almost empty frame a second that keeps the receiver from asking for keyframes
    assert stream.encoder.frames_encoded - encoded <= idle / HEARTBEAT_INTERVAL + 1
    await asyncio.to_thread(witness.paint, "00FF00")
    await until(lambda: stream.track.frames_captured > captured)


async def test_a_picture_loss_report_gets_a_keyframe_while_the_screen_is_still(stream: Stream) -> None:
    await quiet(stream)
    sent = stream.encoder.frames_encoded
    assert stream.encoder.keyframes_forced == 0
    receiver = stream.client.getTransceivers()[0].receiver
    sender = stream.host.pc.getTransceivers()[0].sender
    await receiver._send_rtcp_pli(sender._ssrc)  # what a receiver sends when it lost the picture
    # well before the next heartbeat would have sent anything
    await until(lambda: stream.encoder.keyframes_forced == 1, timeout=HEARTBEAT_INTERVAL / 2)
    assert stream.host.keyframe_requests == 1
    assert stream.encoder.frames_encoded == sent + 1


async def test_a_forced_codec_the_client_lacks_is_a_clear_error(xvfb: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", xvfb)
    client = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    transceiver = client.addTransceiver("video", direction="recvonly")
    capabilities = transceiver.receiver.getCapabilities("video")
    assert capabilities is not None
    transceiver.setCodecPreferences([c for c in capabilities.codecs if c.mimeType != "video/VP8"])
    await client.setLocalDescription(await client.createOffer())
    host = HostPeer([])
    source = MssCaptureSource()
    try:
        track = ScreenVideoTrack(source, StreamSettings(codec="vp8"))
        with pytest.raises(ConfigError, match="the client cannot receive VP8 video; use a current browser or"):
            await host.answer(client.localDescription.sdp, track)
    finally:
        await host.close()
        await client.close()
        source.close()


def test_the_h264_level_fits_the_picture_and_rate() -> None:
    assert h264_level(1280, 720, 30) == "31"
    assert h264_level(1280, 720, 60) == "32"
    assert h264_level(1920, 1080, 30) == "40"
    assert h264_level(1920, 1080, 60) == "42"
    assert h264_level(3840, 2160, 30) == "51"


def test_the_bitrate_backs_off_on_loss_and_on_congestion_but_not_for_a_quiet_screen() -> None:
    controller = BitrateController(EncoderSettings(min_bitrate=500_000, max_bitrate=6_000_000))
    assert controller.target == 6_000_000
    # a still screen sends little, and Chromium's estimate follows what it receives: no reason to lower the ceiling
    controller.sending(40_000)
    controller.receiver_estimate(60_000)
    assert controller.target == 6_000_000
    # sending more than the receiver says it can take: congestion
    controller.sending(5_000_000)
    controller.receiver_estimate(3_000_000)
    assert controller.target == 3_000_000
    controller.receiver_estimate(100_000)
    assert controller.target == 500_000, "never below the floor"
    controller.sending(0)
    controller.loss_report(0.30)
    assert controller.target == 5_100_000
    controller.loss_report(0.05)  # between the thresholds: hold
    assert controller.target == 5_100_000
    for _ in range(10):
        controller.loss_report(0.0)
    assert controller.target == 6_000_000, "back up to the top of the range, not beyond"


def host_log(artifacts: Path) -> str:
    return (artifacts / "host.log").read_text()


@pytest.mark.parametrize("codec", ["h264", "vp8"])
def test_pure_colours_arrive_exactly_in_chromium(
    codec: str, start_host: Any, page: Any, witness: XWitness, artifacts: Path
) -> None:
    host = start_host("--codec", codec)
    pair(host, page)
    host.wait_for(r"Approve connection from .+\? \[y/N\]")
    host.send("y")
    page.wait_for_selector("body[data-state=live]", timeout=20_000)
    assert f"negotiated video codec {codec}" in host_log(artifacts)
    for rgb, expected in PURE_COLOURS.items():
        witness.paint(rgb)
        wait_for_colour(page, expected, tolerance=4)


def test_a_region_scaled_down_for_a_phone(start_host: Any, page: Any, witness: XWitness) -> None:
    host = start_host("--region", "640,360,640,360", "--max-size", "320")
    pair(host, page)
    host.wait_for(r"Approve connection from .+\? \[y/N\]")
    host.send("y")
    page.wait_for_selector("body[data-state=live]", timeout=20_000)
    witness.paint("C08000")
    wait_for_colour(page, (192, 128, 0), tolerance=4)
    assert page.evaluate("(v => [v.videoWidth, v.videoHeight])(document.querySelector('#screen'))") == [320, 180]
