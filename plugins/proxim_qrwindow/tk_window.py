"""The pairing window in Tk, for systems without GTK (Tk ships with python.org's Windows and macOS Pythons).

It runs as a child process of the host (``python -m proxim_qrwindow.tk_window``): Tk wants the main thread, which
the tray's loop owns on macOS. The host writes one JSON command a line on stdin (see :mod:`proxim_qrwindow.tk_host`)
and reads what the person did from stdout: ``{"chose": N, "serial": S}`` for the N-th button of request S, and
``{"visible": bool}``. End of stdin closes the window.
"""

from __future__ import annotations

import base64
import functools
import io
import json
import queue
import sys
import threading
import time
import tkinter as tk
from typing import Any

import segno

QR_SCALE = 8
TITLE = "Proxim: pairing"
WRAP = 480
PUMP_MS = 50


def qr_png(url: str) -> str:
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buffer, kind="png", scale=QR_SCALE, border=4)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def tell(**event: object) -> None:
    print(json.dumps(event), flush=True)


class TkPairingWindow:
    def __init__(self, root: tk.Tk) -> None:
        self.root = root
        root.title(TITLE)
        root.resizable(False, False)
        root.protocol("WM_DELETE_WINDOW", self.hide)
        frame = tk.Frame(root, padx=16, pady=16)
        frame.pack()
        self.heading = tk.Label(frame, text="Scan with your phone's camera")
        self.image = tk.Label(frame)
        self.link = tk.Entry(frame, width=64, relief="flat", justify="center", state="readonly")
        self.alternatives = tk.Label(frame, wraplength=WRAP, justify="center")
        self.countdown = tk.Label(frame)
        self.request = tk.Label(frame, wraplength=WRAP, justify="center")
        self.buttons = tk.Frame(frame)
        for widget in (self.heading, self.image, self.link, self.alternatives, self.countdown, self.request):
            widget.pack(pady=4)
        self.buttons.pack(pady=4)
        self._photo: tk.PhotoImage | None = None
        self._expires_at = 0.0
        self._tick()
        root.withdraw()  # it opens when the person asks

    def show_link(self, url: str, alternatives: list[str], expires_in: float, present: bool) -> None:
        self.heading.configure(text="Scan with your phone's camera")
        self._photo = tk.PhotoImage(data=qr_png(url))
        self.image.configure(image=self._photo)
        self.image.pack(after=self.heading, pady=4)
        self._set_link(url)
        self.alternatives.configure(
            text="Phone cannot open it? Try:\n" + "\n".join(alternatives) if alternatives else ""
        )
        self._expires_at = time.monotonic() + expires_in
        self._tick()
        if present:
            self.present()

    def no_qr_code(self, heading: str) -> None:
        self.image.pack_forget()
        self._set_link("")
        self.alternatives.configure(text="")
        self.heading.configure(text=heading)
        self._expires_at = 0.0
        self.countdown.configure(text="")

    def show_request(self, text: str, choices: list[str], serial: int, present: bool) -> None:
        self.request.configure(text=text)
        self._clear_buttons()
        for index, label in enumerate(choices):
            button = tk.Button(self.buttons, text=label, command=functools.partial(tell, chose=index, serial=serial))
            button.pack(side="left", padx=4)
        if present:
            self.present()

    def clear_request(self) -> None:
        self.request.configure(text="")
        self._clear_buttons()

    def present(self) -> None:
        self.root.deiconify()
        self.root.lift()
        self.root.focus_force()
        tell(visible=True)

    def hide(self) -> None:
        self.root.withdraw()
        tell(visible=False)

    def _clear_buttons(self) -> None:
        for child in self.buttons.winfo_children():
            child.destroy()

    def _set_link(self, url: str) -> None:
        self.link.configure(state="normal", width=max(40, len(url)))
        self.link.delete(0, "end")
        self.link.insert(0, url)
        self.link.configure(state="readonly")

    def _tick(self) -> None:
        if self._expires_at:
            left = max(0, round(self._expires_at - time.monotonic()))
            self.countdown.configure(text=f"A new link in {left // 60}:{left % 60:02d}. Each link works once.")
        self.root.after(500, self._tick)

    def do(self, command: dict[str, Any]) -> None:
        action = command["do"]
        if action == "show_link":
            self.show_link(command["url"], command["alternatives"], command["expires_in"], command["present"])
        elif action == "link_used":
            self.no_qr_code("This link was used. A new one appears when the session ends.")
        elif action == "no_link":
            self.no_qr_code(
                f"No pairing link: {command['reason']}.\nProxim keeps checking and shows a QR code once it can."
            )
        elif action == "show_request":
            self.show_request(command["text"], command["choices"], command["serial"], command["present"])
        elif action == "clear_request":
            self.clear_request()


def main() -> None:
    commands: queue.Queue[dict[str, Any] | None] = queue.Queue()

    def read() -> None:
        for line in sys.stdin:
            commands.put(json.loads(line))
        commands.put(None)

    root = tk.Tk()
    window = TkPairingWindow(root)
    threading.Thread(target=read, name="commands", daemon=True).start()

    def pump() -> None:  # Tk is not thread-safe: commands reach it on its own thread
        while True:
            try:
                command = commands.get_nowait()
            except queue.Empty:
                break
            if command is None:
                root.destroy()
                return
            window.do(command)
        root.after(PUMP_MS, pump)

    pump()
    tell(ready=True)
    root.mainloop()


if __name__ == "__main__":
    main()
