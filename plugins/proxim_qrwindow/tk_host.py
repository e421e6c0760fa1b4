"""The host's side of the Tk pairing window: starts it as a child process and stands in for it as the window object
the plugin's hooks drive (the same methods as the GTK window), passing each call on as a JSON line."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from proxim_qrwindow.host import WindowHost

logger = logging.getLogger(__name__)


class TkWindow:
    """What the hooks call; each call becomes a command line to the child."""

    def __init__(self, send: Callable[..., None]) -> None:
        self._send = send
        self.visible = False
        self._serial = 0
        self._choices: list[Callable[[], object]] = []
        self._lock = threading.Lock()

    def show_link(self, url: str, alternatives: list[str], expires_at: float, present: bool) -> None:
        expires_in = max(0.0, expires_at - time.monotonic())
        self._send(do="show_link", url=url, alternatives=alternatives, expires_in=expires_in, present=present)

    def link_used(self) -> None:
        self._send(do="link_used")

    def no_link(self, reason: str) -> None:
        self._send(do="no_link", reason=reason)

    def show_request(self, text: str, choices: list[tuple[str, Callable[[], object]]], present: bool) -> None:
        with self._lock:
            self._serial += 1
            self._choices = [choose for _, choose in choices]
            serial = self._serial
        self._send(
            do="show_request", text=text, choices=[label for label, _ in choices], serial=serial, present=present
        )

    def clear_request(self) -> None:
        with self._lock:
            self._serial += 1
            self._choices = []
        self._send(do="clear_request")

    def chosen(self, index: int, serial: int) -> Callable[[], object] | None:
        """The choice the person clicked, unless its request has been replaced meanwhile."""
        with self._lock:
            current = serial == self._serial and 0 <= index < len(self._choices)
            return self._choices[index] if current else None


class TkWindowHost(WindowHost):
    """Owns the child process that shows the window."""

    def __init__(self, opens_for_requests: bool) -> None:
        self.opens_for_requests = opens_for_requests
        self._lock = threading.Lock()
        self._child = subprocess.Popen(
            [sys.executable, "-m", "proxim_qrwindow.tk_window"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self.window = TkWindow(self._send)
        threading.Thread(target=self._read, name="proxim-tk-window", daemon=True).start()

    def _send(self, **command: Any) -> None:
        assert self._child.stdin is not None
        with self._lock:
            try:
                self._child.stdin.write(json.dumps(command) + "\n")
                self._child.stdin.flush()
            except (BrokenPipeError, ValueError):
                logger.warning("the pairing window has closed; %s not shown", command["do"])

    def _read(self) -> None:
        assert self._child.stdout is not None
        for line in self._child.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if "visible" in event:
                self.window.visible = bool(event["visible"])
            elif "chose" in event:
                choose = self.window.chosen(int(event["chose"]), int(event["serial"]))
                if choose is not None:
                    choose()

    def on_window(self, action: Callable[[Any], object]) -> None:
        try:
            action(self.window)
        except Exception:
            logger.exception("the pairing window failed")

    def close(self) -> None:
        if self._child.stdin is not None:
            with self._lock:
                self._child.stdin.close()
        try:
            self._child.wait(5)
        except subprocess.TimeoutExpired:
            self._child.kill()
            self._child.wait()
