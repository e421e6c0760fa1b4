"""The verification code against a client that forges it: a real host, real WebSockets, real aiortc offers."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import secrets
from collections.abc import AsyncIterator, Callable

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection

from proxim_tray.app import App
from proxim_tray.client import ProximClient
from proxim_tray.errors import ProtocolError
from proxim_tray.fingerprint import sdp_fingerprint
from tests.support.hostkit import Recorder, running, signaling_app

FINGERPRINT_LINE = re.compile(r"^a=fingerprint:sha-256 (\S+)\r?$", re.MULTILINE)


@pytest.fixture
async def host() -> AsyncIterator[tuple[App, Recorder]]:
    recorder = Recorder()
    async with running(signaling_app(recorder, approve_timeout=10.0, link_ttl=120.0), recorder) as started:
        yield started


def ground_value() -> str:
    return ":".join(f"{b:02X}" for b in secrets.token_bytes(32))


def sections(sdp: str) -> list[str]:
    """The session part, then each media section, of ``sdp``."""
    return re.split(r"(?m)^(?=m=)", sdp)


def real_in_video_upper_case_ground_in_data(sdp: str) -> str:
    """The review's forgery: DTLS checks the first (video) section, the old host read the first lower-case line."""
    session, video, data = sections(sdp)
    video = video.replace("a=fingerprint:sha-256", "a=fingerprint:SHA-256")
    data = FINGERPRINT_LINE.sub(f"a=fingerprint:sha-256 {ground_value()}", data)
    return session + video + data


def two_values_in_one_section(sdp: str) -> str:
    session, video, data = sections(sdp)
    video = video.replace(
        "a=fingerprint:sha-256", f"a=fingerprint:sha-256 {ground_value()}\r\na=fingerprint:sha-256", 1
    )
    return session + video + data


def a_session_level_value_of_its_own(sdp: str) -> str:
    session, video, data = sections(sdp)
    return session + f"a=fingerprint:sha-256 {ground_value()}\r\n" + video + data


def a_section_without_sha256(sdp: str) -> str:
    session, video, data = sections(sdp)
    return session + video + FINGERPRINT_LINE.sub("", data)


class ForgingClient(ProximClient):
    def __init__(self, url: str, forge: Callable[[str], str]) -> None:
        super().__init__(url)
        self.forge = forge

    def offer_sdp(self) -> str:
        return self.forge(super().offer_sdp())


@pytest.mark.parametrize(
    "forge",
    [
        real_in_video_upper_case_ground_in_data,
        two_values_in_one_section,
        a_session_level_value_of_its_own,
        a_section_without_sha256,
    ],
)
async def test_an_offer_without_one_fingerprint_everywhere_is_refused(
    host: tuple[App, Recorder], forge: Callable[[str], str]
) -> None:
    app, recorder = host
    assert app.sessions.pairing is not None
    url = app.sessions.pairing.url
    client = ForgingClient(url, forge)
    await client.start()
    try:
        error = await client.expect("error")
        assert error["code"] == "bad_message" and "fingerprint" in error["message"]
    finally:
        await client.close()
    assert recorder.requests.empty(), "the host's user was never asked"
    assert app.sessions.pairing is not None and app.sessions.pairing.url == url, "the owner's link still works"


async def test_a_client_cannot_know_the_code_before_the_host_reveals_its_part(host: tuple[App, Recorder]) -> None:
    """Everything a client knows before the host answers its hello (the link, its own certificate) must not determine
    the code; otherwise it can mint certificates until the code is the one the owner's phone shows."""
    app, recorder = host
    assert app.sessions.pairing is not None
    client = ProximClient(app.sessions.pairing.url)
    await client.start()
    try:
        pending = await client.expect("pending")
        request = await asyncio.wait_for(recorder.requests.get(), 5)
        own = FINGERPRINT_LINE.search(client.offer_sdp())
        assert own is not None
        link_hex = ":".join(f"{b:02X}" for b in _b64url(client.link.fingerprint))
        known = f"proxim-v1|{link_hex}|{own.group(1).upper()}"
        predicted = f"{int.from_bytes(hashlib.sha256(known.encode()).digest()[:4], 'big') % 1_000_000:06d}"
        assert request.code == pending["code"]
        assert pending["code"] != predicted, "the code was computable before the host revealed anything"
        assert client.code == pending["code"], "the Python client computes the host's code itself"
    finally:
        await client.close()


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


async def test_an_answer_naming_another_certificate_anywhere_is_not_the_hosts() -> None:
    """What the Python client checks a host's answer with (the page applies the same rule in util.js)."""
    offerer, answerer = (RTCPeerConnection(RTCConfiguration(iceServers=[])) for _ in range(2))
    try:
        offerer.addTransceiver("video", direction="recvonly")
        offerer.createDataChannel("control")
        await offerer.setLocalDescription(await offerer.createOffer())
        await answerer.setRemoteDescription(offerer.localDescription)
        await answerer.setLocalDescription(await answerer.createAnswer())
        answer = answerer.localDescription.sdp
    finally:
        await offerer.close()
        await answerer.close()
    genuine = sdp_fingerprint(answer)
    first_line = FINGERPRINT_LINE.search(answer)
    assert first_line is not None and first_line.group(1).upper() == genuine
    for forge in (a_session_level_value_of_its_own, real_in_video_upper_case_ground_in_data, two_values_in_one_section):
        with pytest.raises(ProtocolError):
            sdp_fingerprint(forge(answer))
