"""Hostile clients on the LAN against a real host: floods, held sockets, forged origins, deep JSON, idle connections.

The host is real (the aiohttp signaling plugin, aiortc peers); attackers speak from other loopback addresses
(127.0.0.2 and up, which Linux routes to the host like any LAN peer) and the owner from 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, suppress
from pathlib import Path

import aiohttp
import pytest

from proxim_tray.app import App
from proxim_tray.approval import FULL_CONTROL
from proxim_tray.client import ProximClient
from tests.support.control_host import connected_host
from tests.support.flood import idle_connection, random_hello
from tests.support.hostkit import CONTROLS, HOSTILE_NAME, Recorder, running, signaling_app
from tests.support.netns import Lab, NamespacedHost, lan
from tests.support.processes import LineProcess, free_port, host_command

SUPPORT = Path(__file__).parent / "support"


@pytest.fixture
async def host() -> AsyncIterator[tuple[App, Recorder]]:
    recorder = Recorder()
    async with running(signaling_app(recorder, approve_timeout=10.0, link_ttl=120.0), recorder) as started:
        yield started


def base_url(app: App) -> str:
    """Where the link shown now leads (``http://127.0.0.1:PORT`` in these tests)."""
    assert app.sessions.pairing is not None
    return app.sessions.pairing.base_url


def ws_url(app: App) -> str:
    return base_url(app).replace("http", "ws", 1) + "/ws"


def http_from(address: str) -> aiohttp.ClientSession:
    """An HTTP client whose connections come from ``address`` (a loopback address standing for a LAN device)."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(address, 0), force_close=True))


async def owner_pairs(app: App, recorder: Recorder) -> None:
    """The owner scans the link shown now, from 127.0.0.1: the host's user sees the request and the client its code."""
    assert app.sessions.pairing is not None
    client = ProximClient(app.sessions.pairing.url)
    await client.start()
    try:
        pending = await client.expect("pending")
        request = await asyncio.wait_for(recorder.requests.get(), 5)
        assert request.code == pending["code"]
    finally:
        await client.close()


# -- item 5: the global failure cap never refuses the owner's correct secret ---------------------------------------


async def test_a_flood_of_random_sessions_from_many_addresses_does_not_lock_the_owner_out(
    host: tuple[App, Recorder],
) -> None:
    app, recorder = host
    refused = []
    for n in range(2, 10):  # 8 addresses x 5 hellos: the whole host's failure cap (30) is passed
        async with http_from(f"127.0.0.{n}") as http:
            for _ in range(5):
                async with http.ws_connect(ws_url(app)) as ws:
                    await ws.send_str(random_hello())
                    refused.append((await ws.receive_json(timeout=5))["code"])
    assert set(refused) <= {"unknown_session", "rate_limited"} and "rate_limited" in refused
    await owner_pairs(app, recorder)


def test_one_device_with_many_ipv6_addresses_counts_once_and_the_owner_still_pairs(lab: Lab, tmp_path: Path) -> None:
    """On a dual-stack LAN (namespaces): a device guesses from 10 addresses of its /64, then from 30 other /64s."""
    host_ns, phone_ns = lan(
        lab, host_addresses=["192.168.77.1/24", "fd00:77::1/64"], phone_addresses=["192.168.77.2/24", "fd00:77::2/64"]
    )
    one_64 = [f"fd00:77::{n:x}" for n in range(0x100, 0x10A)]
    other_64s = [f"fd00:77:0:{n:x}::2" for n in range(1, 31)]  # the host answers them through its default route
    for address in one_64 + other_64s:
        phone_ns.sh(f"ip addr add {address}/64 dev eth0 nodad")
    host = NamespacedHost(host_ns, tmp_path, "--capture", "testpattern")
    owner: LineProcess | None = None
    try:
        link = host.next_link()
        assert link.startswith("http://192.168.77.1:"), link
        port = link.split("/")[2].rsplit(":", 1)[1]
        flood = phone_ns.argv([sys.executable, "-m", "tests.support.flood", f"ws://[fd00:77::1]:{port}/ws"])
        codes = subprocess.run([*flood, *one_64, *other_64s], capture_output=True, text=True, timeout=60, check=True)
        answered = codes.stdout.split()
        assert answered[:10] == ["unknown_session"] * 5 + ["rate_limited"] * 5, answered
        assert answered[-1] == "rate_limited", "everyone's cap (30 a minute) was passed"
        owner = LineProcess(phone_ns.argv([sys.executable, str(SUPPORT / "client_process.py"), link]))
        host.wait_for(r"Approve connection from", timeout=15)
        host.send("y")
        owner.wait_for("connected", timeout=20)
    finally:
        if owner is not None:
            owner.stop()
        host.stop()


# -- item 8: one device holding WebSockets does not lock the owner out ---------------------------------------------


@pytest.mark.parametrize("addresses", [1, 4], ids=["one-address", "four-addresses"])
async def test_held_websockets_do_not_lock_the_owner_out(host: tuple[App, Recorder], addresses: int) -> None:
    app, recorder = host
    async with AsyncExitStack() as stack:
        held = []
        for n in range(16):
            http = await stack.enter_async_context(http_from(f"127.0.0.{2 + n % addresses}"))
            try:
                held.append(await stack.enter_async_context(http.ws_connect(ws_url(app))))
            except aiohttp.WSServerHandshakeError as exc:
                assert exc.status in (429, 503)
        if addresses == 1:
            assert len(held) < 16, "one address may not hold every slot"
        await owner_pairs(app, recorder)


# -- item 9: the Origin check does not trust the Host header (DNS rebinding) ---------------------------------------


async def test_a_rebound_name_is_refused_even_when_host_and_origin_agree(host: tuple[App, Recorder]) -> None:
    app, _ = host
    port = base_url(app).rsplit(":", 1)[1]
    async with aiohttp.ClientSession() as http:
        for origin in ("http://evil.example", f"http://evil.example:{port}"):
            headers = {"Origin": origin, "Host": origin.removeprefix("http://")}
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(ws_url(app), headers=headers)
            assert refused.value.status == 403
        for origin in (base_url(app), f"http://localhost:{port}"):
            async with http.ws_connect(ws_url(app), headers={"Origin": origin}) as ws:
                await ws.send_str("{}")
                assert (await ws.receive_json(timeout=5))["code"] == "bad_message"


# -- item 10: deep JSON is a bad message, on signaling and on the control channel ----------------------------------


async def test_deep_json_on_signaling_is_a_bad_message(
    host: tuple[App, Recorder], caplog: pytest.LogCaptureFixture
) -> None:
    app, recorder = host
    async with aiohttp.ClientSession() as http, http.ws_connect(ws_url(app)) as ws:
        for deep in ("[" * 4000, '{"a":' * 4000):
            await ws.send_str(deep)
            assert (await ws.receive_json(timeout=5))["code"] == "bad_message"
    assert "Traceback" not in caplog.text and "RecursionError" not in caplog.text
    await owner_pairs(app, recorder)


async def test_deep_json_on_the_control_channel_is_a_bad_message(
    xvfb: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("DISPLAY", xvfb)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    async with connected_host(FULL_CONTROL) as host:
        assert host.client.channel is not None
        host.client.channel.send("[" * 4000)
        assert (await host.next_control("error"))["code"] == "bad_message"
        host.send("clip_get")  # still answering, so the channel and its session live on
        assert (await host.next_control("error"))["code"] == "not_permitted"
        assert host.session.is_live and host.client.pc is not None and host.client.pc.connectionState == "connected"
    assert "RecursionError" not in caplog.text


# -- item 11: unauthenticated bad-message floods are limited -------------------------------------------------------


async def test_a_bad_message_flood_closes_the_socket_and_the_address_waits(host: tuple[App, Recorder]) -> None:
    app, recorder = host
    async with http_from("127.0.0.2") as http:
        ws = await http.ws_connect(ws_url(app))
        replies = 0
        for _ in range(1000):
            if ws.closed:
                break
            try:
                await ws.send_str("{}")
            except ConnectionError:
                break
        while True:
            message = await ws.receive(timeout=5)
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            replies += 1
        await ws.close()
        assert ws.closed and replies <= 10, f"{replies} error replies to an unauthenticated flood"
        for _ in range(8):  # further floods from the same address are cut short too, then refused unread
            async with http.ws_connect(ws_url(app)) as again:
                with suppress(ConnectionError):
                    for _ in range(20):
                        await again.send_str("{}")
                codes = []
                while (message := await again.receive(timeout=5)).type == aiohttp.WSMsgType.TEXT:
                    codes.append(json.loads(message.data)["code"])
            assert codes[-1] == "rate_limited" and len(codes) <= 5, codes
            if codes == ["rate_limited"]:
                break
        else:
            raise AssertionError("the flooding address was never refused")
    await owner_pairs(app, recorder)


# -- item 6: idle and slowloris TCP connections --------------------------------------------------------------------

IDLE_SOCKETS = 400
HOST_FD_LIMIT = 256


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def settled_fds(pid: int, timeout: float = 10.0) -> int:
    """The host's descriptors once start-up is over (plugins may open theirs just after the link is shown): the count
    once it has not moved for a second."""
    deadline = time.monotonic() + timeout
    count, since = open_fds(pid), time.monotonic()
    while time.monotonic() - since < 1.0 and time.monotonic() < deadline:
        time.sleep(0.1)
        if (now := open_fds(pid)) != count:
            count, since = now, time.monotonic()
    return count


def closed_by_host(sock: socket.socket) -> bool:
    try:
        return sock.recv(1) == b""
    except BlockingIOError:
        return False
    except OSError:  # reset, or never connected
        return True


def still_open_after(sockets: list[socket.socket], timeout: float) -> int:
    """How many of ``sockets`` the host has not closed within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not all(closed_by_host(s) for s in sockets) and time.monotonic() < deadline:
        time.sleep(0.2)
    return sum(not closed_by_host(s) for s in sockets)


def test_idle_connections_are_bounded_and_timed_out(display_env: dict[str, str], tmp_path: Path) -> None:
    """400 idle or slowloris connections against a host with 256 file descriptors: it stays reachable."""
    from proxim_signaling.server import IDLE_TIMEOUT

    port = free_port()
    log = tmp_path / "host.log"
    argv = ["prlimit", f"--nofile={HOST_FD_LIMIT}:{HOST_FD_LIMIT}", "--", *host_command(port, tmp_path / "qr.png")]
    host = LineProcess(argv, env=display_env, stderr_path=log)
    sockets: list[socket.socket] = []
    try:
        link = host.wait_for(r"^\s+(http://\S+)$").group(1)
        baseline = settled_fds(host.proc.pid)
        sockets += [idle_connection(f"127.0.0.{2 + n % 20}", port, slowloris=n % 2 == 1) for n in range(IDLE_SOCKETS)]
        # the host accepts what it can: asyncio takes a whole batch from the backlog before the guard closes the
        # excess, so the count is read once the burst has been dealt with
        assert settled_fds(host.proc.pid) <= baseline + 150, "connections are capped well below the descriptor limit"
        client = LineProcess([sys.executable, str(SUPPORT / "client_process.py"), link], env=display_env)
        try:
            host.wait_for(r"Approve connection from", timeout=10)
            host.send("y")
            client.wait_for("connected", timeout=15)
        finally:
            client.stop()
        # what the host holds drains: handshakes the full backlog refused never reach it (the kernel drops them)
        deadline = time.monotonic() + 3 * IDLE_TIMEOUT
        while open_fds(host.proc.pid) > baseline + 10 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert open_fds(host.proc.pid) <= baseline + 10, "idle connections were not closed"
        fresh = [idle_connection("127.0.0.2", port, slowloris) for slowloris in (False, True)]
        sockets += fresh
        assert still_open_after(fresh, IDLE_TIMEOUT + 2) == 0, "a silent or slow connection outlived the timeout"
    finally:
        for sock in sockets:
            sock.close()
        host.stop()
    text = log.read_text(errors="replace")
    assert len(text) < 200_000, f"the host logged {len(text)} bytes"
    assert text.count("out of system resource") + text.count("cannot accept a connection") <= 5


# -- item 7: a device name cannot write to the host's terminal or forge its lines ----------------------------------


def test_a_hostile_device_name_is_shown_quoted_and_without_controls(
    display_env: dict[str, str], tmp_path: Path
) -> None:
    audit = tmp_path / "audit.jsonl"
    port = free_port()
    host = LineProcess(
        host_command(port, tmp_path / "qr.png", "--audit-log", str(audit)),
        env=display_env,
        stderr_path=tmp_path / "log",
    )
    try:
        link = host.wait_for(r"^\s+(http://\S+)$").group(1)
        seen_before = len(host.lines)

        async def ask() -> None:
            client = ProximClient(link, device_name=HOSTILE_NAME)
            await client.start()
            try:
                await client.expect("pending")
                host.wait_for(r"Approve connection from")
                host.send("n")
                await client.expect("rejected")
            finally:
                await client.close()

        asyncio.run(ask())
        host.wait_for(r"^\s+(http://\S+)$")  # the next link: everything about the request was printed
    finally:
        host.stop()
    printed = host.lines[seen_before:]
    for line in printed:
        assert not any(c in line for c in CONTROLS), f"control character in {line!r}"
    assert not any(line.startswith(("Verification code: 000", "Approved.")) for line in printed), printed
    request_line = next(line for line in printed if line.startswith("Connection request from"))
    assert '"' in request_line and "Pixel" in request_line, request_line
    logged = (tmp_path / "log").read_text()
    assert not any(c in logged for c in CONTROLS if c != "\n")
    names = [json.loads(line)["device"] for line in audit.read_text().splitlines()]
    assert names and all(not any(c in name for c in CONTROLS) for name in names)


async def test_the_tray_menu_shows_a_hostile_name_quoted_and_without_controls(host: tuple[App, Recorder]) -> None:
    from proxim_tray_pystray.menu import status_items
    from proxim_tray_pystray.states import TrayState

    app, recorder = host
    assert app.sessions.pairing is not None
    client = ProximClient(app.sessions.pairing.url, device_name=HOSTILE_NAME)
    await client.start()
    try:
        await client.expect("pending")
        request = await asyncio.wait_for(recorder.requests.get(), 5)
        labels = [item.text for item in status_items(app, TrayState.PENDING, None)]
        asking = next(label for label in labels if "asks to connect, code" in label)
        assert asking.startswith('"') and not any(c in asking for c in CONTROLS), asking
        assert request.device.quoted_name in asking
    finally:
        await client.close()


async def test_a_paired_session_outlives_the_idle_timeouts(host: tuple[App, Recorder]) -> None:
    from proxim_signaling.server import IDLE_TIMEOUT

    app, recorder = host
    assert app.sessions.pairing is not None
    client = ProximClient(app.sessions.pairing.url)
    await client.start()
    try:
        await client.expect("pending")
        (await asyncio.wait_for(recorder.requests.get(), 5)).approve(by="test")
        await client.expect("approved")
        await client.expect("answer")
        await client.wait_connected()
        await asyncio.sleep(IDLE_TIMEOUT + 1.5)  # what must not happen: the session's socket closed as idle
        assert client.messages.empty(), client.messages.get_nowait()
        assert app.sessions.live_session is not None
        assert client.pc is not None and client.pc.connectionState == "connected"
    finally:
        await client.close()
