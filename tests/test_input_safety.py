"""Input safety on a real X server: what a key-down pressed is what its key-up releases, held keys do not pass for
local input, and revoking control stops input at once. A real aiortc client drives an in-process host; a separate X
client (the witness) reports what X delivers."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from proxim_tray.app import App
from proxim_tray.approval import FULL_CONTROL, VIEW_ONLY
from proxim_tray.client import ProximClient
from proxim_tray.protocol import MAX_TEXT
from tests.conftest import HostProcess
from tests.support.control_host import Connected, XState, approved_client, connected_host, running_host, until
from tests.support.processes import XWitness

HEARTBEAT_EVERY = 0.25
PROXIM = [sys.executable, "-m", "proxim_tray"]


def key_events(events: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return [(event["event"], event["keycode"]) for event in events if event["event"].startswith("key_")]


async def test_key_up_releases_what_key_down_pressed(host_display: str, witness: XWitness, x_state: XState) -> None:
    """Letting go of Shift before the letter (and pressing it after) changes what the browser reports on key-up."""
    async with connected_host(FULL_CONTROL) as host:
        await asyncio.to_thread(witness.focus)
        a = x_state.keycode("a")
        shift = x_state.keycode("Shift_L")
        sequences: list[list[tuple[str, str, str, list[str]]]] = [
            [  # Shift down, A down, Shift up, A up
                ("kd", "Shift", "ShiftLeft", ["Shift"]),
                ("kd", "A", "KeyA", ["Shift"]),
                ("ku", "Shift", "ShiftLeft", []),
                ("ku", "a", "KeyA", []),
            ],
            [  # a down, Shift down, a up, Shift up
                ("kd", "a", "KeyA", []),
                ("kd", "Shift", "ShiftLeft", ["Shift"]),
                ("ku", "A", "KeyA", ["Shift"]),
                ("ku", "Shift", "ShiftLeft", []),
            ],
        ]
        for sequence in sequences:
            for t, key, code, mods in sequence:
                host.send(t, key=key, code=code, mods=mods)
            await until(lambda: not x_state.pressed_keycodes(), 2, "every key released on the X server")
        # a button pressed and released while the modifiers change in between
        host.send("kd", key="Shift", code="ShiftLeft", mods=["Shift"])
        host.send("down", b="left", x=0.5, y=0.5)
        host.send("ku", key="Shift", code="ShiftLeft", mods=[])
        host.send("up", b="left")
        await until(lambda: not x_state.button_mask() & 0x100, 2, "the left button released")
        assert not x_state.pressed_keycodes()

        events = key_events(await asyncio.to_thread(witness.events_during, 1.2))
        presses_of_a = [event for event in events if event == ("key_press", a)]
        assert len(presses_of_a) == 2, f"'a' pressed {len(presses_of_a)} times (autorepeat?): {events}"
        assert events.count(("key_release", a)) == 2, events
        assert events.count(("key_press", shift)) == 3, events
        assert not x_state.pressed_keycodes()


async def test_a_key_held_remotely_is_not_local_input(host_display: str, witness: XWitness, x_state: XState) -> None:
    """X autorepeats a held key; its repeats are Proxim's own, so holding Backspace does not pause the session."""
    async with connected_host(FULL_CONTROL, local_priority=2.0) as host:
        control = host.session.control
        assert control is not None
        await until(control.watches_local_input, 5, "the host watching local input")
        await asyncio.to_thread(witness.focus)
        backspace = x_state.keycode("BackSpace")
        host.send("kd", key="Backspace", code="Backspace", mods=[])
        watching = asyncio.create_task(asyncio.to_thread(witness.events_during, 3.0))
        while not watching.done():
            host.send("hb")
            await asyncio.sleep(HEARTBEAT_EVERY)
        host.send("bogus")  # its reply marks the point by which a wrong "paused" would have come
        told = await told_until(host, "error")
        assert "paused" not in told, f"holding a key remotely paused the session: {told}"
        repeats = key_events(watching.result()).count(("key_press", backspace))
        assert repeats > 10, f"X autorepeated the held key only {repeats} times in 3 s"
        assert backspace in x_state.pressed_keycodes()
        host.send("ku", key="Backspace", code="Backspace", mods=[])
        await until(lambda: backspace not in x_state.pressed_keycodes(), 2, "Backspace released")


async def told_until(host: Connected, last: str) -> list[str]:
    """The types of the control messages the client receives, up to and including the first ``last``."""
    told: list[str] = []
    while not told or told[-1] != last:
        told.append((await asyncio.wait_for(host.client.control_messages.get(), 5))["t"])
    return told


BURST = 200  # text messages of MAX_TEXT characters: legal, and far more than a person types
BURST_TEXT = ("pack my box with five dozen liquor jugs " * 25)[:MAX_TEXT]
STOPS_WITHIN = 0.2


async def revoke_view_only(host: Connected, x_state: XState) -> None:
    host.app.sessions.set_permissions(VIEW_ONLY)


async def revoke_pause(host: Connected, x_state: XState) -> None:
    host.app.sessions.set_paused(True)


async def revoke_local_input(host: Connected, x_state: XState) -> None:
    x_state.move_pointer(5, 5)


async def revoke_disconnect(host: Connected, x_state: XState) -> None:
    await host.app.sessions.stop_session()


@pytest.mark.parametrize(
    "revoke", [revoke_view_only, revoke_pause, revoke_local_input, revoke_disconnect], ids=lambda f: f.__name__
)
async def test_revoking_control_stops_queued_typing(
    host_display: str, witness: XWitness, x_state: XState, revoke: Callable[[Connected, XState], Awaitable[None]]
) -> None:
    async with connected_host(FULL_CONTROL, local_priority=2.0) as host:
        control = host.session.control
        assert control is not None
        await until(control.watches_local_input, 5, "the host watching local input")
        await asyncio.to_thread(witness.focus)
        for _ in range(BURST):
            host.send("text", text=BURST_TEXT)
        await asyncio.to_thread(witness.next_event, "key_press")  # typing has begun
        revoked = time.monotonic()
        await revoke(host, x_state)
        after = await asyncio.to_thread(witness.events_during, 1.0)
        presses = [event["at"] - revoked for event in after if event["event"] == "key_press"]
        typed_for = max(presses, default=0.0)
        since = sum(1 for at in presses if at > 0)
        print(f"{revoke.__name__}: typing stopped {typed_for * 1000:.0f} ms after, {since} presses since")
        assert typed_for < STOPS_WITHIN, f"still typing {typed_for:.1f} s after {revoke.__name__} ({since} presses)"
        assert not x_state.pressed_keycodes()


async def test_ctrl_c_during_a_burst_exits_at_once(start_host: Callable[..., HostProcess], witness: XWitness) -> None:
    host = start_host()
    client, _ = await approved_client(host)
    try:
        await asyncio.to_thread(witness.focus)
        for _ in range(BURST):
            client.control({"t": "text", "text": BURST_TEXT})
        await asyncio.to_thread(witness.next_event, "key_press")
        interrupted = time.monotonic()
        host.proc.send_signal(signal.SIGINT)
        await asyncio.to_thread(host.proc.wait, 30)
        exited = time.monotonic() - interrupted
        after = await asyncio.to_thread(witness.events_during, 0.5)
        typed_for = max((event["at"] - interrupted for event in after if event["event"] == "key_press"), default=0)
        print(f"Ctrl+C: the host exited in {exited * 1000:.0f} ms, typing stopped {typed_for * 1000:.0f} ms after")
        assert exited < 2.0, f"the host took {exited:.1f} s to exit"
        assert typed_for < exited
    finally:
        await client.close()


async def withdraw_by_pausing(app: App) -> None:
    app.sessions.set_paused(True)


async def withdraw_control(app: App) -> None:
    app.sessions.set_permissions(VIEW_ONLY)


@pytest.mark.parametrize("withdraw", [withdraw_by_pausing, withdraw_control], ids=lambda f: f.__name__)
async def test_a_control_channel_opened_late_starts_as_the_session_is(
    host_display: str, witness: XWitness, x_state: XState, withdraw: Callable[[App], Awaitable[None]]
) -> None:
    """The host's user pauses (or withdraws control) before the client opens its control channel."""
    async with running_host(FULL_CONTROL) as app:
        assert app.sessions.pairing is not None
        client = ProximClient(app.sessions.pairing.url, channel_label="not control")
        try:
            await client.start()
            await client.wait_connected(15.0)
            await withdraw(app)
            assert client.pc is not None
            channel = client.pc.createDataChannel("control")
            told: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
            channel.on("message", lambda raw: told.put_nowait(json.loads(raw)))
            hello = await asyncio.wait_for(told.get(), 10)
            assert hello["t"] == "hello"
            if withdraw is withdraw_by_pausing:
                assert await asyncio.wait_for(told.get(), 5) == {"t": "paused", "reason": "host"}
            else:
                assert hello["permissions"] == ["view"]
            await asyncio.to_thread(witness.focus)
            for message in ({"t": "kd", "key": "q", "code": "KeyQ"}, {"t": "ku", "key": "q", "code": "KeyQ"}):
                channel.send(json.dumps(message))
            channel.send(json.dumps({"t": "bogus"}))  # its reply marks the point by which "q" would have been typed
            while (await asyncio.wait_for(told.get(), 5)).get("code") != "bad_message":
                pass
            typed = await asyncio.to_thread(witness.events_during, 0.5)
            assert typed == [], f"input reached X although {withdraw.__name__} came first: {typed}"
        finally:
            await client.close()


GRINNING_FACE_KEYSYM = 0x0101F600  # no layout has it: the host lends it a keycode


async def hold_then_kill(host: HostProcess, x_state: XState) -> tuple[int, int]:
    """A client holds 😀 (on a lent keycode) and Shift; the host is then killed with SIGKILL. Both keycodes."""
    client, _ = await approved_client(host)

    async def heartbeats() -> None:  # a client that falls silent has its keys released
        while True:
            client.control({"t": "hb"})
            await asyncio.sleep(HEARTBEAT_EVERY)

    beating = asyncio.create_task(heartbeats())
    try:
        client.control({"t": "kd", "key": "😀", "code": "", "mods": []})
        client.control({"t": "kd", "key": "Shift", "code": "ShiftLeft", "mods": ["Shift"]})
        shift = x_state.keycode("Shift_L")
        await until(lambda: shift in x_state.pressed_keycodes(), 5, "Shift held on the X server")
        lent = await until(lambda: x_state.keycode_typing(GRINNING_FACE_KEYSYM), 5, "a keycode lent to 😀")
        await until(lambda: lent in x_state.pressed_keycodes(), 5, "😀 held on the X server")
        host.proc.send_signal(signal.SIGKILL)
        await asyncio.to_thread(host.proc.wait, 5)
    finally:
        beating.cancel()
        await client.close()
    await asyncio.sleep(0.5)
    assert {shift, lent} <= x_state.pressed_keycodes(), "the killed host's keys should still be held here"
    return shift, lent


def released_and_cleared(x_state: XState, keycodes: tuple[int, int]) -> bool:
    return not set(keycodes) & x_state.pressed_keycodes() and not x_state.keycode_typing(GRINNING_FACE_KEYSYM)


async def test_what_a_killed_host_held_is_undone_by_doctor_and_the_next_start(
    start_host: Callable[..., HostProcess], display_env: dict[str, str], x_state: XState, artifacts: Path
) -> None:
    held = await hold_then_kill(start_host(), x_state)
    doctor = await asyncio.to_thread(
        subprocess.run, [*PROXIM, "doctor"], env=display_env, capture_output=True, text=True, timeout=60
    )
    (artifacts / "doctor.txt").write_text(doctor.stdout + doctor.stderr)
    assert "stopped abruptly" in doctor.stderr, doctor.stderr
    await until(lambda: released_and_cleared(x_state, held), 2, "the keys released and 😀's keycode cleared")

    held = await hold_then_kill(start_host(), x_state)
    host = start_host()
    await asyncio.to_thread(host.next_link)
    await until(lambda: released_and_cleared(x_state, held), 5, "the next start to release and clear them")
