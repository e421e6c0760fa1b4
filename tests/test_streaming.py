"""The video path for real: mss on Xvfb, the host's peer and encoders, and a real aiortc or Chromium receiver."""

from __future__ import annotations

import asyncio
import fractions
import itertools
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import numpy
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from proxim_capture_mss.source import MssCaptureSource

from proxim_tray.encoding import (
    CEILING_INTERVAL,
    CEILING_RAISE,
    CEILING_STEP,
    ESTIMATE_PATIENCE,
    BitrateController,
    EncoderSettings,
    ScreenH264Encoder,
    h264_level,
)
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


async def test_a_nack_the_host_can_no_longer_answer_gets_a_keyframe_at_once(stream: Stream) -> None:
    await quiet(stream)
    receiver = stream.client.getTransceivers()[0].receiver
    sender = stream.host.pc.getTransceivers()[0].sender
    # the last packet the client has
    newest = receiver._RTCRtpReceiver__remote_streams[sender._ssrc].max_seq  # type: ignore[attr-defined]
    # a recent packet is resent, no keyframe needed
    await receiver._send_rtcp_nack(sender._ssrc, [newest])
    await asyncio.sleep(0.3)
    assert stream.encoder.keyframes_forced == 0
    # a packet the host no longer has (half the sequence space ago) cannot be resent: a keyframe at once, well before
    # the receiver would give up and ask for one
    await receiver._send_rtcp_nack(sender._ssrc, [(newest + 32768) % 65536])
    await until(lambda: stream.encoder.keyframes_forced == 1, timeout=HEARTBEAT_INTERVAL / 2)


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


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def controller_on_a_fake_clock() -> tuple[BitrateController, FakeClock]:
    clock = FakeClock()
    return BitrateController(EncoderSettings(min_bitrate=500_000, max_bitrate=8_000_000), clock), clock


HELD = -1  # x264 sends what its ceiling allows


def ceilings_over(
    controller: BitrateController, clock: FakeClock, seconds: int, sending: int, estimate: Callable[[int], int]
) -> list[int]:
    """Once a second, as the host's reports come: what it sent (``HELD``: its ceiling), then the receiver's estimate
    (of the second); the ceilings after each second."""
    ceilings = []
    for second in range(seconds):
        clock.now += 1
        controller.sending(controller.ceiling if sending == HELD else sending)
        controller.receiver_estimate(estimate(second))
        controller.loss_report(0.0)
        ceilings.append(controller.ceiling)
    return ceilings


def test_a_still_screen_and_then_a_scroll_do_not_move_the_ceiling() -> None:
    controller, clock = controller_on_a_fake_clock()
    # a still screen sends little, and Chromium's estimate follows what it receives (at most 1.5 times it)
    assert set(ceilings_over(controller, clock, 30, 40_000, lambda _: 60_000)) == {8_000_000}
    # the user scrolls: the host sends far more than the estimate, which climbs 8 % a second behind it (the old rule
    # cut the ceiling to the estimate here, a keyframe at the start of the scroll, and raised it again once the
    # estimate overtook what x264 then sent: another)
    assert set(ceilings_over(controller, clock, 20, 3_000_000, lambda s: int(500_000 * 1.08**s))) == {8_000_000}


def test_congestion_the_receiver_sees_cuts_the_ceiling_at_once() -> None:
    controller, clock = controller_on_a_fake_clock()
    ceilings_over(controller, clock, 5, 3_000_000, lambda s: 1_000_000 + 100_000 * s)  # lagging, rising
    assert controller.ceiling == 8_000_000
    # the receiver's estimate falls while the host sends more than it: congestion, believed at once
    controller.receiver_estimate(1_200_000)
    assert controller.ceiling == 1_200_000
    # it stays there (x264 overshoots a little with the whole screen moving), and rises only with the estimate
    assert set(ceilings_over(controller, clock, 10, 1_300_000, lambda _: 1_200_000)) == {1_200_000}


def test_an_estimate_that_stays_flat_below_what_is_sent_is_congestion() -> None:
    controller, clock = controller_on_a_fake_clock()
    ceilings_over(controller, clock, 3, 40_000, lambda _: 2_000_000)
    clock.now += 1
    controller.sending(5_000_000)  # a scroll: more than the estimate, which then does not move
    assert controller.ceiling == 8_000_000, "not at once: a rising estimate would be lagging, not congested"
    clock.now += ESTIMATE_PATIENCE
    controller.receiver_estimate(2_000_000)
    assert controller.ceiling == 2_000_000


def test_the_ceiling_comes_back_up_only_while_the_encoder_is_held_by_it() -> None:
    controller, clock = controller_on_a_fake_clock()
    clock.now += 1
    controller.sending(3_000_000)
    controller.receiver_estimate(1_000_000)
    controller.receiver_estimate(800_000)  # fell: congestion
    assert controller.ceiling == 800_000
    # a still screen afterwards: nothing to gain from a higher ceiling (the estimate stays, capped by what it receives)
    assert set(ceilings_over(controller, clock, 20, 50_000, lambda _: 800_000)) == {800_000}
    # the screen moves and x264 sends what its ceiling allows: raised with the estimate, by at most half, at most
    # every CEILING_INTERVAL, each step more than CEILING_STEP
    ceilings = ceilings_over(controller, clock, 20, HELD, lambda s: int(800_000 * 1.08**s))
    steps = sorted(set(ceilings))
    assert steps[0] == 800_000 and len(steps) >= 3
    for lower, higher in itertools.pairwise(steps):
        assert lower * (1 + CEILING_STEP) < higher <= lower * CEILING_RAISE
        assert ceilings.count(lower) >= CEILING_INTERVAL or lower == steps[0]
    assert max(steps) <= 800_000 * 1.08**19, "never past the receiver's estimate"


def test_losses_cut_the_ceiling_and_only_motion_raises_it_again() -> None:
    controller, clock = controller_on_a_fake_clock()
    controller.sending(6_000_000)
    controller.loss_report(0.30)  # back off by 15 %: too small a move to be worth a keyframe
    assert controller.ceiling == 8_000_000
    controller.loss_report(0.30)
    assert controller.ceiling == 5_780_000
    for _ in range(3):
        before = controller.ceiling
        controller.loss_report(0.60)  # heavy loss: cut at each report, by 30 %
        assert controller.ceiling == int(before * 0.7)
    clock.now += 1
    controller.sending(100_000)
    for _ in range(5):
        controller.loss_report(1.0)
    assert controller.ceiling == 500_000, "never below the floor"
    # losses stop; a still screen keeps the ceiling where it is
    for _ in range(30):
        clock.now += 1
        controller.loss_report(0.0)
    assert controller.ceiling == 500_000
    # x264 held by it: the ceiling grows back as the loss cap does (8 % a report), up to within a step of the top of
    # the range (a last move smaller than CEILING_STEP is not worth a keyframe), never beyond
    ceilings = ceilings_over(controller, clock, 60, 9_000_000, lambda _: 20_000_000)
    assert ceilings == sorted(ceilings) and ceilings[0] <= 500_000 * CEILING_RAISE
    assert 8_000_000 * (1 - CEILING_STEP) < ceilings[-1] <= 8_000_000


def test_x264_is_reopened_exactly_when_the_ceiling_moves() -> None:
    controller, clock = controller_on_a_fake_clock()
    encoder = ScreenH264Encoder(EncoderSettings(min_bitrate=500_000, max_bitrate=8_000_000), controller)
    pixels = numpy.zeros((240, 320, 3), numpy.uint8)

    def encoded_with() -> tuple[int, int | None]:
        """Encode a frame: which x264 (opening) and its ceiling."""
        pixels[:] += 1  # a new picture every time
        frame = av.VideoFrame.from_ndarray(pixels, format="rgb24").reformat(format="yuv420p")
        frame.pts, frame.time_base = int(clock.now * 90_000), fractions.Fraction(1, 90_000)
        encoder.encode(frame)
        assert encoder.codec is not None
        return id(encoder.codec), encoder.codec.max_bit_rate

    first = encoded_with()
    assert first[1] == 8_000_000
    ceilings_over(controller, clock, 10, 3_000_000, lambda s: 1_000_000 + 100_000 * s)  # lagging: no move
    assert encoded_with() == first
    controller.receiver_estimate(1_500_000)  # fell: congestion
    reopened = encoded_with()
    assert reopened != first and reopened[1] == 1_500_000
    assert encoded_with() == reopened


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
