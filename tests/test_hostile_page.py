"""The owner's page still pairs while other devices hold the host's connections and WebSockets (real host process,
Debian's Chromium, attackers on other loopback addresses)."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

from tests.support.flood import held_websocket, idle_connection

HELD_PER_ADDRESS = 4  # the most one device may hold; 4 devices fill all 16 slots


def test_the_owners_page_pairs_while_sockets_and_connections_are_held(start_host: Any, page: Any) -> None:
    host = start_host()
    link = host.next_link()
    with ExitStack() as held:
        for n in range(16):
            held.enter_context(held_websocket(f"127.0.0.{2 + n // HELD_PER_ADDRESS}", host.port))
        for n in range(200):
            held.enter_context(idle_connection(f"127.0.0.{10 + n % 10}", host.port, slowloris=n % 2 == 1))
        page.goto(link)
        host.wait_for(r"Approve connection from .+\? \[y/N\]")
        page.wait_for_selector("body[data-state=pending]")
        code = host.saw(r"Verification code: (\d{3} \d{3})").group(1)
        assert page.inner_text("#code") == code
        host.send("y")
        page.wait_for_selector("body[data-state=live]", timeout=20_000)
