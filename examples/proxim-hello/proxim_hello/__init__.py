"""proxim-hello: a complete third-party Proxim plugin, the template for your own.

The device's page gets a "Hello" section in its menu; pressing its button sends a greeting over the plugin's own data
channel, and the desktop answers with the greeting from its settings. The channel exists only while the host's user
allowed "Say hello" (off unless ticked at approval). Typing ``hello NAME`` in the host's terminal greets the device,
every greeting goes to the audit log, and ``proxim hello`` prints the configured greeting.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from proxim_tray import (
    Channel,
    ChannelHandler,
    ChannelPort,
    CliCommand,
    ConsoleCommand,
    Host,
    PermissionSpec,
    Setting,
    WebAsset,
    hookimpl,
)

__version__ = "1.0.0"

NAME = "hello"  # the entry point's name
MAX_NAME = 100


class Greeter(ChannelHandler):
    """One open ``hello`` channel: answers each ``greet`` from the device."""

    def __init__(self, plugin: HelloPlugin, port: ChannelPort) -> None:
        self.plugin = plugin
        self.port = port

    def on_message(self, message: dict[str, Any]) -> None:
        name = str(message.get("name", ""))[:MAX_NAME] or "you"
        greeting = self.port.host.settings(NAME)["greeting"]
        self.port.send({"t": "greeting", "text": f"{greeting}, {name}!"})
        self.port.host.audit("hello_greeted", device=self.port.session.device.name, name=name)

    def on_close(self, reason: str) -> None:
        self.plugin.greeters.discard(self)


class HelloPlugin:
    """The plugin's state lives here (one instance per host), not in module globals."""

    def __init__(self) -> None:
        self.greeters: set[Greeter] = set()

    def _open(self, port: ChannelPort) -> Greeter:
        greeter = Greeter(self, port)
        self.greeters.add(greeter)
        return greeter

    def _say(self, host: Host, rest: str) -> None:
        if not self.greeters:
            print("No device may be greeted now: connect one and allow 'Say hello'.", flush=True)
            return
        text = f"{host.settings(NAME)['greeting']} from the desktop, {rest or 'friend'}!"
        for greeter in self.greeters:
            greeter.port.send({"t": "greeting", "text": text})
        print(f"Sent: {text}", flush=True)

    @hookimpl
    def proxim_register_settings(self, register: Any) -> None:
        register(Setting("greeting", str, "Hello", "what the desktop says", metavar="TEXT"))

    @hookimpl
    def proxim_register_permissions(self, register: Any) -> None:
        register(PermissionSpec(NAME, "Say hello", "the device may exchange greetings with this computer"))

    @hookimpl
    def proxim_register_channels(self, register: Any) -> None:
        register(Channel(NAME, NAME, self._open, kinds=("greet",)))

    @hookimpl
    def proxim_register_web_assets(self, register: Any) -> None:
        register(WebAsset(NAME, Path(__file__).parent / "static", scripts=("hello.js",)))

    @hookimpl
    def proxim_register_console_commands(self, register: Any) -> None:
        register(ConsoleCommand("hello", "hello NAME", "greet the connected device", self._say))

    @hookimpl
    def proxim_register_cli_commands(self, register: Any) -> None:
        def run(args: argparse.Namespace) -> int:
            print(f"{args.hello_greeting}, {args.name}!")
            return 0

        register(CliCommand("hello", "print the greeting", lambda parser: parser.add_argument("name"), run))
