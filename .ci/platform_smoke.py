"""The CI check for Windows and macOS (it runs on Linux too): an installed Proxim host with the test pattern, the
Python client paired with it, and clicks, a key and text injected through the input backend into a Tk window that
records what reaches it.

    python .ci/platform_smoke.py [--input pynput] [--text TEXT] [--input-may-be-refused WORD]

``--input-may-be-refused Accessibility`` accepts a host that refuses input with a reason naming that word (GitHub's
macOS runners deny Accessibility to the processes a job starts); the picture and the refusal are still checked.
Exit status 0 when every check that could run passed; each check prints one line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
from typing import Any

DEADLINE = 20.0
LINK = re.compile(r"http://127\.0\.0\.1:\d+/p/\S+")


def emit(**event: object) -> None:
    print(json.dumps(event), flush=True)


def recorder() -> None:
    """A Tk window that reports the clicks on its target and the text of its entry, one JSON line each."""
    if sys.platform == "win32":
        import ctypes

        ctypes.windll.shcore.SetProcessDpiAwareness(2)  # the same pixels as the host's pointer
    import tkinter as tk

    root = tk.Tk()
    root.title("Proxim smoke recorder")
    root.geometry("420x220+120+120")
    root.attributes("-topmost", True)
    target = tk.Label(root, text="click here", background="yellow", width=24, height=5)
    target.pack(pady=12)
    entry = tk.Entry(root, width=40)
    entry.pack()
    target.bind("<ButtonPress>", lambda event: emit(button=event.num))
    entry.bind("<KeyRelease>", lambda event: emit(text=entry.get(), key=event.keysym))
    root.update()
    entry.focus_force()

    def centre(widget: tk.Widget) -> list[int]:
        return [widget.winfo_rootx() + widget.winfo_width() // 2, widget.winfo_rooty() + widget.winfo_height() // 2]

    emit(
        ready=True,
        screen=[root.winfo_screenwidth(), root.winfo_screenheight()],
        target=centre(target),
        entry=centre(entry),
    )
    threading.Thread(target=lambda: (sys.stdin.read(), root.after(0, root.destroy)), daemon=True).start()
    root.mainloop()


class Lines:
    """The lines a process prints, read on a thread, waited for with a deadline."""

    def __init__(self, process: subprocess.Popen[str], name: str) -> None:
        self.process, self.name = process, name
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            print(f"  [{self.name}] {line.rstrip()}", flush=True)
            self._lines.put(line)

    def wait_for(self, pattern: str | re.Pattern[str], what: str) -> re.Match[str]:
        deadline = time.monotonic() + DEADLINE
        while (left := deadline - time.monotonic()) > 0:
            try:
                found = re.search(pattern, self._lines.get(timeout=left))
            except queue.Empty:
                break
            if found:
                return found
        raise SystemExit(f"FAIL: {what}: nothing from the {self.name} within {DEADLINE:g} s")

    def event(self, check: Any, what: str) -> dict[str, Any]:
        while True:
            found: dict[str, Any] = json.loads(self.wait_for(r"^\{.*\}$", what).group(0))
            if check(found):
                return found

    def send(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()


def start(argv: list[str], name: str) -> Lines:
    process = subprocess.Popen(
        argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8"
    )
    return Lines(process, name)


async def check(args: argparse.Namespace, window: Lines, ready: dict[str, Any], host: Lines, link: str) -> None:
    from proxim_tray.client import ProximClient

    client = ProximClient(link)
    try:
        await client.start()
        await asyncio.to_thread(host.wait_for, r"Approve connection from .+\? \[y/N\]", "approval prompt")
        host.send("y")
        await client.wait_connected(DEADLINE)
        print("ok: paired, approved, and the picture arrives", flush=True)
        hello = await asyncio.wait_for(client.control_messages.get(), DEADLINE)
        if "control" not in hello["permissions"]:
            refusal = await asyncio.wait_for(client.control_messages.get(), DEADLINE)
            if args.input_may_be_refused and args.input_may_be_refused in refusal.get("message", ""):
                print(f"ok: input refused, as this system does here: {refusal['message']}", flush=True)
                print("NOT CHECKED: clicks, keys and text (no input permission on this machine)", flush=True)
                return
            raise SystemExit(f"FAIL: the host refused input: {refusal}")

        def at(point: list[int]) -> dict[str, float]:
            return {"x": point[0] / (hello["screen"]["w"] - 1), "y": point[1] / (hello["screen"]["h"] - 1)}

        async def reaches(check: Any, what: str) -> None:
            await asyncio.to_thread(window.event, check, what)
            print(f"ok: {what} reached the window", flush=True)

        right = 2 if sys.platform == "darwin" else 3  # Tk numbers the right button 2 on macOS
        for button, number in (("left", 1), ("right", right)):
            client.control({"t": "move", **at(ready["target"])})
            client.control({"t": "down", "b": button})
            client.control({"t": "up", "b": button})
            await reaches(lambda event, number=number: event.get("button") == number, f"a {button} click")
        client.control({"t": "move", **at(ready["entry"])})
        client.control({"t": "down", "b": "left"})
        client.control({"t": "up", "b": "left"})
        client.control({"t": "kd", "key": "x", "code": "KeyX", "mods": []})
        client.control({"t": "ku", "key": "x", "code": "KeyX", "mods": []})
        await reaches(lambda event: event.get("text") == "x", "the key x")
        client.control({"t": "text", "text": args.text})
        await reaches(lambda event: event.get("text") == "x" + args.text, f"the text {args.text!r}, exactly")
    finally:
        await client.close()


def main() -> None:
    if sys.argv[1:] == ["recorder"]:
        recorder()
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", default="pynput")
    parser.add_argument("--text", default="Proxim ✓ Grüße")
    parser.add_argument("--input-may-be-refused", metavar="WORD")
    args = parser.parse_args()
    window = start([sys.executable, __file__, "recorder"], "recorder")
    ready = window.event(lambda event: "ready" in event, "window")
    width, height = ready["screen"]
    proxim = shutil.which("proxim") or sys.exit("FAIL: the proxim command is not installed")
    argv = [proxim, "host", "--no-tray", "--capture", "testpattern", "--pattern-size", f"{width}x{height}"]
    argv += ["--input", args.input, "--bind", "127.0.0.1", "--advertise-addr", "127.0.0.1", "--port", "0"]
    host = start(argv, "host")
    try:
        asyncio.run(check(args, window, ready, host, host.wait_for(LINK, "pairing link").group(0)))
    finally:
        host.send("quit")
        assert window.process.stdin is not None
        window.process.stdin.close()
        host.process.wait(DEADLINE)
        window.process.wait(DEADLINE)
    print("ok: every check that could run passed", flush=True)


if __name__ == "__main__":
    main()
