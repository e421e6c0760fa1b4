"""A Python client of the Proxim protocol: the desktop-to-desktop path and the fast path for tests and automation."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack

from proxim_tray import protocol
from proxim_tray.errors import ProtocolError, ProximError
from proxim_tray.fingerprint import sdp_fingerprint
from proxim_tray.pairing import commitment, fingerprint_from_b64url, new_nonce, verification_code

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PairingLink:
    base_url: str
    session_id: str
    secret: str
    fingerprint: str  # base64url SHA-256 of the host's DTLS certificate

    @classmethod
    def parse(cls, url: str) -> PairingLink:
        parts = urlsplit(url)
        match = re.fullmatch(r"/p/([A-Za-z0-9_-]+)", parts.path)
        fragment = parse_qs(parts.fragment)
        if parts.scheme not in ("http", "https") or match is None or "k" not in fragment or "fp" not in fragment:
            raise ProximError(f"not a Proxim pairing link: {url}")
        return cls(f"{parts.scheme}://{parts.netloc}", match.group(1), fragment["k"][0], fragment["fp"][0])

    @property
    def websocket_url(self) -> str:
        return self.base_url.replace("http", "ws", 1) + "/ws"


@dataclass
class ProximClient:
    """Pairs with a host, waits for approval, receives the screen and sends control messages."""

    url: str
    device_name: str = "Proxim Python client"
    headers: dict[str, str] = field(default_factory=dict)
    messages: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    control_messages: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)

    def __post_init__(self) -> None:
        self.link = PairingLink.parse(self.url)
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.video: MediaStreamTrack | None = None
        self._video_arrived = asyncio.Event()
        self._channel_open = asyncio.Event()
        self._http: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._nonce = new_nonce()
        # the verification code this client shows, computed once the host has revealed its nonce
        self.code = ""

    async def start(self) -> None:
        """Open the WebSocket and say hello with an offer; messages from the host arrive on ``messages``."""
        self.pc.addTransceiver("video", direction="recvonly")
        self.channel = self.pc.createDataChannel("control")
        self.channel.on("open", self._channel_open.set)
        self.channel.on("message", lambda raw: self.control_messages.put_nowait(json.loads(raw)))
        self.pc.on("track", self._on_track)
        await self.pc.setLocalDescription(await self.pc.createOffer())
        offer = self.offer_sdp()
        own_fingerprint = sdp_fingerprint(self.pc.localDescription.sdp)
        self._http = aiohttp.ClientSession()
        self._ws = await self._http.ws_connect(self.link.websocket_url, headers=self.headers)
        self._reader = asyncio.get_running_loop().create_task(self._read())
        await self.send(
            {
                "type": "hello",
                "v": protocol.VERSION,
                "session": self.link.session_id,
                "secret": self.link.secret,
                "device": {"name": self.device_name},
                "offer": offer,
                "commitment": commitment(own_fingerprint, self._nonce),
            }
        )

    def offer_sdp(self) -> str:
        """The offer presented in ``hello``: this client's local description."""
        return str(self.pc.localDescription.sdp)

    def _on_track(self, track: MediaStreamTrack) -> None:
        if track.kind == "video":
            self.video = track
            self._video_arrived.set()

    async def _read(self) -> None:
        assert self._ws is not None
        async for message in self._ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            data = json.loads(message.data)
            if data.get("type") == "challenge":
                await self._answer_challenge(data)
                continue
            if data.get("type") == "answer":
                await self._accept_answer(data["sdp"])
            self.messages.put_nowait(data)
        self.messages.put_nowait({"type": "closed", "code": self._ws.close_code})

    async def _answer_challenge(self, challenge: dict[str, Any]) -> None:
        """Compute the code from the host's nonce, then reveal ours (which the host compares with our commitment)."""
        nonce = challenge.get("nonce")
        if self.code or not isinstance(nonce, str):
            raise ProximError("the host sent a second or malformed challenge; not pairing")
        own = sdp_fingerprint(self.pc.localDescription.sdp)
        self.code = verification_code(fingerprint_from_b64url(self.link.fingerprint), own, self._nonce, nonce)
        await self.send({"type": "reveal", "nonce": self._nonce})

    async def _accept_answer(self, sdp: str) -> None:
        try:
            genuine = sdp_fingerprint(sdp) == fingerprint_from_b64url(self.link.fingerprint)
        except ProtocolError:
            genuine = False
        if not genuine:
            raise ProximError("the host's certificate does not match the pairing link; not connecting")
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp, "answer"))

    async def send(self, message: dict[str, Any]) -> None:
        assert self._ws is not None
        await self._ws.send_str(json.dumps(message))

    async def next_message(self, timeout: float = 10.0) -> dict[str, Any]:
        return await asyncio.wait_for(self.messages.get(), timeout)

    async def expect(self, kind: str, timeout: float = 10.0) -> dict[str, Any]:
        """The next signaling message, which must be of type ``kind``."""
        message = await self.next_message(timeout)
        if message.get("type") != kind:
            raise ProximError(f"expected a {kind!r} message from the host, got {message}")
        return message

    async def wait_connected(self, timeout: float = 10.0) -> None:
        await asyncio.wait_for(self._channel_open.wait(), timeout)
        await asyncio.wait_for(self._video_arrived.wait(), timeout)

    def control(self, message: dict[str, Any]) -> None:
        self.channel.send(json.dumps(message))

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
        if self._http is not None:
            await self._http.close()
        await self.pc.close()
