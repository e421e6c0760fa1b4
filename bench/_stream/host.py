"""The host side of the stream benchmark, in its own process so its CPU can be measured alone.

It runs the production pipeline (mss capture, ScreenVideoTrack, HostPeer and its encoder) behind a small HTTP server
for the browser (``GET /`` the page, ``POST /offer`` an SDP offer -> the answer). The benchmark drives it on standard
input, which reaches it in whatever network namespace it runs: ``stats`` prints ``stats <JSON>`` (counters, and the
clock that turns an RTP timestamp back into the wall-clock time its frame was captured); ``drop`` loses the next frame
on the wire, retransmissions included, so that the browser has to ask for a keyframe.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from aiortc.rtcrtpsender import RTCRtpSender
from aiortc.stats import RTCOutboundRtpStreamStats
from proxim_capture_mss.source import MssCaptureSource

from proxim_tray import media
from proxim_tray.aiortc_internals import SendRtp, on_keyframe_request, on_nack, wrap_rtp_sending
from proxim_tray.encoding import EncoderSettings
from proxim_tray.media import ScreenVideoTrack, StreamSettings
from proxim_tray.peer import HostPeer

PAGE = Path(__file__).with_name("page.html")
MARKER_CENTRE = (88, 88)  # x, y of the painter's marker patch, in screen pixels
STAGES_KEPT = 4000  # frames whose stage times are kept (over two minutes of frames at 30 fps)


def marker_level(frame: Any) -> int:
    """The painter's grey level (0-7) at the marker's centre in a captured yuv420p frame (BT.601, limited range)."""
    plane = frame.planes[0]
    luma: int = memoryview(plane)[MARKER_CENTRE[1] * plane.line_size + MARKER_CENTRE[0]]
    grey = (luma - 16) * 255 / 219  # the painter's greys are 16 + 32 * level
    return round((grey - 16) / 32)


def rtp_payload_offset(packet: bytes) -> int:
    offset = 12 + 4 * (packet[0] & 0x0F)
    if packet[0] & 0x10:
        offset += 4 + 4 * int.from_bytes(packet[offset + 2 : offset + 4], "big")
    return offset


class FrameLoss:
    """Drops every packet of one frame on its way to the network, and every retransmission of them."""

    def __init__(self, sender: RTCRtpSender, answer: str) -> None:
        payloads = re.search(r"^m=video \d+ \S+ (\d+)", answer, re.MULTILINE)
        assert payloads is not None
        self.video_type = int(payloads.group(1))
        rtx = re.search(rf"^a=fmtp:(\d+) apt={self.video_type}\b", answer, re.MULTILINE)
        self.rtx_type = int(rtx.group(1)) if rtx else -1
        self._send: SendRtp = lambda data: asyncio.sleep(0)
        wrap_rtp_sending(sender, self._wrap)
        self.armed = False
        self.first_timestamp: int | None = None
        self.lost_timestamp: int | None = None
        self.lost: set[int] = set()
        self.lost_at: list[float] = []
        self.lost_timestamps: list[int] = []
        self.on_frame_sent: Callable[[], None] = lambda: None  # called as each frame's last packet has gone out

    def _wrap(self, send: SendRtp) -> SendRtp:
        self._send = send
        return self.send

    async def send(self, data: bytes) -> None:
        payload_type = data[1] & 0x7F
        sequence = int.from_bytes(data[2:4], "big")
        if payload_type == self.video_type and data[1] & 0x80:  # the marker bit: a frame's last packet
            try:
                return await self._forward(data, payload_type, sequence)
            finally:
                self.on_frame_sent()
        await self._forward(data, payload_type, sequence)

    async def _forward(self, data: bytes, payload_type: int, sequence: int) -> None:
        if payload_type == self.video_type:
            timestamp = int.from_bytes(data[4:8], "big")
            if self.first_timestamp is None:
                self.first_timestamp = timestamp
            if self.armed:
                self.armed = False
                self.lost_timestamp = timestamp
                self.lost_at.append(time.time())
                self.lost_timestamps.append(timestamp)
            if timestamp == self.lost_timestamp:
                self.lost.add(sequence)
                return
        elif payload_type == self.rtx_type:
            offset = rtp_payload_offset(data)
            if int.from_bytes(data[offset : offset + 2], "big") in self.lost:
                return
        await self._send(data)


class BenchHost:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.peer: HostPeer | None = None
        self.track: ScreenVideoTrack | None = None
        self.source: MssCaptureSource | None = None
        self.loss: FrameLoss | None = None
        self.keyframe_requested_at: list[float] = []
        self.keyframe_sent_at: list[float] = []
        self.first_encoded_timestamp: int | None = None
        self.encoder_opened_at: list[float] = []
        self.encoder_ceilings: list[int] = []  # the bitrate ceiling of each opening, bit/s
        self.encoder_open_bytes: list[int] = []  # the first frame of each opening (a keyframe), bytes
        self.lost_nacked_at: list[tuple[float, int]] = []
        self.nacks = self.nacks_unanswerable = 0  # packets asked for again; of them, no longer kept to resend
        self.captured_marks: list[tuple[int, float]] = []  # (marker level, epoch) when a capture first shows it
        # per new picture, ms: [epoch of its grab, grab, convert, wait for the encoder, encode, packetise and send]
        self.frame_stages: deque[list[float]] = deque(maxlen=STAGES_KEPT)
        self._converted: dict[int, list[float]] = {}  # id(frame) -> its stages so far, until it is encoded
        self._encoded: list[float] | None = None  # the stages of the frame being sent
        self._grab_ms = 0.0  # time spent reading the screen during the capture under way

    def _watch_captures(self, track: ScreenVideoTrack, source: MssCaptureSource) -> None:
        """Time each capture of the track (reading the screen, then converting), and note when a captured picture
        first shows a new marker level."""
        for name in ("grab", "grab_region", "take_damage"):
            read = getattr(source, name)

            def timed_read(*args: Any, read: Callable[..., Any] = read) -> Any:
                started = time.perf_counter()
                try:
                    return read(*args)
                finally:
                    self._grab_ms += (time.perf_counter() - started) * 1000

            setattr(source, name, timed_read)
        capture = track._capture

        def timed_capture(*args: Any) -> Any:
            self._grab_ms, started = 0.0, time.perf_counter()
            captured = capture(*args)
            done = time.perf_counter()
            if captured is not None and captured[2]:  # a new picture
                frame = captured[1]
                level = marker_level(frame)
                if not self.captured_marks or self.captured_marks[-1][0] != level:
                    self.captured_marks.append((level, time.time()))
                convert_ms = (done - started) * 1000 - self._grab_ms
                self._converted[id(frame)] = [time.time(), self._grab_ms, convert_ms, done]
            return captured

        track._capture = timed_capture  # type: ignore[method-assign,assignment]

    async def page(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(PAGE)

    async def offer(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.source = MssCaptureSource(monitor=1, region=self.args.region)
        settings = StreamSettings(encoder=EncoderSettings(fps=self.args.fps), codec=self.args.codec)
        self.track = ScreenVideoTrack(self.source, settings)
        self._watch_captures(self.track, self.source)
        self.peer = HostPeer([])
        answer = await self.peer.answer(body["sdp"], self.track, tuned_encoder=not self.args.stock)
        sender = self.peer.pc.getTransceivers()[0].sender
        self._time_keyframes(sender)
        self.loss = FrameLoss(sender, answer)
        self.loss.on_frame_sent = self._frame_sent
        self._time_nacks(sender, self.loss)
        geometry = self.source.geometry()
        return web.json_response({"sdp": answer, "width": geometry.width, "height": geometry.height})

    def _time_nacks(self, sender: RTCRtpSender, loss: FrameLoss) -> None:
        """When the receiver asks again for a packet of a lost frame; and NACKs the host could not answer."""

        def nacked(sequence_number: int, kept: bool) -> None:
            if sequence_number in loss.lost:
                self.lost_nacked_at.append((time.time(), sequence_number))
            self.nacks += 1
            self.nacks_unanswerable += not kept

        on_nack(sender, nacked)

    def _time_keyframes(self, sender: RTCRtpSender) -> None:
        on_keyframe_request(sender, lambda: self.keyframe_requested_at.append(time.time()))
        encoder = self.peer.encoder if self.peer else None
        if encoder is None:
            return
        encode = encoder.encode

        def timed_encode(frame: Any, force_keyframe: bool = False) -> Any:
            started, openings = time.perf_counter(), len(self.encoder_opened_at)
            result = encode(frame, force_keyframe)
            if len(self.encoder_opened_at) > openings:
                self.encoder_open_bytes.append(sum(len(payload) for payload in result[0]))
            stages = self._converted.pop(id(frame), None)  # None: a resent picture (settling, heartbeat)
            if stages is not None:
                converted = stages.pop()
                self._encoded = [*stages, (started - converted) * 1000, (time.perf_counter() - started) * 1000]
                self._encoded.append(time.perf_counter())
            if self.first_encoded_timestamp is None:
                self.first_encoded_timestamp = result[1]
            if force_keyframe:
                self.keyframe_sent_at.append(time.time())
            return result

        encoder.encode = timed_encode  # type: ignore[method-assign]
        open_codec = encoder._open  # type: ignore[attr-defined]  # (the tuned encoders' own, opened or reopened)

        def timed_open(frame: Any, ceiling: int) -> Any:
            self.encoder_opened_at.append(time.time())
            self.encoder_ceilings.append(ceiling)
            return open_codec(frame, ceiling)

        encoder._open = timed_open  # type: ignore[attr-defined]

    def _frame_sent(self) -> None:
        if self._encoded is not None:
            encoded = self._encoded.pop()
            self.frame_stages.append([*self._encoded, (time.perf_counter() - encoded) * 1000])
            self._encoded = None

    def capture_clock(self) -> dict[str, float] | None:
        """A frame with RTP timestamp T was captured at ``epoch + ((T - origin) mod 2**32) / 90000`` (epoch seconds):
        the track stamps frames with monotonic time since its first frame, and aiortc adds a random origin."""
        track, loss = self.track, self.loss
        if track is None or loss is None or track._epoch is None:
            return None
        if loss.first_timestamp is None or self.first_encoded_timestamp is None:
            return None
        wall_minus_monotonic = time.time() - time.monotonic()
        origin = (loss.first_timestamp - self.first_encoded_timestamp) % 2**32
        return {"origin": origin, "epoch": wall_minus_monotonic + track._epoch, "rate": media.VIDEO_CLOCK_RATE}

    async def stats(self) -> dict[str, Any]:
        figures: dict[str, Any] = {"keyframe_requested_at": self.keyframe_requested_at}
        figures["capture_clock"] = self.capture_clock()
        figures["keyframe_sent_at"] = self.keyframe_sent_at
        figures["encoder_opened_at"] = self.encoder_opened_at
        figures["encoder_ceilings"] = self.encoder_ceilings
        figures["encoder_open_bytes"] = self.encoder_open_bytes
        figures["lost_nacked_at"] = self.lost_nacked_at
        figures["captured_marks"] = self.captured_marks
        figures["frame_stages"] = list(self.frame_stages)
        figures["nacks"], figures["nacks_unanswerable"] = self.nacks, self.nacks_unanswerable
        figures["lost_at"] = self.loss.lost_at if self.loss else []
        figures["lost_timestamps"] = self.loss.lost_timestamps if self.loss else []
        if self.track is not None and self.peer is not None:
            figures["frames_captured"] = self.track.frames_captured
            figures["frames_sent"] = self.track.frames_sent
            figures["codec"] = self.track.codec
            report = await self.peer.pc.getTransceivers()[0].sender.getStats()
            for stats in report.values():
                if isinstance(stats, RTCOutboundRtpStreamStats):
                    figures["bytes_sent"] = stats.bytesSent
                    figures["packets_sent"] = stats.packetsSent
        return figures

    async def command(self, line: str) -> None:
        if line == "stats":
            print("stats", json.dumps(await self.stats(), separators=(",", ":")), flush=True)
        elif line == "drop":
            assert self.loss is not None
            self.loss.armed = True
            print("dropping", flush=True)


def region(text: str) -> tuple[int, int, int, int]:
    x, y, width, height = (int(part) for part in text.split(","))
    return x, y, width, height


async def serve(args: argparse.Namespace) -> None:
    if args.heartbeat:
        media.HEARTBEAT_INTERVAL = args.heartbeat
    host = BenchHost(args)
    app = web.Application()
    app.router.add_get("/", host.page)
    app.router.add_post("/offer", host.offer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, args.listen, 0)
    await site.start()
    port = runner.addresses[0][1]
    print(f"listening {port}", flush=True)
    loop = asyncio.get_running_loop()
    try:
        while line := await loop.run_in_executor(None, sys.stdin.readline):  # until the benchmark closes our stdin
            await host.command(line.strip())
    finally:
        if host.peer is not None:
            await host.peer.close()
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--listen", default="127.0.0.1", help="the address the page is served on")
    parser.add_argument("--region", type=region)
    parser.add_argument("--codec", default="auto")
    parser.add_argument("--stock", action="store_true", help="aiortc's own encoder instead of Proxim's")
    parser.add_argument("--heartbeat", type=float, help="seconds between heartbeat frames of a still screen")
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
