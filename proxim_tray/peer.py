"""The host's WebRTC peer: answers a client's offer with the screen track and all its candidates."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Sequence

from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription
from aiortc.codecs.base import Encoder
from aiortc.rtcrtpparameters import RTCRtpCodecCapability
from aiortc.rtcrtpsender import RTCRtpSender
from aiortc.sdp import SessionDescription
from aiortc.stats import RTCOutboundRtpStreamStats, RTCRemoteInboundRtpStreamStats

from proxim_tray.aiortc_internals import (
    dtls_certificates,
    install_encoder,
    keep_for_retransmission,
    on_keyframe_request,
    on_nack,
    request_keyframe,
    send_header_extension,
    use_dtls_certificates,
)
from proxim_tray.encoding import BitrateController, create_encoder
from proxim_tray.errors import ConfigError
from proxim_tray.hidden_candidates import reveal, split_offer
from proxim_tray.ice_port import bind_host_candidates
from proxim_tray.media import ScreenVideoTrack
from proxim_tray.protocol import IceServer

logger = logging.getLogger(__name__)

_RTPMAP = re.compile(r"^a=rtpmap:\d+ ([^/\s]+)/90000", re.MULTILINE)
_VIDEO_PAYLOADS = re.compile(r"^m=video \d+ \S+ (\d+)", re.MULTILINE)
PREFERRED_CODECS = ("video/H264", "video/VP8")
LOSS_REPORT_INTERVAL = 1.0
REPEATED_NACKS = 2  # a packet asked for this often was lost in retransmission too
RETRANSMISSION_MEMORY = 4096  # sequence numbers remembered
# packets each sender keeps to answer NACKs: over 1 s at 8 Mbit/s, several 1080p keyframes (aiortc keeps 128)
RETRANSMISSION_HISTORY = 1024
KEYFRAME_HOLDOFF = 0.5  # seconds: one keyframe answers all the packets of a lost frame
FIREWALL_HINT_AFTER = 10.0  # seconds without a connection after the answer; Chromium gives up after about 15
# The playout delay the host asks of the receiver (the playout-delay RTP header extension: minimum and maximum, 12 bits
# each, in 10 ms units). With a minimum of 0 and a maximum up to 500 ms Chromium takes its low-latency rendering path
# and holds a frame for at most the maximum. Measured at 1080p (python -m bench stream --only latency): g2g p95 / p99
# 42.5 / 53.2 ms with at most 50 ms, 55.3 / 216.6 without the extension. A maximum of 0 (show at once) left changes
# after a still screen unseen for 2 s and more.
PLAYOUT_DELAY_URI = "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay"
PLAYOUT_DELAY_MIN, PLAYOUT_DELAY_MAX = 0, 5
PLAYOUT_DELAY = (PLAYOUT_DELAY_MIN << 12 | PLAYOUT_DELAY_MAX).to_bytes(3, "big")


def codec_preferences(codec: str) -> list[RTCRtpCodecCapability]:
    """aiortc's video codecs, H264 first for ``auto``, else only ``codec`` (with retransmission)."""
    capabilities = RTCRtpSender.getCapabilities("video").codecs
    if codec != "auto":
        return [c for c in capabilities if c.mimeType.lower() in (f"video/{codec}", "video/rtx")]
    rank = {mime: index for index, mime in enumerate(PREFERRED_CODECS)}
    return sorted(capabilities, key=lambda c: rank.get(c.mimeType, len(rank)))


def offered_video_codecs(sdp: str) -> set[str]:
    """The video codec names (lower case) an offer lists."""
    return {name.lower() for name in _RTPMAP.findall(sdp)}


def negotiated_video_codec(sdp: str) -> str:
    """The codec name (lower case) of the first payload type of the answer's video section."""
    match = _VIDEO_PAYLOADS.search(sdp)
    if match is None:
        return ""
    rtpmap = re.search(rf"^a=rtpmap:{match.group(1)} ([^/\s]+)/", sdp, re.MULTILINE)
    return rtpmap.group(1).lower() if rtpmap else ""


def rtc_configuration(servers: Sequence[IceServer]) -> RTCConfiguration:
    """aiortc's configuration for ``servers``; it uses the first STUN and the first TURN URL only."""
    # an empty list matters: aiortc's default STUN server stalls gathering by 5 s on a closed network
    return RTCConfiguration(
        iceServers=[RTCIceServer(list(s.urls), username=s.username, credential=s.credential) for s in servers]
    )


class HostPeer:
    """One aiortc peer connection. ``same_identity_as`` makes it present that peer's DTLS certificate, so a client
    that checked the host's fingerprint once (the pairing link's ``fp``) can check it again after a resume."""

    def __init__(
        self, servers: Sequence[IceServer], media_port: int = 0, same_identity_as: HostPeer | None = None
    ) -> None:
        """``media_port``: the UDP port of the host candidates (0: a random one)."""
        keep_for_retransmission(RETRANSMISSION_HISTORY)
        self.pc = RTCPeerConnection(rtc_configuration(servers))
        if same_identity_as is not None:
            use_dtls_certificates(self.pc, dtls_certificates(same_identity_as.pc))
        self.bitrate: BitrateController | None = None
        self.encoder: Encoder | None = None
        self.keyframe_requests = 0
        self._loss_watch: asyncio.Task[None] | None = None
        self._reveal: asyncio.Task[None] | None = None
        self._firewall_hint: asyncio.TimerHandle | None = None
        self.media_port = media_port

    @property
    def fingerprint(self) -> str:
        certificate = dtls_certificates(self.pc)[0]
        for fingerprint in certificate.getFingerprints():
            if fingerprint.algorithm == "sha-256":
                return str(fingerprint.value).upper()
        raise RuntimeError("aiortc certificate has no sha-256 fingerprint")

    async def answer(
        self, offer_sdp: str, track: ScreenVideoTrack, *, client_address: str = "", tuned_encoder: bool = True
    ) -> str:
        """Answer ``offer_sdp`` with ``track``; the client's ``.local`` candidates are resolved on the network
        ``client_address`` is on, after the answer. ``tuned_encoder=False`` keeps aiortc's stock encoders (benchmarks).
        """
        wanted = ("h264", "vp8") if track.settings.codec == "auto" else (track.settings.codec,)
        if not set(wanted) & offered_video_codecs(offer_sdp):
            names = " or ".join(name.upper() for name in wanted)
            raise ConfigError(f"the client cannot receive {names} video; use a current browser or --codec auto")
        transceiver = self.pc.addTransceiver(track, direction="sendonly")
        transceiver.setCodecPreferences(codec_preferences(track.settings.codec))
        offer, hidden = split_offer(offer_sdp)
        await self.pc.setRemoteDescription(RTCSessionDescription(offer, "offer"))
        offered = [ext for media in SessionDescription.parse(offer).media for ext in media.rtp.headerExtensions]
        send_header_extension(transceiver, offered, PLAYOUT_DELAY_URI, PLAYOUT_DELAY)
        if self.media_port:
            bind_host_candidates(self.pc, self.media_port)
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        loop = asyncio.get_running_loop()
        self._reveal = loop.create_task(reveal(self.pc, hidden, client_address))
        self._firewall_hint = loop.call_later(FIREWALL_HINT_AFTER, self._hint_at_firewall)
        answer = self.pc.localDescription.sdp
        track.codec = negotiated_video_codec(answer)
        logger.info("negotiated video codec %s", track.codec)
        sender = transceiver.sender
        self._watch_keyframe_requests(sender, track)
        self._watch_failed_retransmissions(sender)
        if tuned_encoder:
            self.bitrate = BitrateController(track.settings.encoder)
            self.encoder = create_encoder(f"video/{track.codec}", track.settings.encoder, self.bitrate)
            install_encoder(sender, self.encoder)
            self._loss_watch = asyncio.get_running_loop().create_task(self._follow_losses(sender, self.bitrate))
        return answer

    def _watch_keyframe_requests(self, sender: RTCRtpSender, track: ScreenVideoTrack) -> None:
        """A PLI or FIR must produce a frame even while the screen is still: wake the track as aiortc flags it."""

        def keyframe_requested() -> None:
            logger.debug("receiver asked for a keyframe")
            self.keyframe_requests += 1
            track.request_keyframe()

        on_keyframe_request(sender, keyframe_requested)

    def _watch_failed_retransmissions(self, sender: RTCRtpSender) -> None:
        """A packet the host no longer has (it left the retransmission history), or one asked for again (lost in
        retransmission too), cannot reach the receiver: rather than wait for it to give up and send a PLI (Chromium
        takes 1-2 s), send a keyframe now."""
        asked: dict[int, int] = {}
        last_keyframe = [0.0]

        def nacked(sequence_number: int, kept: bool) -> None:
            if len(asked) > RETRANSMISSION_MEMORY:
                asked.clear()
            asked[sequence_number] = asked.get(sequence_number, 0) + 1
            now = time.monotonic()
            if (not kept or asked[sequence_number] == REPEATED_NACKS) and now - last_keyframe[0] > KEYFRAME_HOLDOFF:
                why = "asked for again" if kept else "no longer kept for retransmission"
                logger.info("packet %d %s: sending a keyframe", sequence_number, why)
                last_keyframe[0] = now
                request_keyframe(sender)

        on_nack(sender, nacked)

    @staticmethod
    async def _follow_losses(sender: RTCRtpSender, bitrate: BitrateController) -> None:
        """Feed the bitrate what was sent and the receiver's loss reports (RTCP receiver reports, in aiortc's stats)."""
        sent_before = 0
        while True:
            await asyncio.sleep(LOSS_REPORT_INTERVAL)
            report = await sender.getStats()
            for stats in report.values():
                if isinstance(stats, RTCRemoteInboundRtpStreamStats) and stats.fractionLost is not None:
                    bitrate.loss_report(stats.fractionLost / 256)
                elif isinstance(stats, RTCOutboundRtpStreamStats):
                    bitrate.sending(int((stats.bytesSent - sent_before) * 8 / LOSS_REPORT_INTERVAL))
                    sent_before = stats.bytesSent

    def _hint_at_firewall(self) -> None:
        if self.pc.connectionState in ("new", "connecting"):
            port = f"UDP port {self.media_port}" if self.media_port else "a fixed UDP port (set one with --media-port)"
            logger.warning(
                "no connection with the client %g s after answering it: if a firewall protects this host, it must let "
                "in %s; `proxim doctor` prints the commands",
                FIREWALL_HINT_AFTER,
                port,
            )

    async def close(self) -> None:
        if self._firewall_hint is not None:
            self._firewall_hint.cancel()
        for task in (self._loss_watch, self._reveal):
            if task is not None:
                task.cancel()
        await self.pc.close()
