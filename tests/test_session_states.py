"""The session state machine, every transition and timeout, on loop time that tests fast-forward (looptime)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from proxim_tray import ApprovalRequest, Pairing, protocol
from proxim_tray.app import App
from proxim_tray.approval import FULL_CONTROL, VIEW_ONLY, Permission
from proxim_tray.session import SessionState
from tests.support.hostkit import MemoryLink, Recorder, hello, make_app, make_offer, reveal, serve_links

pytestmark = pytest.mark.looptime


@pytest.fixture(scope="module")
def offer() -> str:
    return asyncio.run(make_offer())


@pytest.fixture
async def host() -> AsyncIterator[tuple[App, Recorder]]:
    recorder = Recorder()
    app = make_app(recorder, approve_timeout=40.0, link_ttl=300.0)
    serve_links(app, "http://127.0.0.1:47600")
    # the first link is made by each test: looptime starts the loop's clock when the test body starts
    yield app, recorder
    await app.sessions.close()


def state(app: App) -> SessionState:
    """The host's state now (a function, so that a type checker does not carry an earlier reading past an await)."""
    return app.sessions.state


async def shown_link(app: App) -> Pairing:
    """A fresh link; these tests serve links on an address that always answers."""
    pairing = await app.sessions.new_pairing()
    assert pairing is not None
    return pairing


async def ask(app: App, recorder: Recorder, offer: str) -> tuple[Pairing, MemoryLink, ApprovalRequest]:
    """Show a fresh link and present it from a client; return the link, the client and the host's request."""
    first = await shown_link(app)
    recorder.new_link.clear()
    link = MemoryLink()
    await present(app, link, first, offer)
    return first, link, await asyncio.wait_for(recorder.requests.get(), 5)


async def present(app: App, link: MemoryLink, pairing: Pairing, offer: str) -> None:
    """Say hello with ``pairing``, then answer the host's challenge with the nonce the hello committed to."""
    await app.sessions.handle_message(link, hello(pairing, offer))
    await link.wait_for("challenge", timeout=1)
    await app.sessions.handle_message(link, reveal())


async def answered(app: App, recorder: Recorder, offer: str, permissions: frozenset[Permission]) -> MemoryLink:
    """A client asked and the host's user approved it; returns once the host has sent its answer."""
    _, link, request = await ask(app, recorder, offer)
    request.approve(permissions, by="test")
    await link.wait_for("answer")
    return link


async def test_waiting_link_is_renewed_when_it_expires(host: tuple[App, Recorder], offer: str) -> None:
    app, recorder = host
    first = await shown_link(app)
    recorder.new_link.clear()
    assert state(app) is SessionState.WAITING
    await asyncio.sleep(299)
    assert app.sessions.pairing is first
    await asyncio.sleep(2)
    second = app.sessions.pairing
    assert second is not None and second is not first
    assert recorder.hidden == [first] and recorder.shown[-1] is second
    link = MemoryLink()
    await app.sessions.handle_message(link, hello(first, offer))
    assert link.sent[-1]["code"] == "unknown_session" and link.closed


async def test_pending_times_out_after_the_approval_timeout(host: tuple[App, Recorder], offer: str) -> None:
    app, recorder = host
    first, link, request = await ask(app, recorder, offer)
    assert state(app) is SessionState.PENDING
    assert link.sent[1] == {"type": "pending", "timeout": 40.0, "code": request.code}
    assert first in recorder.hidden  # a used link stops being displayed at once
    await asyncio.sleep(39.5)
    assert state(app) is SessionState.PENDING
    session, reason = await asyncio.wait_for(recorder.ended.get(), 1.0)
    assert reason == "timeout" and session.state is SessionState.ENDED
    assert {"type": "rejected", "reason": "timeout"} in link.sent and link.closed
    assert (await recorder.next_link()) is not first
    assert state(app) is SessionState.WAITING


async def test_rejection_ends_the_session_and_burns_the_link(host: tuple[App, Recorder], offer: str) -> None:
    app, recorder = host
    first, link, request = await ask(app, recorder, offer)
    request.reject(by="test")
    assert (await recorder.ended.get())[1] == "rejected"
    assert link.types() == ["challenge", "pending", "rejected"] and link.sent[2]["reason"] == "rejected"
    await recorder.next_link()
    again = MemoryLink()
    await app.sessions.handle_message(again, hello(first, offer))
    assert again.sent == [again.sent[0]] and again.sent[0]["code"] == "unknown_session"


async def test_approval_leads_to_connecting_with_the_granted_permissions(
    host: tuple[App, Recorder], offer: str
) -> None:
    app, recorder = host
    link = await answered(app, recorder, offer, VIEW_ONLY)
    assert state(app) is SessionState.CONNECTING
    assert link.types() == ["challenge", "pending", "approved", "answer"]
    assert link.sent[2]["permissions"] == ["view"]
    assert "a=fingerprint:sha-256" in link.sent[3]["sdp"]
    assert app.sessions.set_permissions(FULL_CONTROL)
    assert app.sessions.session is not None and app.sessions.session.permissions == FULL_CONTROL
    assert await app.sessions.stop_session()
    assert (await recorder.ended.get())[1] == "host_stopped"
    assert link.sent[-1] == {"type": "ended", "reason": "host_stopped"} and link.closed
    assert state(app) is SessionState.WAITING and not await app.sessions.stop_session()


async def test_no_working_pair_of_addresses_ends_the_session_with_what_to_try(
    host: tuple[App, Recorder], offer: str
) -> None:
    """The offer's peer is gone, so no check is ever answered: aiortc alone would wait for ever."""
    app, recorder = host
    link = await answered(app, recorder, offer, FULL_CONTROL)
    await asyncio.sleep(14.5)
    assert state(app) is SessionState.CONNECTING
    session, reason = await asyncio.wait_for(recorder.ended.get(), 1.0)
    assert reason == "no_network_path" and link.closed
    ended = link.sent[-1]
    assert ended["type"] == "ended" and ended["reason"] == "no_network_path"
    assert ended["message"] == session.end_message and "no network path" in ended["message"]
    assert "TURN server (--turn" in ended["message"]
    await recorder.next_link()


async def test_a_client_whose_own_checks_failed_first_ends_it_the_same_way(
    host: tuple[App, Recorder], offer: str
) -> None:
    app, recorder = host
    link = await answered(app, recorder, offer, FULL_CONTROL)
    await app.sessions.handle_message(link, '{"type": "bye", "reason": "no_network_path"}')
    assert (await asyncio.wait_for(recorder.ended.get(), 1.0))[1] == "no_network_path"
    assert link.sent[-1]["reason"] == "no_network_path"


async def test_other_clients_are_busy_while_a_request_is_pending(host: tuple[App, Recorder], offer: str) -> None:
    app, recorder = host
    first, link, _ = await ask(app, recorder, offer)
    intruder = MemoryLink(address="192.0.2.66")
    await app.sessions.handle_message(intruder, hello(first, offer))
    assert intruder.sent[0]["code"] == "busy" and intruder.closed
    assert state(app) is SessionState.PENDING and not link.closed


async def test_a_client_leaving_while_pending_withdraws_the_request(host: tuple[App, Recorder], offer: str) -> None:
    app, recorder = host
    first, link, request = await ask(app, recorder, offer)
    await app.sessions.link_closed(link, dropped=False)
    assert (await recorder.ended.get())[1] == "client_left"
    with pytest.raises(asyncio.CancelledError):
        await request.decided()
    assert not request.approve(by="too late")
    assert (await recorder.next_link()) is not first


async def test_a_wrong_secret_leaves_the_link_usable(host: tuple[App, Recorder], offer: str) -> None:
    app, recorder = host
    first = await shown_link(app)
    recorder.new_link.clear()
    guesser = MemoryLink()
    await app.sessions.handle_message(guesser, hello(first, offer, secret="A" * 22))
    assert guesser.sent[0]["code"] == "bad_secret" and guesser.closed
    assert app.sessions.pairing is first and state(app) is SessionState.WAITING
    owner = MemoryLink(address="192.0.2.51")
    await present(app, owner, first, offer)
    await asyncio.wait_for(recorder.requests.get(), 5)
    assert owner.types() == ["challenge", "pending"]


async def test_failed_attempts_are_rate_limited_per_address_then_forgiven(
    host: tuple[App, Recorder], offer: str
) -> None:
    app, recorder = host
    first = await shown_link(app)
    recorder.new_link.clear()
    for _ in range(5):
        await app.sessions.handle_message(MemoryLink(), hello(first, offer, secret="wrong"))
    blocked = MemoryLink()
    await app.sessions.handle_message(blocked, hello(first, offer))
    assert blocked.sent[0]["code"] == "rate_limited" and "try again in" in blocked.sent[0]["message"]
    assert app.sessions.pairing is first
    await asyncio.sleep(61)
    allowed = MemoryLink()
    await present(app, allowed, first, offer)
    await asyncio.wait_for(recorder.requests.get(), 5)
    assert allowed.types() == ["challenge", "pending"]


async def test_bad_messages_get_an_error_and_change_nothing(host: tuple[App, Recorder], offer: str) -> None:
    app, recorder = host
    first = await shown_link(app)
    recorder.new_link.clear()
    link = MemoryLink()
    for raw in ("{", "[]", '{"type": "hello", "v": 2}', '{"type": "launch"}', '{"type": "hello", "v": 1}'):
        await app.sessions.handle_message(link, raw)
    assert [m["code"] for m in link.sent] == [
        "bad_message",
        "bad_message",
        "bad_message",
        "bad_message",
        "unsupported_version",
    ]
    assert not link.closed and app.sessions.pairing is first and state(app) is SessionState.WAITING


async def test_host_shutdown_tells_the_client(host: tuple[App, Recorder], offer: str) -> None:
    app, recorder = host
    _, link, _ = await ask(app, recorder, offer)
    await app.sessions.close()
    assert link.sent[-1] == {"type": "ended", "reason": "host_shutdown"} and link.closed
    assert (await recorder.ended.get())[1] == "host_shutdown"
    assert app.sessions.pairing is None


@pytest.mark.parametrize("answer", ["a wrong nonce", "nothing"])
async def test_a_client_that_does_not_reveal_what_it_committed_to_is_refused(
    host: tuple[App, Recorder], offer: str, answer: str
) -> None:
    app, recorder = host
    first = await shown_link(app)
    recorder.new_link.clear()
    link = MemoryLink()
    await app.sessions.handle_message(link, hello(first, offer))
    await link.wait_for("challenge", timeout=1)
    if answer == "a wrong nonce":
        await app.sessions.handle_message(link, reveal("WrongNonce000000000000"))
    else:
        await asyncio.sleep(10.5)
    error = await link.wait_for("error", timeout=1)
    assert error["code"] == "bad_commitment" and link.closed
    assert recorder.requests.empty(), "the host's user was never asked"
    assert (await recorder.ended.get())[1] == "rejected"
    assert (await recorder.next_link()) is not first


async def test_failures_from_one_ipv6_device_count_once_per_64_and_never_lock_out_the_secret_holder(
    host: tuple[App, Recorder], offer: str
) -> None:
    app, recorder = host
    first = await shown_link(app)
    recorder.new_link.clear()
    for n in range(5):  # one device, five addresses of its /64
        await app.sessions.handle_message(MemoryLink(address=f"2001:db8:1:2::{n + 1:x}"), hello(first, offer, "wrong"))
    neighbour = MemoryLink(address="2001:db8:1:2:ffff::9")
    await app.sessions.handle_message(neighbour, hello(first, offer, "wrong"))
    assert neighbour.sent[0]["code"] == "rate_limited"
    for n in range(40):  # everyone's cap (30) is passed by addresses from many /64s
        await app.sessions.handle_message(MemoryLink(address=f"2001:db8:{n}::1"), hello(first, offer, "wrong"))
    stranger = MemoryLink(address="192.0.2.99")
    await app.sessions.handle_message(stranger, hello(first, offer, "wrong"))
    assert stranger.sent[0]["code"] == "rate_limited"
    owner = MemoryLink(address="192.0.2.51")
    await present(app, owner, first, offer)
    await asyncio.wait_for(recorder.requests.get(), 5)
    assert owner.types() == ["challenge", "pending"]


async def test_a_socket_that_asked_for_the_servers_holds_the_link_until_it_leaves(
    host: tuple[App, Recorder], offer: str
) -> None:
    """The page sends the secret in `ice` 1-3 s before its `hello` uses the link: someone who saw it go by must not
    present it first."""
    app, recorder = host
    first = await shown_link(app)
    recorder.new_link.clear()
    owner = MemoryLink(address="192.0.2.51")
    ice = json.dumps({"type": "ice", "v": protocol.VERSION, "session": first.session_id, "secret": first.secret})
    await app.sessions.handle_message(owner, ice)
    assert owner.types() == ["ice_servers"]
    for message in (hello(first, offer), ice):
        eavesdropper = MemoryLink(address="192.0.2.66")
        await app.sessions.handle_message(eavesdropper, message)
        assert eavesdropper.types() == ["error"] and eavesdropper.sent[0]["code"] == "busy" and eavesdropper.closed
    await present(app, owner, first, offer)
    await asyncio.wait_for(recorder.requests.get(), 5)
    assert owner.types() == ["ice_servers", "challenge", "pending"]


async def test_the_link_is_free_again_when_the_socket_holding_it_leaves(host: tuple[App, Recorder], offer: str) -> None:
    app, recorder = host
    first = await shown_link(app)
    recorder.new_link.clear()
    ice = json.dumps({"type": "ice", "v": protocol.VERSION, "session": first.session_id, "secret": first.secret})
    gone = MemoryLink()
    await app.sessions.handle_message(gone, ice)
    await app.sessions.link_closed(gone, dropped=False)
    owner = MemoryLink(address="192.0.2.51")
    await present(app, owner, first, offer)
    await asyncio.wait_for(recorder.requests.get(), 5)
    assert owner.types() == ["challenge", "pending"]
