"""What this client holds pressed on the host, as the page keeps it: a key is released as it was pressed, and letting
go releases everything."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Send = Callable[[dict[str, Any]], None]


class HeldInput:
    def __init__(self, send: Send) -> None:
        self._send = send
        self._keys: dict[str, dict[str, str]] = {}  # code (or key) -> the key and code sent with kd
        self._buttons: set[str] = set()

    def press(self, message: dict[str, Any]) -> None:
        if message["t"] == "down":
            if message["b"] in self._buttons:
                return
            self._buttons.add(message["b"])
        else:
            held = message["code"] or message["key"]
            if held in self._keys:
                return  # auto-repeat: the host repeats held keys itself
            self._keys[held] = {"key": message["key"], "code": message["code"]}
        self._send(message)

    def lift(self, message: dict[str, Any]) -> None:
        if message["t"] == "up":
            if message["b"] in self._buttons:
                self._buttons.discard(message["b"])
                self._send(message)
            return
        pressed = self._keys.pop(message["code"] or message["key"], None)
        if pressed is not None:
            self._send({**message, **pressed})

    def holds(self, button: str) -> bool:
        return button in self._buttons

    def release_all(self) -> None:
        """Lifts everything, then tells the host to release everything too."""
        for button in self._buttons:
            self._send({"t": "up", "b": button})
        for pressed in self._keys.values():
            self._send({"t": "ku", **pressed})
        self._buttons.clear()
        self._keys.clear()
        self._send({"t": "release"})
