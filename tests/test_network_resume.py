"""Resuming a session after a network blip: the protocol over real WebSockets and aiortc peers, then Chromium as a
phone in its own network namespace losing its link for a few seconds, and for longer than the resume window."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import proxim_signaling
import proxim_webclient
import pytest
from aiortc import RTCCertificate, RTCConfiguration, RTCPeerConnection

from proxim_tray import Session, hookimpl
from proxim_tray.app import App
from proxim_tray.client import ProximClient
from proxim_tray.peer import dtls_certificates, use_dtls_certificates
from proxim_tray.resume import RESUME_WINDOW
from proxim_tray.session import SessionState
from tests.support.hostkit import Recorder, make_app


class BlipLog:
    """Writes down the reconnecting and reconnected announcements."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.reconnected = asyncio.Event()

    @hookimpl
    def proxim_session_reconnecting(self, session: Session) -> None:
        self.events.append("reconnecting")

    @hookimpl
    def proxim_session_reconnected(self, session: Session) -> None:
        self.events.append("reconnected")
        self.reconnected.set()


@pytest.fixture
async def serving() -> AsyncIterator[tuple[App, Recorder, BlipLog]]:
    recorder, log = Recorder(), BlipLog()
    app = make_app(recorder, extra_plugins=(proxim_signaling, proxim_webclient), approve_timeout=5.0)
    app.plugins.register(log, "blip-log", "tests")
    task = asyncio.create_task(app.run())
    await asyncio.wait_for(recorder.new_link.wait(), 10)
    try:
        yield app, recorder, log
    finally:
        app.request_stop()
        assert await asyncio.wait_for(task, 10) == 0


async def connected_client(app: App, recorder: Recorder) -> tuple[ProximClient, dict[str, Any]]:
    assert app.sessions.pairing is not None
    client = ProximClient(app.sessions.pairing.url)
    await client.start()
    (await asyncio.wait_for(recorder.requests.get(), 5)).approve(by="test")
    await client.expect("pending")
    approved = await client.expect("approved")
    await client.expect("answer")
    await client.wait_connected()
    await control_hello(client)
    return client, approved


async def control_hello(client: ProximClient) -> dict[str, Any]:
    """The host's next `hello` on the control channel (this host has no input backend: an error follows each)."""
    while (message := await asyncio.wait_for(client.control_messages.get(), 5))["t"] != "hello":
        pass
    return message


async def resume_refusal(
    app: App, session_id: str, token: str, certificates: list[RTCCertificate] | None
) -> dict[str, Any]:
    """Present a resume of ``session_id`` with ``token`` and an offer made with ``certificates`` (new ones when None)
    on a WebSocket of its own; the host's reply, after which the host must close the socket."""
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    if certificates is not None:
        use_dtls_certificates(pc, certificates)
    pc.addTransceiver("video", direction="recvonly")
    pc.createDataChannel("control")
    await pc.setLocalDescription(await pc.createOffer())
    resume = {"type": "resume", "v": 1, "session": session_id, "token": token, "offer": pc.localDescription.sdp}
    try:
        async with aiohttp.ClientSession() as http, http.ws_connect(app.base_url.replace("http", "ws") + "/ws") as ws:
            await ws.send_json(resume)
            reply: dict[str, Any] = await ws.receive_json(timeout=5)
            assert (await ws.receive(timeout=5)).type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    finally:
        await pc.close()
    return reply


async def test_a_client_comes_back_on_a_new_connection_without_a_new_approval(
    serving: tuple[App, Recorder, BlipLog],
) -> None:
    app, recorder, log = serving
    client, approved = await connected_client(app, recorder)
    try:
        assert approved["resume_window"] == RESUME_WINDOW and len(approved["resume"]) == 22
        first_token = client.resume_token
        # the client's network moved: its old WebSocket is still open as far as the host knows
        await client.resume()
        resumed = await client.expect("resumed")
        assert resumed["permissions"] == ["control", "view"] and resumed["resume"] != first_token
        await client.expect("answer")  # the client checked that the host's certificate is the link's
        await client.wait_connected()
        await control_hello(client)  # on the new control channel
        await asyncio.wait_for(log.reconnected.wait(), 5)
        assert log.events == ["reconnecting", "reconnected"]
        assert app.sessions.state is SessionState.CONNECTED
        assert recorder.requests.empty() and len(recorder.started) == 1, "no new approval, no second start"
        # once the resumed connection is up, the token it replaced is refused
        replay = await resume_refusal(app, client.link.session_id, first_token, dtls_certificates(client.pc))
        assert replay["code"] == "bad_token"
        assert app.sessions.state is SessionState.CONNECTED
    finally:
        await client.close()
    # closing the WebSocket (a tab that closes) is leaving, not a blip: the session ends at once
    assert (await asyncio.wait_for(recorder.ended.get(), 5))[1] == "client_left"
    assert log.events == ["reconnecting", "reconnected"]


async def test_a_wrong_token_or_another_certificate_changes_nothing(serving: tuple[App, Recorder, BlipLog]) -> None:
    app, recorder, log = serving
    client, _ = await connected_client(app, recorder)
    try:
        certificates = dtls_certificates(client.pc)
        session_id, token = client.link.session_id, client.resume_token
        assert (await resume_refusal(app, session_id, "A" * 22, certificates))["code"] == "bad_token"
        assert (await resume_refusal(app, session_id, token, None))["code"] == "bad_certificate"
        assert (await resume_refusal(app, "B" * 22, token, certificates))["code"] == "session_ended"
        assert app.sessions.state is SessionState.CONNECTED and log.events == []
        client.control({"t": "hb"})
        assert client.channel.readyState == "open"
        await app.sessions.stop_session()
        assert (await resume_refusal(app, session_id, token, certificates))["code"] == "session_ended"
        # refusals count as failed attempts: five a minute from one address
        assert (await resume_refusal(app, session_id, "C" * 22, certificates))["code"] == "session_ended"
        assert (await resume_refusal(app, session_id, token, certificates))["code"] == "rate_limited"
    finally:
        await client.close()
