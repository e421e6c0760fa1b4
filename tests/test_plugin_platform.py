"""The extension points a plugin builds a feature on: its own permission (off unless granted), a data channel the
host opens while the permission is held, message kinds checked before they reach the plugin, the audit log, and
settings from a ``[plugins.NAME]`` table and the command line. Each through an in-process host and a real client."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import aiohttp
import proxim_audit
import pytest
from aiortc import RTCDataChannel
from proxim_console.commands import run_command

import proxim_tray
from proxim_tray import (
    FULL_CONTROL,
    Channel,
    ChannelHandler,
    ChannelPort,
    ConsoleCommand,
    PermissionSpec,
    Setting,
    WebAsset,
    hookimpl,
    testing,
)
from proxim_tray.cli import main

TIMEOUT = 20.0


class EchoHandler(ChannelHandler):
    def __init__(self, plugin: EchoPlugin, port: ChannelPort) -> None:
        self.plugin = plugin
        self.port = port

    async def on_message(self, message: dict[str, Any]) -> None:
        await asyncio.sleep(0)  # an awaitable result: the next message waits for it
        self.port.send({"t": "pong", "n": message.get("n"), "prefix": self.port.host.settings("echo")["prefix"]})
        self.port.host.audit("echo_ping", n=message.get("n"))

    def on_bytes(self, data: bytes) -> None:
        self.port.send_bytes(data[::-1])

    def on_close(self, reason: str) -> None:
        self.plugin.closed.put_nowait(reason)


class EchoPlugin:
    name = "echo"

    def __init__(self) -> None:
        self.closed: asyncio.Queue[str] = asyncio.Queue()

    @hookimpl
    def proxim_register_permissions(self, register: Any) -> None:
        register(PermissionSpec("echo", "Echo messages back"))

    @hookimpl
    def proxim_register_channels(self, register: Any) -> None:
        register(Channel("echo", "echo", lambda port: EchoHandler(self, port), kinds=("ping",), binary=True))

    @hookimpl
    def proxim_register_settings(self, register: Any) -> None:
        register(Setting("prefix", str, ">", "what every answer starts with"))


class Inbox:
    """Messages arriving on a client's end of a channel."""

    def __init__(self, channel: RTCDataChannel) -> None:
        self.queue: asyncio.Queue[str | bytes] = asyncio.Queue()
        channel.on("message", self.queue.put_nowait)
        self.closed = asyncio.Event()
        channel.on("close", self.closed.set)

    async def next(self) -> Any:
        raw = await asyncio.wait_for(self.queue.get(), TIMEOUT)
        return raw if isinstance(raw, bytes) else json.loads(raw)


async def test_a_granted_plugin_permission_opens_its_channel_and_kinds_are_checked(tmp_path: Path) -> None:
    plugin = EchoPlugin()
    settings = {"echo": {"prefix": "#"}}
    audit_log = tmp_path / "audit.jsonl"
    host_running = testing.running_host(
        plugin, proxim_audit, settings=settings, plugin_settings={"audit_log": audit_log}
    )
    async with host_running as host, host.client(FULL_CONTROL | {"echo"}) as client:
        channel = await client.plugin_channel("echo", TIMEOUT)
        inbox = Inbox(channel)
        for n in range(3):
            channel.send(json.dumps({"t": "ping", "n": n}))
        assert [await inbox.next() for _ in range(3)] == [{"t": "pong", "n": n, "prefix": "#"} for n in range(3)]
        channel.send(json.dumps({"t": "shout"}))
        refused = await inbox.next()
        assert (refused["t"], refused["code"]) == ("error", "unknown_kind")
        channel.send(b"abc")
        assert await inbox.next() == b"cba"
        assert [record for record in host.audit_records if record["event"] == "echo_ping"] == [
            {"event": "echo_ping", "n": n} for n in range(3)
        ]
    assert await asyncio.wait_for(plugin.closed.get(), TIMEOUT) == "session_ended"
    # the audit plugin writes what plugins hand over (proxim_audit_record) beside its own records
    lines = [json.loads(line) for line in audit_log.read_text().splitlines()]
    assert [line["n"] for line in lines if line["event"] == "echo_ping"] == [0, 1, 2]


async def test_a_plugin_permission_is_off_unless_granted_and_can_be_granted_and_withdrawn_live() -> None:
    plugin = EchoPlugin()
    async with testing.running_host(plugin) as host:
        link = await host.link()
        async with host.client(FULL_CONTROL | {"echo"}) as client:
            pass
        await host.session_ended()
        assert await host.link() != link
        async with host.client(FULL_CONTROL) as client:
            hello = await asyncio.wait_for(client.control_messages.get(), TIMEOUT)
            assert hello["permissions"] == ["control", "view"]
            host.app.toggle_permission_soon("echo")
            channel = await client.plugin_channel("echo", TIMEOUT)
            inbox = Inbox(channel)
            channel.send(json.dumps({"t": "ping", "n": 1}))
            assert (await inbox.next())["t"] == "pong"
            host.app.toggle_permission_soon("echo")
            await asyncio.wait_for(inbox.closed.wait(), TIMEOUT)
            assert await asyncio.wait_for(plugin.closed.get(), TIMEOUT) == "session_ended"  # the first session's
            assert await asyncio.wait_for(plugin.closed.get(), TIMEOUT) == "permission_withdrawn"


async def test_an_approval_request_offers_the_plugin_permissions_unticked() -> None:
    async with testing.running_host(EchoPlugin()) as host:
        client = testing.ProximClient(await host.link())
        try:
            await client.start(TIMEOUT)
            request = await host.next_request()
            assert [spec.name for spec in request.optional] == ["echo"]
            request.approve(FULL_CONTROL | {"echo", "made_up"}, by="test")
            await client.expect("pending", TIMEOUT)
            approved = await client.expect("approved", TIMEOUT)
            assert approved["permissions"] == ["control", "echo", "view"]
        finally:
            await client.close()


def test_plugin_settings_come_from_its_table_and_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "greeter.py").write_text(
        "from proxim_tray import CliCommand, Setting, hookimpl\n"
        "@hookimpl\n"
        "def proxim_register_settings(register):\n"
        "    register(Setting('greeting', str, 'Hello', 'what to say'))\n"
        "    register(Setting('times', int, 1, 'how often'))\n"
        "@hookimpl\n"
        "def proxim_register_cli_commands(register):\n"
        "    def run(args):\n"
        "        print(' '.join([args.greeter_greeting] * args.greeter_times))\n"
        "        return 3\n"
        "    register(CliCommand('greet', 'say it', lambda parser: None, run))\n"
    )
    config = tmp_path / "config.toml"
    monkeypatch.setenv("PROXIM_CONFIG", str(config))
    config.write_text('[plugins.greeter]\ngreeting = "Hi"\ntimes = 2\n')
    assert main(["--plugins-dir", str(plugins), "greet"]) == 3
    assert capsys.readouterr().out == "Hi Hi\n"
    assert main(["--plugins-dir", str(plugins), "greet", "--greeter-greeting", "Yo"]) == 3
    assert capsys.readouterr().out == "Yo Yo\n"
    config.write_text('[plugins.greeter]\ntimes = "two"\n')
    assert main(["--plugins-dir", str(plugins), "greet"]) == 2
    assert "[plugins.greeter] times must be an int, not 'two'" in capsys.readouterr().err
    config.write_text("[plugins.greeter]\ncolour = 1\n")
    assert main(["--plugins-dir", str(plugins), "greet"]) == 2
    assert "[plugins.greeter] unknown key 'colour'; its keys are greeting, times" in capsys.readouterr().err


class PagePlugin:
    """Adds a script to the page and a command to the console."""

    name = "pagey"

    def __init__(self, static: Path) -> None:
        self.static = static
        self.typed: list[str] = []

    @hookimpl
    def proxim_register_web_assets(self, register: Any) -> None:
        register(WebAsset("pagey", self.static, scripts=("pagey.js",), styles=("pagey.css",)))

    @hookimpl
    def proxim_register_console_commands(self, register: Any) -> None:
        register(ConsoleCommand("send", "send PATH", "send a file", lambda app, rest: self.typed.append(rest)))


async def test_a_plugin_adds_scripts_to_the_page_and_commands_to_the_console(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pagey.js").write_text("window.pagey = true;\n")
    (tmp_path / "pagey.css").write_text("body {}\n")
    plugin = PagePlugin(tmp_path)
    async with testing.running_host(plugin) as host, aiohttp.ClientSession() as http:
        link = await host.link()
        async with http.get(link) as response:
            page = await response.text()
        script = '<script defer src="/plugins/pagey/pagey.js"></script>'
        assert script in page and page.index(script) < page.index('src="/static/app.js"')
        assert page.index('href="/static/style.css"') < page.index('href="/plugins/pagey/pagey.css"')
        async with http.get(link.split("/p/")[0] + "/plugins/pagey/pagey.js") as response:
            assert await response.text() == "window.pagey = true;\n"
        await run_command(host.app, "SEND  My Files/report.pdf ")
        assert plugin.typed == ["My Files/report.pdf"]
        await run_command(host.app, "help")
        assert "send PATH: send a file" in capsys.readouterr().out


def test_the_hook_api_version_is_the_newest_in_its_changelog() -> None:
    doc = (Path(__file__).parent.parent / "docs" / "plugin_hooks.md").read_text(encoding="utf-8")
    changelog = doc.split("## Hook API changelog", 1)[1]
    assert re.findall(r"^### (\S+)$", changelog, re.MULTILINE)[0] == proxim_tray.HOOK_API
