"""The GTK 4 witness window (gtk_witness.py) as a process on a Wayland desktop: paints on command, reports input."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from tests.support.processes import LineProcess


class GtkWitness(LineProcess):
    """A fullscreen GTK 4 window under ``GDK_BACKEND=wayland`` that reports its input as JSON lines."""

    def __init__(self, env: dict[str, str]) -> None:
        script = str(Path(__file__).with_name("gtk_witness.py"))
        super().__init__([sys.executable, script], env=dict(env, GDK_BACKEND="wayland", PYTHONUNBUFFERED="1"))
        self.next_event("ready", 20)

    def next_event(self, kind: str, timeout: float = 10.0) -> dict[str, Any]:
        event: dict[str, Any] = json.loads(self.wait_for(rf'"event": "{kind}"', timeout).string)
        return event

    def paint(self, rgb: str) -> None:
        self.send(f"color {rgb}")
        self.next_event("painted")

    def typed_text(self, length: int) -> str:
        """The text the window's input method committed, until ``length`` characters came."""
        text = ""
        while len(text) < length:
            text += self.next_event("text")["text"]
        return text
