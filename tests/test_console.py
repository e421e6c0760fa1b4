"""Console mode: the y/N prompt stays, and typed commands drive the running host."""

from __future__ import annotations

import time
from typing import Any

from tests.support.desktop import port_is_free


def test_typed_commands_drive_the_session_and_quit_cleanly(start_host: Any, page: Any) -> None:
    host = start_host()
    first = host.next_link()
    host.send("help")
    host.wait_for(r"^Commands: disconnect, pause, resume, control, commands, view only, new link, quit")
    host.send("make coffee")
    host.wait_for(r"^Unknown command 'make coffee'\. Commands:")
    host.send("disconnect")
    host.wait_for(r"^Nobody is connected\.$")
    host.send("new link")
    second = host.next_link()
    assert second != first

    page.goto(second)
    host.wait_for(r"Approve connection from .+\? \[y/N\]")
    host.send("y")
    page.wait_for_selector("body[data-state=live]", timeout=20_000)
    host.send("view only")
    host.wait_for(r"^View only: remote input is refused\.$")
    page.wait_for_selector("#view-only", state="visible", timeout=10_000)
    host.send("pause")
    host.wait_for(r"^Sharing paused")
    page.wait_for_selector("#paused", state="visible", timeout=10_000)
    host.send("pause")
    host.wait_for(r"^Sharing is already paused\.$")
    host.send("resume")
    host.wait_for(r"^Sharing resumed\.$")
    page.wait_for_selector("#paused", state="hidden", timeout=10_000)
    host.send("disconnect")
    page.wait_for_selector("body[data-state=ended]", timeout=10_000)
    host.wait_for(r"ended: host stopped\.$")

    started = time.monotonic()
    host.send("quit")
    assert host.proc.wait(5) == 0
    assert time.monotonic() - started < 2.0
    assert port_is_free(host.port)
