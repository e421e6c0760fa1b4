"""Running the host and helper X clients as real processes, with their output readable line by line."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LineProcess:
    """A child process whose stdout lines are collected by a thread, so tests can wait for one."""

    def __init__(
        self,
        argv: list[str],
        env: dict[str, str] | None = None,
        stderr_path: Path | None = None,
        cwd: Path = ROOT,
    ) -> None:
        self._stderr = open(stderr_path, "wb") if stderr_path else subprocess.DEVNULL  # noqa: SIM115
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=env,
            cwd=cwd,
            text=True,
            bufsize=1,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, pattern: str, timeout: float = 15.0) -> re.Match[str]:
        """The first line from now on that matches ``pattern`` (a regular expression)."""
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(
                    f"no line matching {pattern!r} in {timeout} s; output so far:\n" + "\n".join(self.lines)
                )
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise EOFError(f"process exited ({self.proc.wait()}) before {pattern!r}:\n" + "\n".join(self.lines))
            self.lines.append(line)
            match = regex.search(line)
            if match:
                return match

    def drain(self) -> list[str]:
        """The lines that arrived since the last wait, without waiting for more."""
        arrived: list[str] = []
        while True:
            try:
                line = self._queue.get_nowait()
            except queue.Empty:
                return arrived
            if line is None:
                self._queue.put(None)  # the end stays visible to the next wait
                return arrived
            self.lines.append(line)
            arrived.append(line)

    def saw(self, pattern: str, timeout: float = 15.0) -> re.Match[str]:
        """Like :meth:`wait_for`, but a line already read also counts."""
        regex = re.compile(pattern)
        for line in self.lines:
            match = regex.search(line)
            if match:
                return match
        return self.wait_for(pattern, timeout)

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def stop(self, timeout: float = 5.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not isinstance(self._stderr, int):  # a log file, not DEVNULL
            self._stderr.close()
        return self.proc.returncode


class XWitness(LineProcess):
    """tests/support/xwitness.py: paints the screen and reports the X input events it receives."""

    def __init__(self, env: dict[str, str]) -> None:
        super().__init__([sys.executable, str(Path(__file__).with_name("xwitness.py"))], env=env)
        ready = self.next_event("ready")
        self.width, self.height = int(ready["width"]), int(ready["height"])

    def next_event(self, kind: str, timeout: float = 10.0) -> dict[str, Any]:
        match = self.wait_for(rf'"event": "{kind}"', timeout)
        event: dict[str, Any] = json.loads(match.string)
        return event

    def paint(self, rgb: str) -> None:
        self.send(f"color {rgb}")
        self.next_event("painted")

    def paint_quadrants(self, *rgbs: str) -> None:
        """Top left, top right, bottom left, bottom right."""
        self.send(f"quadrants {' '.join(rgbs)}")
        self.next_event("painted")

    def focus(self) -> None:
        self.send("focus")
        self.next_event("focused")

    def events_during(self, seconds: float) -> list[dict[str, Any]]:
        """Every input event reported from now for ``seconds`` (to show that nothing more arrives)."""
        events: list[dict[str, Any]] = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                match = self.wait_for(r'"event": "(key|button)_', left)
            except TimeoutError:
                break
            events.append(json.loads(match.string))
        return events

    def typed_presses(self, length: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """The next ``length`` key presses that type a character (modifier presses are skipped)."""
        presses: list[dict[str, Any]] = []
        while len(presses) < length:
            event = self.next_event("key_press", timeout)
            if len(event["text"]) == 1:
                presses.append(event)
        return presses

    def typed_text(self, length: int, timeout: float = 10.0) -> str:
        return "".join(press["text"] for press in self.typed_presses(length, timeout))


def host_command(port: int, qr_png: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "proxim_tray",
        "host",
        "--no-tray",
        "--bind",
        "127.0.0.1",
        "--port",
        str(port),
        "--advertise-addr",
        "127.0.0.1",
        "--qr-png",
        str(qr_png),
        "-v",
        *extra,
    ]


def child_env(**overrides: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(overrides)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def xdotool(display_name: str, *args: str) -> None:
    """The local user at the keyboard and mouse (xdotool injects through XTEST as Proxim does, from another client)."""
    subprocess.run(["xdotool", *args], env=child_env(DISPLAY=display_name), check=True)
