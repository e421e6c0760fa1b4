"""The host's WebRTC peer: answers a client's offer with the screen track and all its candidates."""

from __future__ import annotations

import logging
import re

from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription
from aiortc.rtcrtpsender import RTCRtpSender

from proxim_tray.errors import ProtocolError
from proxim_tray.media import ScreenVideoTrack

logger = logging.getLogger(__name__)

_FINGERPRINT = re.compile(r"^a=fingerprint:sha-256 ([0-9A-Fa-f:]{95})\s*$", re.MULTILINE)
_MDNS_CANDIDATE = re.compile(r"^a=candidate:\S+ \d+ \S+ \d+ \S+\.local .*$\r?\n?", re.MULTILINE | re.IGNORECASE)
_VIDEO_PAYLOADS = re.compile(r"^m=video \d+ \S+ (\d+)", re.MULTILINE)
PREFERRED_CODECS = ("video/H264", "video/VP8")


def sdp_fingerprint(sdp: str) -> str:
    match = _FINGERPRINT.search(sdp)
    if match is None:
        raise ProtocolError("bad_message", "the offer has no sha-256 DTLS fingerprint")
    return match.group(1).upper()


def drop_mdns_candidates(sdp: str) -> str:
    """aioice blocks about a second resolving ``.local`` names; the peer-reflexive path connects without them."""
    return _MDNS_CANDIDATE.sub("", sdp)


def negotiated_video_codec(sdp: str) -> str:
    """The codec name (lower case) of the first payload type of the answer's video section."""
    match = _VIDEO_PAYLOADS.search(sdp)
    if match is None:
        return ""
    rtpmap = re.search(rf"^a=rtpmap:{match.group(1)} ([^/\s]+)/", sdp, re.MULTILINE)
    return rtpmap.group(1).lower() if rtpmap else ""


class HostPeer:
    def __init__(self, stun_servers: list[str]) -> None:
        ice_servers = [RTCIceServer(urls=url) for url in stun_servers]
        # an empty list matters: aiortc's default STUN server stalls gathering by 5 s on a closed network
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=ice_servers))

    @property
    def fingerprint(self) -> str:
        # aiortc creates the certificate with the connection and offers no public accessor for it
        certificate = self.pc._RTCPeerConnection__certificates[0]  # type: ignore[attr-defined]
        for fingerprint in certificate.getFingerprints():
            if fingerprint.algorithm == "sha-256":
                return str(fingerprint.value).upper()
        raise RuntimeError("aiortc certificate has no sha-256 fingerprint")

    async def answer(self, offer_sdp: str, track: ScreenVideoTrack) -> str:
        transceiver = self.pc.addTransceiver(track, direction="sendonly")
        capabilities = RTCRtpSender.getCapabilities("video").codecs
        preferred = sorted(
            capabilities,
            key=lambda c: (
                PREFERRED_CODECS.index(c.mimeType) if c.mimeType in PREFERRED_CODECS else len(PREFERRED_CODECS)
            ),
        )
        transceiver.setCodecPreferences(preferred)
        await self.pc.setRemoteDescription(RTCSessionDescription(drop_mdns_candidates(offer_sdp), "offer"))
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        answer = self.pc.localDescription.sdp
        track.codec = negotiated_video_codec(answer)
        logger.info("negotiated video codec %s", track.codec)
        return answer

    async def close(self) -> None:
        await self.pc.close()
