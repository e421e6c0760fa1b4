"""The signaling server over real WebSockets: an in-process host with the real aiohttp plugin, real aiortc peers."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import proxim_audit
import proxim_signaling
import proxim_webclient
import pytest

from proxim_tray import ApprovalRequest, Session, hookimpl
from proxim_tray.app import App
from proxim_tray.approval import Decision, PairingAttempt
from proxim_tray.client import ProximClient
from proxim_tray.session import SessionState
from tests.support.control_host import until
from tests.support.hostkit import Recorder, make_app
from tests.support.hostkit import running as running_app
from tests.support.processes import LineProcess, free_port, host_command

SUPPORT = Path(__file__).parent / "support"


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[tuple[App, Recorder]]:
    recorder = Recorder()
    app = make_app(
        recorder, extra_plugins=(proxim_signaling, proxim_webclient, proxim_audit), approve_timeout=5.0, link_ttl=60.0
    )
    app.config.plugin_settings["audit_log"] = tmp_path / "audit.jsonl"
    async with running_app(app, recorder) as started:
        yield started


async def audit_events(app: App, count: int, timeout: float = 5.0) -> list[dict[str, object]]:
    """The audit log's records once it has ``count`` of them: the plugin writes after the client has its answer."""
    path = app.config.plugin_settings["audit_log"]

    def records() -> list[dict[str, object]] | None:
        lines = path.read_text().splitlines() if path.exists() else []
        return [json.loads(line) for line in lines] if len(lines) >= count else None

    return await until(records, timeout, f"{count} audit records")


def link_of(app: App) -> str:
    assert app.sessions.pairing is not None
    return app.sessions.pairing.url


async def test_the_pairing_page_is_served_without_the_secret(running: tuple[App, Recorder]) -> None:
    app, _ = running
    url = link_of(app)
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        assert response.status == 200
        assert "Proxim" in await response.text()
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "#" not in str(response.url.raw_path_qs)


async def test_a_full_session_connects_then_the_host_stops_it(running: tuple[App, Recorder]) -> None:
    app, recorder = running
    first = link_of(app)
    client = ProximClient(first)
    await client.start()
    try:
        pending = await client.expect("pending")
        request = await asyncio.wait_for(recorder.requests.get(), 5)
        assert pending["code"] == request.code and request.device.address == "127.0.0.1"
        request.approve(by="test")
        assert (await client.expect("approved"))["permissions"] == ["control", "view"]
        await client.expect("answer")
        await client.wait_connected()
        assert (await asyncio.wait_for(client.control_messages.get(), 5))["t"] == "hello"
        assert app.sessions.state is SessionState.CONNECTED and recorder.started
        recorder.new_link.clear()
        await app.sessions.stop_session()
        assert await client.expect("ended") == {"type": "ended", "reason": "host_stopped"}
        assert (await client.next_message())["type"] == "closed"
        await asyncio.wait_for(recorder.new_link.wait(), 5)
    finally:
        await client.close()
    # the used link is refused for good
    replay = ProximClient(first)
    await replay.start()
    try:
        assert (await replay.expect("error"))["code"] == "unknown_session"
    finally:
        await replay.close()
    events = await audit_events(app, count=4)
    assert [e["event"] for e in events] == ["pairing_attempt", "decision", "session_end", "pairing_attempt"]
    assert events[0]["outcome"] == "accepted" and events[1]["approved"] and events[2]["reason"] == "host_stopped"
    assert events[3]["outcome"] == "unknown_session"


async def test_a_second_client_is_busy_while_pending_and_while_connected(running: tuple[App, Recorder]) -> None:
    app, recorder = running
    url = link_of(app)
    first = ProximClient(url)
    await first.start()
    try:
        await first.expect("pending")
        request = await asyncio.wait_for(recorder.requests.get(), 5)
        for stage in ("pending", "connected"):
            second = ProximClient(url)
            await second.start()
            error = await second.expect("error")
            assert error["code"] == "busy", stage
            assert (await second.next_message())["type"] == "closed"
            await second.close()
            if stage == "pending":
                request.approve(by="test")
                await first.expect("approved")
                await first.expect("answer")
                await first.wait_connected()
    finally:
        await first.close()


async def test_wrong_secrets_are_refused_then_rate_limited(running: tuple[App, Recorder]) -> None:
    app, _ = running
    url = link_of(app)
    forged = url.replace("#k=", "#k=x")
    codes = []
    for _ in range(7):
        client = ProximClient(forged)
        await client.start()
        codes.append((await client.expect("error"))["code"])
        await client.close()
    assert codes == ["bad_secret"] * 5 + ["rate_limited"] * 2
    honest = ProximClient(url)
    await honest.start()
    try:
        limited = await honest.expect("error")
        assert limited["code"] == "rate_limited" and "try again in" in limited["message"]
    finally:
        await honest.close()
    assert app.sessions.pairing is not None and app.sessions.pairing.url == url


async def test_an_expired_link_is_refused_and_replaced(running: tuple[App, Recorder]) -> None:
    app, recorder = running
    app.config.link_ttl = 0.3
    pairing = await app.sessions.new_pairing()
    assert pairing is not None
    old = pairing.url
    recorder.new_link.clear()
    await asyncio.wait_for(recorder.new_link.wait(), 5)
    assert link_of(app) != old
    client = ProximClient(old)
    await client.start()
    try:
        assert (await client.expect("error"))["code"] == "unknown_session"
    finally:
        await client.close()


async def test_oversized_frames_and_foreign_origins(running: tuple[App, Recorder]) -> None:
    app, _ = running
    assert app.sessions.pairing is not None
    origin = app.sessions.pairing.base_url
    ws_url = origin.replace("http", "ws") + "/ws"
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(ws_url) as ws:
            await ws.send_str(json.dumps({"type": "hello", "pad": "x" * 100_000}))
            error = await ws.receive_json(timeout=5)
            assert error["code"] == "too_large"
            await ws.send_str("{}")
            assert (await ws.receive_json(timeout=5))["code"] == "bad_message"  # still open, still answering
        async with http.ws_connect(ws_url) as ws:
            await ws.send_str("x" * 2_000_000)
            closing = await ws.receive(timeout=5)
            assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING)
            assert ws.close_code == 1009
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(ws_url, headers={"Origin": "http://evil.example"})
        assert refused.value.status == 403
        async with http.ws_connect(ws_url, headers={"Origin": origin}) as ws:
            await ws.send_str("{}")
            assert (await ws.receive_json(timeout=5))["code"] == "bad_message"
    assert app.sessions.state is SessionState.WAITING


async def test_a_client_that_vanishes_while_pending_ends_the_request(running: tuple[App, Recorder]) -> None:
    app, recorder = running
    client = ProximClient(link_of(app))
    await client.start()
    await client.expect("pending")
    request = await asyncio.wait_for(recorder.requests.get(), 5)
    await client.close()
    assert (await asyncio.wait_for(recorder.ended.get(), 5))[1] == "client_left"
    assert not request.approve(by="too late")  # withdrawn: nothing left to approve


def test_a_frozen_client_is_noticed_within_five_seconds(display_env: dict[str, str], tmp_path: Path) -> None:
    """SIGSTOP freezes a connected client: its sockets stay open but it answers nothing (a phone that lost Wi-Fi).
    The host releases what it held and waits for it to resume (tests/test_network_resume.py); here it does not."""
    host = LineProcess(host_command(free_port(), tmp_path / "qr.png"), env=display_env, stderr_path=tmp_path / "log")
    try:
        link = host.wait_for(r"^\s+(http://\S+)$").group(1)
        client = LineProcess([sys.executable, str(SUPPORT / "client_process.py"), link], env=display_env)
        host.wait_for(r"Approve connection from")
        host.send("y")
        client.wait_for("connected")
        host.wait_for("Connected: ")
        os.kill(client.proc.pid, signal.SIGSTOP)
        frozen_at = time.monotonic()
        host.wait_for("Reconnecting to ", timeout=8)
        assert time.monotonic() - frozen_at <= 5.0
        os.kill(client.proc.pid, signal.SIGCONT)
        client.stop()
        host.send("disconnect")  # the host's user need not wait for the resume window to end
        host.wait_for("ended: host stopped")
        host.wait_for(r"^\s+(http://\S+)$")
    finally:
        host.stop()
    assert host.proc.returncode == 0


class LifecycleLog:
    """A third-party-style plugin that writes down every lifecycle event it hears, in order."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.started = asyncio.Event()

    @hookimpl
    async def proxim_startup(self, app: App) -> None:
        await asyncio.sleep(0)  # an awaitable result is awaited
        self.events.append(f"startup:{app.find_links is not None}")

    @hookimpl
    def proxim_shutdown(self, app: App) -> None:
        self.events.append("shutdown")

    @hookimpl
    def proxim_pairing_attempt(self, app: App, attempt: PairingAttempt) -> None:
        self.events.append(f"attempt:{attempt.outcome}")

    @hookimpl
    def proxim_approval_decided(self, app: App, request: ApprovalRequest, decision: Decision) -> None:
        self.events.append(f"decided:{decision.approved}:{decision.by}")

    @hookimpl
    def proxim_session_started(self, app: App, session: Session) -> None:
        self.events.append(f"started:{session.device.name}")
        self.started.set()

    @hookimpl
    def proxim_session_ended(self, app: App, session: Session, reason: str) -> None:
        self.events.append(f"ended:{reason}")


async def test_plugins_hear_every_lifecycle_event_in_order() -> None:
    recorder, log = Recorder(), LifecycleLog()
    app = make_app(recorder, extra_plugins=(proxim_signaling, proxim_webclient))
    app.plugins.register(log, "lifecycle-log", "tests")
    task = asyncio.create_task(app.run())
    await asyncio.wait_for(recorder.new_link.wait(), 10)
    client = ProximClient(link_of(app), device_name="Lifecycle phone")
    await client.start()
    try:
        (await asyncio.wait_for(recorder.requests.get(), 5)).approve(by="tray")
        await client.expect("pending")
        await client.expect("approved")
        await client.expect("answer")
        await client.wait_connected()
        await asyncio.wait_for(log.started.wait(), 10)
    finally:
        app.request_stop()
        assert await asyncio.wait_for(task, 10) == 0
        await client.close()
    # startup runs first, shutdown last; the signaling server had its address when plugins started after it
    assert log.events[0].startswith("startup:")
    assert log.events[1:] == [
        "attempt:accepted",
        "decided:True:tray",
        "started:Lifecycle phone",
        "ended:host_shutdown",
        "shutdown",
    ]
