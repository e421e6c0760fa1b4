"""STUN and TURN servers for both ends: who may learn them, the credentials they carry, and how they are configured."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import proxim_audit
import proxim_signaling
import pytest

from proxim_tray import cli, configfile, protocol
from proxim_tray.app import App
from proxim_tray.config import HostConfig
from proxim_tray.configfile import ConfigFileError
from proxim_tray.errors import ConfigError, ProtocolError
from proxim_tray.iceservers import IceSettings
from tests.support.hostkit import Recorder, hello, make_app, make_offer
from tests.test_signaling import audit_events

STUN = "stun:turn.example.org:3478"
TURN = "turn:turn.example.org:3478?transport=udp"
SECRET = "the secret coturn shares"


async def running_host(tmp_path: Path, **ice: Any) -> tuple[App, Recorder, asyncio.Task[int]]:
    recorder = Recorder()
    app = make_app(
        recorder, extra_plugins=(proxim_signaling.SignalingPlugin(), proxim_audit), stun_servers=[STUN], **ice
    )
    app.config.plugin_settings["audit_log"] = tmp_path / "audit.jsonl"
    task = asyncio.create_task(app.run())
    await asyncio.wait_for(recorder.new_link.wait(), 10)
    return app, recorder, task


@pytest.fixture
async def host(tmp_path: Path) -> AsyncIterator[App]:
    app, _, task = await running_host(tmp_path, turn_servers=[TURN], turn_secret=SECRET)
    try:
        yield app
    finally:
        app.request_stop()
        await asyncio.wait_for(task, 10)


def link_fields(app: App, secret: str | None = None) -> dict[str, str]:
    assert app.sessions.pairing is not None
    return {"session": app.sessions.pairing.session_id, "secret": secret or app.sessions.pairing.secret}


async def hello_from(app: App, name: str) -> dict[str, Any]:
    """A valid hello for the link shown now (its commitment included)."""
    assert app.sessions.pairing is not None
    return dict(json.loads(hello(app.sessions.pairing, await make_offer(), name=name)))


async def ask(app: App, *messages: dict[str, Any]) -> list[dict[str, Any]]:
    """Sends ``messages`` on one new WebSocket; returns one reply to each."""
    replies = []
    assert app.sessions.pairing is not None
    ws_url = app.sessions.pairing.base_url.replace("http", "ws") + "/ws"
    async with aiohttp.ClientSession() as http, http.ws_connect(ws_url) as ws:
        for message in messages:
            await ws.send_str(json.dumps(message))
            replies.append(await ws.receive_json(timeout=5))
    return replies


async def test_the_link_holder_gets_the_servers_with_fresh_credentials_and_keeps_the_link(host: App) -> None:
    hello = await hello_from(host, "Phone")
    servers, challenge = await ask(host, {"type": "ice", "v": protocol.VERSION, **link_fields(host)}, hello)
    assert servers["type"] == "ice_servers"
    stun, turn = servers["servers"]
    assert stun == {"urls": [STUN]}
    assert turn["urls"] == [TURN]
    expiry, user = turn["username"].split(":")
    assert user == "proxim" and 590 < int(expiry) - time.time() <= 600
    digest = hmac.new(SECRET.encode(), turn["username"].encode(), hashlib.sha1).digest()
    assert turn["credential"] == base64.b64encode(digest).decode()
    assert challenge["type"] == "challenge", "asking for the servers did not use the link"


async def test_a_wrong_link_learns_nothing_and_counts_as_a_failed_attempt(host: App) -> None:
    replies = []
    for _ in range(6):
        (reply,) = await ask(host, {"type": "ice", "v": protocol.VERSION, **link_fields(host, secret="guess")})
        replies.append(reply)
    assert [reply["code"] for reply in replies] == ["bad_secret"] * 5 + ["rate_limited"]
    assert all("servers" not in reply for reply in replies)
    # the address then waits: its next socket is refused as it opens, before any message (and so before the audit log)
    events = await audit_events(host, count=5)
    assert {(e["event"], e["outcome"], e["device"]) for e in events} == {("pairing_attempt", "bad_secret", "")}


async def test_a_client_that_sends_hello_first_still_pairs(tmp_path: Path) -> None:
    app, _, task = await running_host(tmp_path, turn_servers=[TURN], turn_user="phone", turn_password="p4ss")
    try:
        (challenge,) = await ask(app, await hello_from(app, "Old"))
        assert challenge["type"] == "challenge"
    finally:
        app.request_stop()
        await asyncio.wait_for(task, 10)


def test_static_credentials_are_handed_as_given() -> None:
    settings = IceSettings((), (TURN,), "phone", "p4ss")
    assert protocol.ice_servers_message(settings.servers(600)) == {
        "type": "ice_servers",
        "servers": [{"urls": [TURN], "username": "phone", "credential": "p4ss"}],
    }
    assert "p4ss" not in repr(settings) and "p4ss" not in repr(settings.servers(600))


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"turn_servers": [TURN]}, "--turn needs credentials"),
        ({"turn_servers": [TURN], "turn_user": "phone"}, "both --turn-user and --turn-password"),
        ({"turn_servers": [TURN], "turn_user": "a", "turn_password": "b", "turn_secret": "c"}, "not both"),
        ({"turn_secret": "c"}, "without a TURN server"),
    ],
)
def test_turn_settings_that_cannot_work_are_refused(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        IceSettings.from_config(HostConfig(**settings))


def test_the_command_line_reads_the_secret_file_and_checks_urls(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret_file = tmp_path / "turn-secret"
    secret_file.write_text(SECRET + "\n")
    args = cli.build_parser().parse_args(["host", "--turn", TURN, "--turn-secret-file", str(secret_file)])
    config = cli._config_from(args)
    assert (config.turn_servers, config.turn_secret) == ([TURN], SECRET)
    assert SECRET not in repr(config)
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["host", "--turn", "turn:[::1]:3478"])
    assert "is not a TURN URL like turn:" in capsys.readouterr().err
    config_path = tmp_path / "config.toml"
    config_path.write_text(f'turn = ["{TURN}"]\n')
    assert cli.main(["--config", str(config_path), "host", "--no-tray"]) == 2
    assert "--turn needs credentials" in capsys.readouterr().err


def test_the_config_file_checks_each_url(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('turn = ["http://turn.example.org"]\n')
    with pytest.raises(ConfigFileError, match=r"turn: 'http://turn.example.org' is not a TURN URL"):
        configfile.load(path)
    path.write_text(f'turn = ["{TURN}"]\nturn_secret_file = "~/turn-secret"\n')
    assert configfile.load(path) == {"turn": [TURN], "turn_secret_file": Path.home() / "turn-secret"}


@pytest.mark.parametrize(
    "server",
    [
        {"urls": "stun:a"},
        {"urls": []},
        {"urls": ["http://a"]},
        {"urls": ["turns:a?transport=udp"]},
        {"urls": ["turn:a"], "username": "u"},
        {"urls": ["turn:a"], "username": "u", "credential": 5},
    ],
)
def test_a_client_refuses_malformed_servers(server: dict[str, Any]) -> None:
    with pytest.raises(ProtocolError):
        protocol.parse_ice_servers({"type": "ice_servers", "servers": [server]})


def test_requests_and_byes_are_checked() -> None:
    ice = '{"type": "ice", "v": %d, "session": "s", "secret": "k"}'
    assert protocol.parse_signaling(ice % protocol.VERSION) == protocol.IceRequest("s", "k")
    assert protocol.parse_signaling('{"type": "bye", "reason": "no_network_path"}') == protocol.Bye("no_network_path")
    for raw in (ice % (protocol.VERSION + 1), '{"type": "bye", "reason": "tired"}'):
        with pytest.raises(ProtocolError):
            protocol.parse_signaling(raw)
