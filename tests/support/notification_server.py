# ruff: noqa: F821, F722 - dbus-fast reads D-Bus signatures from string annotations
"""A notification server on the session bus, for tests: a real D-Bus peer that owns org.freedesktop.Notifications.

Prints one JSON line per call (``{"event": "ready"}``, ``{"event": "notify", ...}``, ``{"event": "close", ...}``);
reads ``invoke ID ACTION`` lines on stdin and emits ActionInvoked, as a click on a notification's button would.
``--no-actions``: a server that cannot show buttons.
"""

import asyncio
import json
import sys
import threading

from dbus_fast import Variant
from dbus_fast.aio import MessageBus
from dbus_fast.service import ServiceInterface, method, signal

NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"


def report(event: str, **fields: object) -> None:
    print(json.dumps({"event": event, **fields}), flush=True)


class Notifications(ServiceInterface):
    def __init__(self, with_actions: bool) -> None:
        super().__init__(NAME)
        self.last_id = 0
        self.capabilities = ["actions", "body"] if with_actions else ["body"]

    @method()
    def GetCapabilities(self) -> "as":
        return self.capabilities

    @method()
    def GetServerInformation(self) -> "ssss":
        return ["proxim-test-notifications", "proxim", "1.0", "1.2"]

    @method()
    def Notify(
        self,
        app_name: "s",
        replaces_id: "u",
        app_icon: "s",
        summary: "s",
        body: "s",
        actions: "as",
        hints: "a{sv}",
        expire_timeout: "i",
    ) -> "u":
        self.last_id = replaces_id or self.last_id + 1
        pairs = dict(zip(actions[::2], actions[1::2], strict=False))
        urgency = hints.get("urgency")
        report(
            "notify",
            id=self.last_id,
            app=app_name,
            summary=summary,
            body=body,
            actions=pairs,
            urgency=urgency.value if isinstance(urgency, Variant) else None,
        )
        return self.last_id

    @method()
    def CloseNotification(self, notification_id: "u") -> None:
        report("close", id=notification_id)
        self.NotificationClosed(notification_id, 3)

    @signal()
    def NotificationClosed(self, notification_id: int, reason: int) -> "uu":
        return [notification_id, reason]

    @signal()
    def ActionInvoked(self, notification_id: int, action: str) -> "us":
        return [notification_id, action]


async def main() -> None:
    bus = await MessageBus().connect()
    service = Notifications(with_actions="--no-actions" not in sys.argv)
    bus.export(PATH, service)
    await bus.request_name(NAME)
    report("ready")
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str] = asyncio.Queue()

    def read_stdin() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(lines.put_nowait, line)
        loop.call_soon_threadsafe(lines.put_nowait, "")

    threading.Thread(target=read_stdin, daemon=True).start()
    while True:
        line = await lines.get()
        if not line:
            return
        command, notification_id, action = line.split()
        if command == "invoke":
            service.ActionInvoked(int(notification_id), action)
            report("invoked", id=int(notification_id), action=action)


if __name__ == "__main__":
    asyncio.run(main())
