"""Every state of the web client on a phone, against a real host: what the person holding the phone reads."""

from __future__ import annotations

import re
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.webclient import PHONE, open_live_session, wait_for_text


@pytest.fixture
def phones(chromium: Any) -> Iterator[Any]:
    """Opens phone-sized pages, each in its own browser context (its own device)."""
    contexts: list[Any] = []

    def new_phone() -> Any:
        context = chromium.new_context(**PHONE)
        contexts.append(context)
        return context.new_page()

    yield new_phone
    for context in contexts:
        context.close()


def shows(page: Any, state: str, fragment: str, timeout: float = 15.0) -> str:
    page.wait_for_selector(f"body[data-state={state}]", timeout=timeout * 1000)
    return wait_for_text(page, "#status", fragment)


def test_waiting_busy_rejected_expired_timeout(start_host: Any, phones: Any, artifacts: Path) -> None:
    host = start_host("--approve-timeout", "4")
    first, second = phones(), phones()
    link = host.next_link()

    # the address the home-screen app starts at, and what adding it needs
    base = link.split("/p/")[0]
    assert first.goto(base + "/").ok
    shows(first, "idle", "Scan the QR code")
    manifest = first.request.get(base + "/static/manifest.webmanifest")
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    for icon in manifest.json()["icons"]:
        response = first.request.get(base + icon["src"])
        assert response.ok and response.headers["content-type"] == "image/png"
    first.goto(link.split("#")[0] + "#k=cut-short")  # a link with its fingerprint missing never reaches the host
    shows(first, "error", "This link is incomplete")
    first.goto("about:blank")  # the full link differs only after '#': without this it would not load the page again
    first.goto(link)
    host.wait_for(r"Approve connection from .+\? \[y/N\]")
    first.wait_for_selector("body[data-state=pending]")
    code = host.saw(r"Verification code: (\d{3} \d{3})").group(1)
    assert first.inner_text("#code") == code
    assert first.inner_text("#host-code") == code
    assert first.is_hidden("#code-warning")
    assert 0 < int(first.inner_text("#countdown")) <= 4
    first.screenshot(path=str(artifacts / "phone-pending.png"))

    second.goto(link)  # another device while the first is waiting for the host's user
    shows(second, "busy", "already in a session")
    second.screenshot(path=str(artifacts / "phone-busy.png"))

    host.send("n")
    shows(first, "rejected", "declined")
    assert first.is_visible("#status") and first.is_hidden("#retry"), "a declined link cannot be retried"
    first.screenshot(path=str(artifacts / "phone-rejected.png"))

    second.goto("about:blank")
    second.goto(link)
    shows(second, "expired", "already used")
    second.screenshot(path=str(artifacts / "phone-expired.png"))

    # a link whose fingerprint was swapped on the way: the codes differ and the page says so
    third = phones()
    tampered = re.sub(r"fp=[A-Za-z0-9_-]{43}", "fp=" + "A" * 43, host.next_link())
    third.goto(tampered)
    third.wait_for_selector("body[data-state=pending]")
    assert third.inner_text("#code") != third.inner_text("#host-code")
    assert third.is_visible("#code-warning")
    assert third.inner_text("#headline") == "Do not approve"
    third.screenshot(path=str(artifacts / "phone-codes-differ.png"))
    shows(third, "timeout", "Nobody answered", timeout=10)
    third.screenshot(path=str(artifacts / "phone-timeout.png"))


def test_host_ends_pauses_and_shuts_down(start_host: Any, phones: Any, artifacts: Path) -> None:
    host = start_host()
    phone = phones()
    open_live_session(host, phone)

    host.send("view only")
    phone.wait_for_selector("#view-only:visible")
    assert phone.is_hidden("#keys-toggle"), "no keyboard for a view-only session"
    host.send("control")
    phone.wait_for_selector("#keys-toggle:visible")

    host.send("pause")
    wait_for_text(phone, "#paused", "paused sharing")
    phone.screenshot(path=str(artifacts / "phone-paused.png"))
    host.send("resume")
    phone.wait_for_selector("#paused", state="hidden")

    host.send("disconnect")
    shows(phone, "ended", "stopped sharing")

    phone = phones()
    open_live_session(host, phone)
    host.proc.send_signal(signal.SIGINT)
    shows(phone, "ended", "The host shut down")
    phone.screenshot(path=str(artifacts / "phone-host-shut-down.png"))
    assert host.proc.wait(10) == 0


def test_connection_lost_when_the_host_dies(start_host: Any, phones: Any, artifacts: Path) -> None:
    host = start_host("--resume-window", "3")
    phone = phones()
    open_live_session(host, phone)
    host.proc.kill()  # no goodbye: the connection just stops, as in a network blip
    host.proc.wait(5)
    shows(phone, "reconnecting", "dropped")
    assert phone.text_content("#headline") == "Reconnecting…" and phone.is_visible("#reconnecting")
    phone.screenshot(path=str(artifacts / "phone-reconnecting.png"))
    shows(phone, "lost", "the session ended")  # nobody answered within the host's resume window
    assert phone.text_content("#headline") == "Connection lost"
    assert phone.is_hidden("#retry"), "the link was used, so only a new QR code can connect again"
    phone.screenshot(path=str(artifacts / "phone-lost.png"))


def test_an_unreachable_host_can_be_tried_again(start_host: Any, phones: Any) -> None:
    host = start_host()
    phone = phones()
    attempts: list[Any] = []

    def first_attempt_fails(ws: Any) -> None:
        # The one fake here: a network that loses the page's first WebSocket, a fault a test cannot cause on loopback.
        attempts.append(ws)
        if len(attempts) == 1:
            ws.close()
        else:
            ws.connect_to_server()

    phone.route_web_socket("**/ws", first_attempt_fails)
    phone.goto(host.next_link())
    shows(phone, "lost", "Could not reach the host")
    assert phone.is_visible("#retry"), "the link was never presented, so it still works"
    phone.tap("#retry")
    phone.wait_for_selector("body[data-state=pending]")
    host.wait_for(r"Approve connection from .+\? \[y/N\]")
    assert len(attempts) == 2
