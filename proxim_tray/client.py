"""A Python client of the Proxim protocol: the desktop-to-desktop path and the fast path for tests and automation."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
from aiortc import RTCDataChannel, RTCPeerConnection, RTCRtpReceiver, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack

from proxim_tray import protocol
from proxim_tray.aiortc_internals import dtls_certificates, use_dtls_certificates
from proxim_tray.errors import ProtocolError, ProximError
from proxim_tray.fingerprint import sdp_fingerprint
from proxim_tray.pairing import commitment, fingerprint_from_b64url, new_nonce, verification_code
from proxim_tray.peer import rtc_configuration

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
    # the data channel opened with the offer; only one labelled "control" carries input (tests label it otherwise to
    # open the control channel later, as a hostile client may)
    channel_label: str = "control"
    headers: dict[str, str] = field(default_factory=dict)
    # called with the video receiver of each peer connection this client makes, before any packet arrives
    on_receiver: Callable[[RTCRtpReceiver], object] = lambda receiver: None
    messages: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    control_messages: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)

    def __post_init__(self) -> None:
        self.link = PairingLink.parse(self.url)
        # made once the host has said which STUN and TURN servers to use
        self.pc: RTCPeerConnection | None = None
        self.channel: RTCDataChannel | None = None
        self.video: MediaStreamTrack | None = None
        self.resume_token = ""  # from `approved`, then from each `resumed`
        self._servers: list[protocol.IceServer] = []
        self._video_arrived = asyncio.Event()
        self._channel_open = asyncio.Event()
        # the channels the host's plugins opened on the current connection, by label (a resume starts afresh)
        self._plugin_channels: dict[str, asyncio.Future[RTCDataChannel]] = {}
        self._http: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        # the WebSockets (and their HTTP sessions) of connections left behind by `resume`
        self._retired: list[tuple[aiohttp.ClientWebSocketResponse, aiohttp.ClientSession]] = []
        self._nonce = new_nonce()
        # the verification code this client shows, computed once the host has revealed its nonce
        self.code = ""

    async def start(self, timeout: float = 10.0) -> None:
        """Open the WebSocket, learn the host's STUN and TURN servers, then say hello with an offer. Messages from the
        host arrive on ``messages``, a refusal of the link too (then no hello is sent)."""
        self._http = aiohttp.ClientSession()
        self._ws = await self._http.ws_connect(self.link.websocket_url, headers=self.headers)
        loop = asyncio.get_running_loop()
        # the servers of the host's `ice_servers` answer; None when the host refused the link instead
        ice_servers: asyncio.Future[list[protocol.IceServer] | None] = loop.create_future()
        self._reader = loop.create_task(self._read(ice_servers))
        link = {"session": self.link.session_id, "secret": self.link.secret}
        await self.send({"type": "ice", "v": protocol.VERSION, **link})
        servers = await asyncio.wait_for(ice_servers, timeout)
        if servers is None:
            return
        self._servers = servers
        self.pc = RTCPeerConnection(rtc_configuration(servers))
        await self._offer()
        device = {"name": self.device_name}
        offer = self.offer_sdp()
        proof = commitment(sdp_fingerprint(self.pc.localDescription.sdp), self._nonce)
        await self.send(
            {"type": "hello", "v": protocol.VERSION, **link, "device": device, "offer": offer, "commitment": proof}
        )

    async def resume(self, token: str | None = None) -> None:
        """Come back to the session on a new WebSocket and peer connection with the same certificate, as after a
        network drop or a move to another network: no new approval. The old WebSocket stays open until :meth:`close`
        (closing it first could tell the host the client left). ``token`` overrides the one the host gave."""
        old_pc = self.pc
        assert old_pc is not None and self._ws is not None and self._http is not None, "resume follows a start"
        if self._reader is not None:
            self._reader.cancel()
        self._retired.append((self._ws, self._http))
        self.pc = RTCPeerConnection(rtc_configuration(self._servers))
        use_dtls_certificates(self.pc, dtls_certificates(old_pc))
        self.video = None
        self._video_arrived.clear()
        self._channel_open.clear()
        offer = await self._offer()
        self._http = aiohttp.ClientSession()
        self._ws = await self._http.ws_connect(self.link.websocket_url, headers=self.headers)
        loop = asyncio.get_running_loop()
        known: asyncio.Future[list[protocol.IceServer] | None] = loop.create_future()
        known.set_result(self._servers)  # no `ice` request: the servers are those of the session
        self._reader = loop.create_task(self._read(known))
        resume = {"type": "resume", "v": protocol.VERSION, "session": self.link.session_id}
        await self.send({**resume, "token": token or self.resume_token, "offer": offer})
        await old_pc.close()

    async def _offer(self) -> str:
        assert self.pc is not None
        self.on_receiver(self.pc.addTransceiver("video", direction="recvonly").receiver)
        self.channel = self.pc.createDataChannel(self.channel_label)
        self.channel.on("open", self._channel_open.set)
        self.channel.on("message", lambda raw: self.control_messages.put_nowait(json.loads(raw)))
        self.pc.on("track", self._on_track)
        self._plugin_channels = {}
        self.pc.on("datachannel", self._on_plugin_channel)
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return str(self.pc.localDescription.sdp)

    def _arrival(self, label: str) -> asyncio.Future[RTCDataChannel]:
        return self._plugin_channels.setdefault(label, asyncio.get_running_loop().create_future())

    def _on_plugin_channel(self, channel: RTCDataChannel) -> None:
        arrival = self._arrival(channel.label)
        if not arrival.done():
            arrival.set_result(channel)

    async def plugin_channel(self, label: str, timeout: float = 10.0) -> RTCDataChannel:
        """The data channel a host plugin opened under ``label`` on this connection (open when it arrives)."""
        return await asyncio.wait_for(asyncio.shield(self._arrival(label)), timeout)

    def offer_sdp(self) -> str:
        """The offer presented in ``hello``: this client's local description."""
        assert self.pc is not None
        return str(self.pc.localDescription.sdp)

    def _on_track(self, track: MediaStreamTrack) -> None:
        if track.kind == "video":
            self.video = track
            self._video_arrived.set()

    async def _read(self, ice_servers: asyncio.Future[list[protocol.IceServer] | None]) -> None:
        assert self._ws is not None
        async for message in self._ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            data = json.loads(message.data)
            if isinstance(data.get("resume"), str):
                self.resume_token = data["resume"]
            try:
                if data.get("type") == "challenge":
                    await self._answer_challenge(data)
                    continue
                if data.get("type") == "answer":
                    await self._accept_answer(data["sdp"])
            except ProximError as exc:
                # the host is not the one the link names, or plays with the code: stop talking to it
                self.messages.put_nowait({"type": "refused", "message": str(exc)})
                await self._ws.close()
                break
            if data.get("type") == "ice_servers" and not ice_servers.done():
                try:
                    ice_servers.set_result(protocol.parse_ice_servers(data))
                except ProtocolError as exc:
                    ice_servers.set_exception(ProximError(f"the host's ICE servers cannot be used: {exc}"))
                continue
            self.messages.put_nowait(data)
            if data.get("type") == "error" and not ice_servers.done():
                ice_servers.set_result(None)  # the host refused the link
        if not ice_servers.done():
            ice_servers.set_result(None)
        self.messages.put_nowait({"type": "closed", "code": self._ws.close_code})

    async def _answer_challenge(self, challenge: dict[str, Any]) -> None:
        """Compute the code from the host's nonce, then reveal ours (which the host compares with our commitment)."""
        nonce = challenge.get("nonce")
        if self.code or not isinstance(nonce, str):
            raise ProximError("the host sent a second or malformed challenge; not pairing")
        assert self.pc is not None
        own = sdp_fingerprint(self.pc.localDescription.sdp)
        self.code = verification_code(fingerprint_from_b64url(self.link.fingerprint), own, self._nonce, nonce)
        await self.send({"type": "reveal", "nonce": self._nonce})

    async def _accept_answer(self, sdp: str) -> None:
        assert self.pc is not None
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
        assert self.channel is not None
        self.channel.send(json.dumps(message))

    async def leave(self) -> None:
        """Says ``bye`` if the WebSocket is still open, then closes everything: the session ends on the host."""
        if self._ws is not None and not self._ws.closed:
            with contextlib.suppress(ConnectionError):
                await self.send({"type": "bye"})
        await self.close()

    async def close(self) -> None:
        for ws, http in self._retired:
            await ws.close()
            await http.close()
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
        if self._http is not None:
            await self._http.close()
        if self.pc is not None:
            await self.pc.close()
