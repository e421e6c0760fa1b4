"""What `proxim connect` says in its terminal: each state once, with the verification code while it waits."""

from __future__ import annotations

import time

from proxim_tray.connect.session import Shown, format_code


class StatePrinter:
    def __init__(self) -> None:
        self._said: tuple[str, str] | None = None
        self._paused = ""

    def show(self, shown: Shown) -> None:
        if shown.paused != self._paused:
            self._paused = shown.paused
            resumed = "Resumed: your input goes to the host again."
            print(f"Paused: {shown.paused}" if shown.paused else resumed, flush=True)
        said = (shown.state, shown.message)
        if said == self._said:
            return
        self._said = said
        print(f"{shown.headline}: {shown.message}", flush=True)
        if shown.state == "pending":
            left = max(0, round(shown.deadline - time.monotonic()))
            print(f"  Verification code on this computer: {format_code(shown.code)}", flush=True)
            print(f"  The host reports: {format_code(shown.host_code)} ({left} seconds left to approve)", flush=True)
        elif shown.state == "live":
            print("  The picture is in the window. Ctrl+Alt+Shift lets go of the keyboard and mouse.", flush=True)
