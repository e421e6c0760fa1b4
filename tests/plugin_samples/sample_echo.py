"""A plugin with a feature of its own, for the approval-surface tests: the permission ``echo`` (off unless granted)
and a channel of that name that answers each ``ping`` with a ``pong``."""

from __future__ import annotations

from typing import Any

from proxim_tray import Channel, ChannelHandler, ChannelPort, PermissionSpec, hookimpl


class Echo(ChannelHandler):
    def __init__(self, port: ChannelPort) -> None:
        self.port = port

    def on_message(self, message: dict[str, Any]) -> None:
        self.port.send({"t": "pong", "n": message.get("n")})


@hookimpl
def proxim_register_permissions(register: Any) -> None:
    register(PermissionSpec("echo", "Echo messages back"))


@hookimpl
def proxim_register_channels(register: Any) -> None:
    register(Channel("echo", "echo", Echo, kinds=("ping",)))
