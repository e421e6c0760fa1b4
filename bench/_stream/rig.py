"""The processes of the stream benchmark: Xvfb, the painter, the bench host, FFmpeg; and their CPU use."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bench._stream.network import Network

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process ``pid``, all its threads."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


@contextmanager
def xvfb(width: int, height: int) -> Iterator[str]:
    """A private X server of ``width`` x ``height``; yields its DISPLAY. It does not reset when its last client leaves
    (a client connecting during the reset is refused: the next phase's first connection failed so)."""
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp", "-noreset"],
        pass_fds=(write_end,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    with os.fdopen(read_end) as announced:
        number = announced.readline().strip()
    try:
        if not number:
            raise RuntimeError("Xvfb did not start; is it installed?")
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(5)


class Child:
    """A Python child process that takes commands on stdin and answers line by line."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, text=True, bufsize=1)
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line.strip())

    def line(self, prefix: str, timeout: float = 15.0) -> list[str]:
        deadline = time.monotonic() + timeout
        while True:
            line = self._lines.get(timeout=max(deadline - time.monotonic(), 0.001))
            if line.startswith(prefix):
                return line.split()

    def send(self, command: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Painter(Child):
    def __init__(self, env: dict[str, str]) -> None:
        super().__init__([sys.executable, "-m", "bench._stream.painter"], env)
        self.line("ready")

    def mark(self, level: int) -> float:
        """Paint the marker with grey ``level``; the epoch time at which the X server had done it."""
        self.send(f"mark {level}")
        return float(self.line("marked")[2])

    def animate(self, rate: float) -> None:
        self.send(f"animate {rate}" if rate else "still")

    def steps(self) -> int:
        self.send("count")
        return int(self.line("count")[1])


class BenchHost(Child):
    """bench/_stream/host.py: the production pipeline behind a small HTTP server, in the host's side of ``network``
    (``ip netns exec`` replaces itself with the host, so the process's CPU time is the host's)."""

    def __init__(self, env: dict[str, str], network: Network, *options: str) -> None:
        argv = [sys.executable, "-m", "bench._stream.host", "--listen", network.host_address, *options]
        super().__init__(network.host_argv(argv), env)
        self.url = f"http://{network.host_address}:{self.line('listening')[1]}"

    def stats(self) -> dict[str, Any]:
        self.send("stats")
        figures: dict[str, Any] = json.loads(self.line("stats")[1])
        figures["cpu"] = cpu_seconds(self.proc.pid)
        figures["at"] = time.monotonic()
        return figures

    def drop_next_frame(self) -> None:
        self.send("drop")
        self.line("dropping")


def ffmpeg_throughput(display: str, size: tuple[int, int], fps: int, seconds: float) -> tuple[float, float]:
    """FFmpeg's own x11grab -> libx264 ultrafast zerolatency on ``display``: (frames a second, CPU cores)."""
    proc = subprocess.Popen(
        [
            *(
                "ffmpeg",
                "-hide_banner",
                "-loglevel",
                "fatal",  # under load x11grab stamps two frames alike and the null muxer says so, harmlessly
                "-nostats",
                "-stats_period",
                "0.1",
                "-progress",
                "pipe:1",
            ),
            *("-f", "x11grab", "-framerate", str(fps), "-video_size", f"{size[0]}x{size[1]}", "-i", display),
            *("-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-pix_fmt", "yuv420p", "-f", "null"),
            "-",
        ],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    frames = [0]

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("frame="):
                frames[0] = int(line.split("=")[1])

    threading.Thread(target=read, daemon=True).start()
    try:
        time.sleep(1.5)  # startup and the first progress report
        start_frames, start_cpu, start = frames[0], cpu_seconds(proc.pid), time.monotonic()
        time.sleep(seconds)
        elapsed = time.monotonic() - start
        return (frames[0] - start_frames) / elapsed, (cpu_seconds(proc.pid) - start_cpu) / elapsed
    finally:
        proc.terminate()
        proc.wait(5)
