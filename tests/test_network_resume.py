"""Resuming a session after a network blip: the protocol over real WebSockets and aiortc peers, then Chromium as a
phone in its own network namespace losing its link for a few seconds, and for longer than the resume window."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import proxim_audit
import proxim_signaling
import proxim_webclient
import pytest
from aiortc import RTCCertificate, RTCConfiguration, RTCPeerConnection

from proxim_tray import Session, hookimpl, protocol
from proxim_tray.app import App
from proxim_tray.client import ProximClient
from proxim_tray.config import DEFAULT_RESUME_WINDOW
from proxim_tray.peer import dtls_certificates, use_dtls_certificates
from proxim_tray.session import SessionState
from tests.support.control_host import XState
from tests.support.hostkit import Recorder, make_app
from tests.support.netns import Lab, Namespace, NamespacedHost, host_env, lan, phone_browser
from tests.support.processes import XWitness
from tests.support.webclient import open_live_session
from tests.test_signaling import audit_events

HOST_ADDRESS, PHONE_ADDRESS, PHONE_ROAMED = "10.71.0.1/24", "10.71.0.2/24", "10.71.0.3/24"
KEY_A, KEY_B = 0x61, 0x62  # keysyms
BLIP = 3.0  # seconds: a phone's Wi-Fi dropping for a moment
BLACKOUT_TABLE = "proxim_test_blackout"
BLACKOUT = (
    f"table inet {BLACKOUT_TABLE} {{\n chain input {{\n  type filter hook input priority 0; policy drop;\n }}\n}}\n"
)
# Records in the page each state it goes through and each video frame presented (with the stream it came from).
RECORD_STATES_AND_FRAMES = """() => {
  const video = document.querySelector('#screen');
  window.states = [];
  window.frames = [];
  window.Proxim.session.on('state', (s) => window.states.push({state: s.state, t: performance.now()}));
  const presented = (now) => {
    window.frames.push({t: now, stream: video.srcObject ? video.srcObject.id : null});
    video.requestVideoFrameCallback(presented);
  };
  video.requestVideoFrameCallback(presented);
  return video.srcObject.id;
}"""
FIRST_NEW_FRAME = """([after, oldStream]) => {
  const frame = window.frames.find((f) => f.t > after && f.stream !== oldStream);
  return document.body.dataset.state === 'live' && frame ? frame.t : null;
}"""


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
async def serving(tmp_path: Path) -> AsyncIterator[tuple[App, Recorder, BlipLog]]:
    recorder, log = Recorder(), BlipLog()
    app = make_app(recorder, extra_plugins=(proxim_signaling, proxim_webclient, proxim_audit), approve_timeout=5.0)
    app.config.plugin_settings["audit_log"] = tmp_path / "audit.jsonl"
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
    ws_url: str, session_id: str, token: str, certificates: list[RTCCertificate] | None
) -> dict[str, Any]:
    """Present a resume of ``session_id`` with ``token`` and an offer made with ``certificates`` (new ones when None)
    on a WebSocket of its own; the host's reply, after which the host must close the socket."""
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    if certificates is not None:
        use_dtls_certificates(pc, certificates)
    pc.addTransceiver("video", direction="recvonly")
    pc.createDataChannel("control")
    await pc.setLocalDescription(await pc.createOffer())
    resume = {"type": "resume", "v": protocol.VERSION, "session": session_id, "token": token}
    resume["offer"] = pc.localDescription.sdp
    try:
        async with aiohttp.ClientSession() as http, http.ws_connect(ws_url) as ws:
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
        assert approved["resume_window"] == DEFAULT_RESUME_WINDOW and len(approved["resume"]) == 22
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
        audit = await audit_events(app, count=3)
        assert [event["event"] for event in audit] == ["pairing_attempt", "decision", "session_resumed"]
        assert audit[2]["address"] == "127.0.0.1"
        # once the resumed connection is up, the token it replaced is refused
        ws_url, session_id = client.link.websocket_url, client.link.session_id
        assert client.pc is not None
        replay = await resume_refusal(ws_url, session_id, first_token, dtls_certificates(client.pc))
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
        assert client.pc is not None
        certificates = dtls_certificates(client.pc)
        ws_url, session_id, token = client.link.websocket_url, client.link.session_id, client.resume_token
        assert (await resume_refusal(ws_url, session_id, "A" * 22, certificates))["code"] == "bad_token"
        assert (await resume_refusal(ws_url, session_id, token, None))["code"] == "bad_certificate"
        assert (await resume_refusal(ws_url, "B" * 22, token, certificates))["code"] == "session_ended"
        assert app.sessions.state is SessionState.CONNECTED and log.events == []
        client.control({"t": "hb"})
        assert client.channel is not None and client.channel.readyState == "open"
        await app.sessions.stop_session()
        assert (await resume_refusal(ws_url, session_id, token, certificates))["code"] == "session_ended"
        # refusals count as failed attempts: five a minute from one address
        assert (await resume_refusal(ws_url, session_id, "C" * 22, certificates))["code"] == "session_ended"
        assert (await resume_refusal(ws_url, session_id, token, certificates))["code"] == "rate_limited"
    finally:
        await client.close()


@dataclass
class PhoneOnLan:
    """A host in one namespace and Chromium in another, one cable between them, and a live session."""

    host: NamespacedHost
    host_ns: Namespace
    phone_ns: Namespace
    page: Any

    def network(self, up: bool, outage: str = "silence") -> None:
        """The phone's Wi-Fi drops or comes back. ``silence``: each side drops what arrives, as ``netem loss 100%``
        would (this machine's kernel has no netem), and neither side's sends fail; ``link_down``: the phone's
        interface goes down, as when its radio loses the access point; ``roam``: the same, and it comes back with
        another address, as after moving to another access point."""
        if outage in ("link_down", "roam"):
            if up and outage == "roam":
                self.phone_ns.sh("ip addr flush dev eth0", f"ip addr add {PHONE_ROAMED} dev eth0")
            self.phone_ns.sh(f"ip link set eth0 {'up' if up else 'down'}")
            return
        for namespace in (self.phone_ns, self.host_ns):
            if up:
                namespace.sh(f"nft delete table inet {BLACKOUT_TABLE}")
            else:
                namespace.nft(BLACKOUT)


@pytest.fixture
def phone_on_lan(lab: Lab, xvfb: str, tmp_path: Path) -> Iterator[PhoneOnLan]:
    host_ns, phone_ns = lan(lab, host_addresses=[HOST_ADDRESS], phone_addresses=[PHONE_ADDRESS])
    # the picture changes all the time, so frames flowing again is seen at once; input goes to the X server
    # (the X witness's own focus changes would count as the local user taking over: no local priority here)
    host = NamespacedHost(
        host_ns, tmp_path, "--capture", "testpattern", "--local-priority", "0", env=host_env(tmp_path, display=xvfb)
    )
    try:
        with phone_browser(phone_ns, tmp_path) as page:
            open_live_session(host, page)
            yield PhoneOnLan(host, host_ns, phone_ns, page)
    finally:
        host.stop()


def hold_a_key(rig: PhoneOnLan, witness: XWitness) -> None:
    rig.page.click("#screen")  # the video takes the keyboard
    witness.focus()
    rig.page.keyboard.down("KeyA")
    assert witness.next_event("key_press")["keysym"] == KEY_A


def assert_not_held(display: str, *keysym_names: str) -> None:
    x_state = XState(display)
    try:
        held = x_state.pressed_keycodes()
        assert not [name for name in keysym_names if x_state.keycode(name) in held], "a key stayed held"
    finally:
        x_state.close()


@pytest.mark.parametrize("outage", ["silence", "link_down", "roam"])
def test_a_three_second_blip_resumes_without_a_new_approval(
    phone_on_lan: PhoneOnLan, witness: XWitness, xvfb: str, outage: str
) -> None:
    rig, page = phone_on_lan, phone_on_lan.page
    old_stream = page.evaluate(RECORD_STATES_AND_FRAMES)
    hold_a_key(rig, witness)

    rig.network(up=False, outage=outage)
    # what the phone held is released at the start of the blip (1 s without a message), not when it ends
    assert witness.next_event("key_release", timeout=BLIP)["keysym"] == KEY_A
    time.sleep(BLIP - 1.0)  # the rest of the blip: nothing to wait for, the network is simply gone
    rig.network(up=True, outage=outage)
    back = page.evaluate("performance.now()")

    page.wait_for_function(FIRST_NEW_FRAME, arg=[back, old_stream], timeout=20_000)
    recovery = page.evaluate(FIRST_NEW_FRAME, [back, old_stream]) - back
    print(f"recovery after a {BLIP:g} s {outage} blip: {recovery:.0f} ms (network back -> a frame of the new stream)")
    states = [entry["state"] for entry in page.evaluate("window.states")]
    assert states == ["reconnecting", "live"], "the page showed Reconnecting, then the screen again"
    rig.host.wait_for("Reconnecting to ")
    phone_address = (PHONE_ROAMED if outage == "roam" else PHONE_ADDRESS).split("/")[0]
    rig.host.wait_for(rf"Reconnected: .*\({re.escape(phone_address)}\)")  # from its new address after roaming
    assert sum("Approve connection" in line for line in rig.host.lines) == 1, "no new approval was asked"

    # input works again on the resumed connection; the key held before the blip stays released
    page.keyboard.up("KeyA")
    page.click("#screen")
    witness.focus()
    page.keyboard.press("KeyB")
    while (event := witness.next_event("key_press"))["keysym"] != KEY_B:
        assert event["keysym"] != KEY_A, "the key held before the blip came back"
    assert_not_held(xvfb, "a", "b")


def test_a_blip_longer_than_the_window_ends_the_session(phone_on_lan: PhoneOnLan, witness: XWitness, xvfb: str) -> None:
    rig, page = phone_on_lan, phone_on_lan.page
    hold_a_key(rig, witness)
    rig.network(up=False)
    dropped_at = time.monotonic()
    assert witness.next_event("key_release", timeout=BLIP)["keysym"] == KEY_A
    rig.host.wait_for("Reconnecting to ", timeout=10)
    page.wait_for_selector("body[data-state=reconnecting]", timeout=10_000)
    assert page.is_visible("#reconnecting"), "the page counts down the seconds left"
    rig.host.wait_for(r"ended: connection lost\.", timeout=DEFAULT_RESUME_WINDOW + 10)
    assert time.monotonic() - dropped_at >= DEFAULT_RESUME_WINDOW
    # the phone comes back after the host gave up: it learns that the session ended (or gave up by itself)
    rig.network(up=True)
    fresh = rig.host.next_link()
    page.wait_for_selector("body[data-state=ended], body[data-state=lost]", timeout=10_000)
    status = page.text_content("#status") or ""
    assert "session ended" in status and "Scan the QR code" in status, status
    assert fresh.startswith("http://10.71.0.1:")
    assert_not_held(xvfb, "a")
