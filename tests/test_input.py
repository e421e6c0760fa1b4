"""Remote control on a real X server: a real aiortc client drives an in-process host; X clients report what arrives.

Cases that hold for any input backend run with both ``x11`` (XTEST) and ``pynput`` (here through pynput's X11 path).
X11-specific, run with ``x11`` only: text the keyboard lacks, a German layout typed through lent keycodes that are
cleared again, and the local user's priority (pynput on X11 cannot tell its XTEST input from a device's). See
docs/platforms.md.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

import pytest
from proxim_input_pynput.backend import PynputInputBackend
from proxim_input_x11.backend import X11InputBackend

from proxim_tray import FULL_CONTROL, VIEW_ONLY, Permission
from proxim_tray.backends import InputBackend, ScreenGeometry
from proxim_tray.control import MAX_HELD_KEYS, RemoteControl
from proxim_tray.injection import MAX_PENDING_WORK
from tests.support.control_host import XState, connected_host, until
from tests.support.keyboard_layout import GERMAN_ALTGR, keyboard_layout
from tests.support.processes import XWitness, xdotool

BUTTON_NUMBERS = {"left": 1, "middle": 2, "right": 3, "back": 8, "forward": 9}
SCROLL_DOWN, SCROLL_RIGHT = 5, 7
RETURN_KEYSYM = 0xFF0D
CONTROL_MASK, ALT_MASK, MOD5_MASK = 0x04, 0x08, 0x80  # X core key state bits: Control, Mod1 (Alt), Mod5 (AltGr)
GRINNING_FACE_KEYSYM = 0x0101F600  # 😀 has no keysym of its own on any layout: the host lends it a keycode
# the queue's limit (in work, one unit per event here), plus the releases of what a client may hold (never refused)
HIGHEST_QUEUE = MAX_PENDING_WORK + MAX_HELD_KEYS + len(BUTTON_NUMBERS)
BACKENDS: dict[str, type[InputBackend]] = {"x11": X11InputBackend, "pynput": PynputInputBackend}
any_backend = pytest.mark.parametrize("input_name", list(BACKENDS))


async def next_event(witness: XWitness, kind: str) -> dict[str, Any]:
    return await asyncio.to_thread(witness.next_event, kind)


@any_backend
async def test_every_event_type_reaches_x(
    input_name: str, host_display: str, witness: XWitness, x_state: XState
) -> None:
    async with connected_host(FULL_CONTROL, input=input_name) as host:
        assert host.hello["screen"] == {"w": witness.width, "h": witness.height}
        assert host.hello["permissions"] == ["control", "view"]
        assert {"pointer", "relative_pointer", "wheel", "keys", "text"} <= set(host.hello["capabilities"])
        assert ("local_priority" in host.hello["capabilities"]) == (input_name == "x11")

        host.send("move", x=0.25, y=0.5)
        target = (round(0.25 * (witness.width - 1)), round(0.5 * (witness.height - 1)))
        await until(lambda: x_state.pointer() == target, 5, f"the pointer at {target}")
        host.send("rmove", dx=30.6, dy=-10)
        host.send("rmove", dx=0.6, dy=0)  # fractions add up: 31 pixels in all
        moved = (target[0] + 31, target[1] - 10)
        await until(lambda: x_state.pointer() == moved, 5, f"the pointer moved relatively to {moved}")

        for button, number in BUTTON_NUMBERS.items():
            host.send("down", b=button, x=0.75, y=0.25)
            host.send("up", b=button)
            press = await next_event(witness, "button_press")
            assert press["button"] == number
            assert (press["x"], press["y"]) == (round(0.75 * (witness.width - 1)), round(0.25 * (witness.height - 1)))
            assert (await next_event(witness, "button_release"))["button"] == number

        host.send("wheel", dx=0, dy=60)
        host.send("wheel", dx=0, dy=60)  # 120 px: one step, 20 px kept for the next
        host.send("wheel", dx=100, dy=0)
        assert (await next_event(witness, "button_press"))["button"] == SCROLL_DOWN
        assert (await next_event(witness, "button_press"))["button"] == SCROLL_RIGHT

        await asyncio.to_thread(witness.focus)
        for key, code in (("h", "KeyH"), ("I", "KeyI"), ("Enter", "Enter")):
            host.send("kd", key=key, code=code, mods=[])
            host.send("ku", key=key, code=code, mods=[])
        assert await asyncio.to_thread(witness.typed_text, 2) == "hI"  # "I" with the Shift it needs
        assert (await next_event(witness, "key_press"))["keysym"] == RETURN_KEYSYM
        # X11-specific: pynput's X11 path lends a few keycodes to characters the keyboard lacks and lends them again
        # before a client has read the first character (Unicode injection on Windows and macOS has no such limit)
        text = "Grüße, 世界!" if input_name == "x11" else "Hello, World!"
        host.send("text", text=text + "\n")
        assert await asyncio.to_thread(witness.typed_text, len(text)) == text
        await until(lambda: not x_state.pressed_keycodes() and not x_state.button_mask() & 0xFF00, 5, "all released")


@any_backend
async def test_pointer_maps_to_the_shared_area(input_name: str, host_display: str, x_state: XState) -> None:
    """A shared area away from the origin (a second monitor, a region): normalised points land inside it."""
    backend = BACKENDS[input_name]()
    replies: list[dict[str, Any]] = []
    control = RemoteControl(backend, ScreenGeometry(200, 100, 640, 360), FULL_CONTROL, replies.append, local_priority=0)
    try:
        for x, y, expected in ((0, 0, (200, 100)), (1, 1, (839, 459)), (0.5, 0.25, (520, 190))):
            control.handle(f'{{"t": "move", "x": {x}, "y": {y}}}')

            def there(expected: tuple[int, int] = expected) -> bool:
                return x_state.pointer() == expected

            await until(there, 5, f"the pointer at {expected}")
        assert replies == []
    finally:
        await control.close()
        backend.close()


async def test_german_layout_types_exactly(host_display: str, witness: XWitness) -> None:
    text = "Zürich äöüß @€ 😀"
    with keyboard_layout(host_display, "de"):
        async with connected_host(FULL_CONTROL) as host:
            await asyncio.to_thread(witness.focus)
            host.send("text", text=text)
            assert await asyncio.to_thread(witness.typed_text, len(text)) == text

            # a German keyboard in the browser: AltGr+Q is "@", and a dead accent followed by "e" composes "é"
            events = [
                ("kd", "AltGraph", "AltRight", ["AltGraph"]),
                ("kd", "@", "KeyQ", ["AltGraph"]),
                ("ku", "@", "KeyQ", ["AltGraph"]),
                ("ku", "AltGraph", "AltRight", []),
                ("kd", "Dead", "Equal", []),
                ("ku", "Dead", "Equal", []),
                ("kd", "é", "KeyE", []),
                ("ku", "é", "KeyE", []),
                ("kd", "Z", "KeyY", ["Shift"]),
                ("ku", "Z", "KeyY", ["Shift"]),
            ]
            for t, key, code, mods in events:
                host.send(t, key=key, code=code, mods=mods)
            assert await asyncio.to_thread(witness.typed_text, 3) == "@éZ"
        # the host stopped: the keycodes it lent are empty again
        after = XState(host_display)
        try:
            assert after.display.keysym_to_keycode(GRINNING_FACE_KEYSYM) == 0
        finally:
            after.close()


async def test_altgr_characters_from_a_german_client_arrive_exactly(
    host_display: str, witness: XWitness, x_state: XState
) -> None:
    """The host keeps its US layout: AltGr only picked the characters on the client, so it must not pick another
    level of the keycode that types each of them on the host ("@" is Shift+2 here, and no "2" must arrive)."""
    async with connected_host(FULL_CONTROL) as host:
        await asyncio.to_thread(witness.focus)
        host.send("kd", key="AltGraph", code="AltRight", mods=["AltGraph"])
        for char, code in GERMAN_ALTGR.items():
            host.send("kd", key=char, code=code, mods=["AltGraph"])
            host.send("ku", key=char, code=code, mods=["AltGraph"])
        host.send("ku", key="AltGraph", code="AltRight", mods=[])
        presses = await asyncio.to_thread(witness.typed_presses, len(GERMAN_ALTGR))
        assert "".join(press["text"] for press in presses) == "".join(GERMAN_ALTGR)
        assert not [press for press in presses if press["state"] & MOD5_MASK], "AltGr (Mod5) was held on the host"

        # Ctrl+Alt+T is still a shortcut: the letter arrives with Control and Alt held
        host.send("kd", key="Control", code="ControlLeft", mods=["Control"])
        host.send("kd", key="Alt", code="AltLeft", mods=["Control", "Alt"])
        host.send("kd", key="t", code="KeyT", mods=["Control", "Alt"])
        for key, code in (("t", "KeyT"), ("Alt", "AltLeft"), ("Control", "ControlLeft")):
            host.send("ku", key=key, code=code, mods=[])
        while (press := await next_event(witness, "key_press"))["text"] != "t":
            pass
        assert press["state"] & CONTROL_MASK and press["state"] & ALT_MASK, press
        await until(lambda: not x_state.pressed_keycodes(), 5, "all released")


@any_backend
async def test_client_that_falls_silent_is_released_after_one_second(
    input_name: str, host_display: str, witness: XWitness, x_state: XState
) -> None:
    async with connected_host(FULL_CONTROL, input=input_name) as host:
        shift = x_state.keycode("Shift_L")
        host.send("kd", key="Shift", code="ShiftLeft", mods=["Shift"])
        host.send("down", b="left", x=0.5, y=0.5)
        last_message = time.monotonic()
        await until(lambda: shift in x_state.pressed_keycodes(), 5, "Shift held on the X server")
        await until(lambda: x_state.button_mask() & 0x100, 5, "the left button held on the X server")
        # the client now sends nothing, not even heartbeats, as a phone that lost its network
        await until(
            lambda: shift not in x_state.pressed_keycodes() and not x_state.button_mask() & 0x100,
            3,
            "Shift and the left button released",
        )
        silence = time.monotonic() - last_message
        assert 1.0 <= silence < 1.5, f"released after {silence:.2f} s of silence"
        assert (await next_event(witness, "button_release"))["button"] == 1


@any_backend
async def test_heartbeats_keep_held_keys_held(input_name: str, host_display: str, x_state: XState) -> None:
    async with connected_host(FULL_CONTROL, input=input_name) as host:
        shift = x_state.keycode("Shift_L")
        host.send("kd", key="Shift", code="ShiftLeft", mods=["Shift"])
        await until(lambda: shift in x_state.pressed_keycodes(), 5, "Shift held on the X server")
        for _ in range(8):  # 2 s of heartbeats every 250 ms
            host.send("hb")
            await asyncio.sleep(0.25)
            assert shift in x_state.pressed_keycodes(), "released although the client kept sending heartbeats"
        host.send("release")  # the page lost focus
        await until(lambda: shift not in x_state.pressed_keycodes(), 1, "Shift released on 'release'")


async def test_a_ping_is_answered_with_its_id(host_display: str) -> None:
    """The page pings a connection that dropped to learn whether it came back by itself (docs/protocol.md)."""
    async with connected_host(FULL_CONTROL) as host:
        host.send("ping", id=7)
        assert await host.next_control("pong") == {"t": "pong", "id": 7}
        host.send("ping", id=1.5)
        assert (await host.next_control("error"))["code"] == "bad_message"


@any_backend
async def test_a_modifier_the_client_no_longer_reports_is_released(
    input_name: str, host_display: str, witness: XWitness, x_state: XState
) -> None:
    async with connected_host(FULL_CONTROL, input=input_name) as host:
        shift = x_state.keycode("Shift_L")
        await asyncio.to_thread(witness.focus)
        host.send("kd", key="Shift", code="ShiftLeft", mods=["Shift"])
        await until(lambda: shift in x_state.pressed_keycodes(), 5, "Shift held on the X server")
        # the Shift key-up was lost (the browser window lost focus meanwhile); the next key says Shift is up
        host.send("kd", key="a", code="KeyA", mods=[])
        host.send("ku", key="a", code="KeyA", mods=[])
        assert await asyncio.to_thread(witness.typed_text, 1) == "a"
        assert shift not in x_state.pressed_keycodes()


@any_backend
async def test_closing_the_connection_releases_at_once(input_name: str, host_display: str, x_state: XState) -> None:
    async with connected_host(FULL_CONTROL, input=input_name) as host:
        control_l = x_state.keycode("Control_L")
        host.send("kd", key="Control", code="ControlLeft", mods=["Control"])
        host.send("down", b="right", x=0.5, y=0.5)
        await until(lambda: control_l in x_state.pressed_keycodes(), 5, "Control held on the X server")
        await until(lambda: x_state.button_mask() & 0x400, 5, "the right button held")
        closed = time.monotonic()
        assert host.client.pc is not None
        await host.client.pc.close()
        await until(
            lambda: control_l not in x_state.pressed_keycodes() and not x_state.button_mask() & 0x400,
            1,
            "everything released when the client left",
        )
        assert time.monotonic() - closed < 1.0


@any_backend
async def test_view_only_is_enforced(input_name: str, host_display: str, witness: XWitness, x_state: XState) -> None:
    async with connected_host(VIEW_ONLY, input=input_name) as host:
        assert host.hello["permissions"] == ["view"]
        start = x_state.pointer()
        attempts: list[dict[str, Any]] = [
            {"t": "move", "x": 0.9, "y": 0.9},
            {"t": "rmove", "dx": 50, "dy": 50},
            {"t": "down", "b": "left"},
            {"t": "kd", "key": "a", "code": "KeyA"},
            {"t": "text", "text": "nope"},
            {"t": "cmd", "name": "volume_up"},
            {"t": "clip_set", "text": "nope"},
        ]
        for message in attempts:
            host.client.control(message)
            refusal = await host.next_control("error")
            assert refusal["code"] == "not_permitted", (message, refusal)
        assert x_state.pointer() == start
        assert not x_state.pressed_keycodes()

        # the host's user grants control: now input works, and the first thing X sees is what came after
        assert host.app.sessions.set_permissions(frozenset({Permission.CONTROL}))
        assert (await host.next_control("perm"))["permissions"] == ["control", "view"]
        await asyncio.to_thread(witness.focus)
        host.send("kd", key="x", code="KeyX")
        host.send("ku", key="x", code="KeyX")
        assert (await next_event(witness, "key_press"))["text"] == "x"

        # and withdraws it again while the client holds Shift: Shift is let go
        shift = x_state.keycode("Shift_L")
        host.send("kd", key="Shift", code="ShiftLeft", mods=["Shift"])
        await until(lambda: shift in x_state.pressed_keycodes(), 5, "Shift held on the X server")
        host.app.sessions.set_permissions(frozenset())
        assert (await host.next_control("perm"))["permissions"] == ["view"]
        await until(lambda: shift not in x_state.pressed_keycodes(), 1, "Shift released when control was withdrawn")
        host.send("kd", key="y", code="KeyY")
        assert (await host.next_control("error"))["code"] == "not_permitted"


async def test_local_user_takes_priority(host_display: str, witness: XWitness, x_state: XState) -> None:
    async with connected_host(FULL_CONTROL, local_priority=1.0) as host:
        control = host.session.control
        assert control is not None
        await until(control.watches_local_input, 5, "the host watching local input")
        host.send("move", x=0.5, y=0.5)
        host.send("down", b="left")
        host.send("up", b="left")
        assert (await next_event(witness, "button_press"))["button"] == 1
        host.send("bogus")  # its error reply marks the point by which a wrong "paused" would have come
        assert (await host.next_control("error"))["code"] == "bad_message"
        assert all(message["t"] != "paused" for message in drain(host.client.control_messages))

        await asyncio.to_thread(xdotool, host_display, "mousemove", "10", "10")
        paused = await host.next_control("paused")
        assert paused == {"t": "paused", "reason": "local_input", "seconds": 1.0}
        host.send("down", b="middle", x=0.9, y=0.9)
        host.send("up", b="middle")
        assert x_state.pointer() == (10, 10)

        resumed = await host.next_control("resumed", timeout=3)
        assert resumed == {"t": "resumed", "reason": "local_input"}
        host.send("down", b="right", x=0.3, y=0.3)
        host.send("up", b="right")
        press = await next_event(witness, "button_press")
        assert press["button"] == 3, "input sent during the pause must have been dropped"

        await asyncio.to_thread(xdotool, host_display, "key", "x")  # typing on the host's keyboard pauses too
        assert (await host.next_control("paused"))["reason"] == "local_input"


async def test_malformed_input_is_refused_and_changes_nothing(host_display: str, x_state: XState) -> None:
    async with connected_host(FULL_CONTROL) as host:
        start = x_state.pointer()
        bad: list[tuple[str, str]] = [
            ("not json", "bad_message"),
            ("[1, 2]", "bad_message"),
            ('{"t": "move", "x": 2, "y": 0.5}', "bad_message"),
            ('{"t": "move", "x": "0.5", "y": 0.5}', "bad_message"),
            ('{"t": "move", "x": NaN, "y": 0.5}', "bad_message"),
            ('{"t": "down", "b": "thumb"}', "bad_message"),
            ('{"t": "kd", "key": "a", "code": "KeyA", "mods": ["Hyper"]}', "bad_message"),
            ('{"t": "rmove", "dx": 99999, "dy": 0}', "bad_message"),
            ('{"t": "text", "text": "' + "x" * 5000 + '"}', "too_large"),
            ('{"t": "cmd", "name": "format_disk"}', "unknown_command"),
            ('{"t": "launch"}', "bad_message"),
        ]
        channel = host.client.channel
        assert channel is not None
        for raw, code in bad:
            channel.send(raw)
            refusal = await host.next_control("error")
            assert refusal["code"] == code, (raw, refusal)
            assert refusal["message"]
        assert x_state.pointer() == start
        assert not x_state.pressed_keycodes()


@any_backend
async def test_a_flood_does_not_grow_queues(
    input_name: str, host_display: str, witness: XWitness, x_state: XState
) -> None:
    async with connected_host(FULL_CONTROL, input=input_name) as host:
        control = host.session.control
        assert control is not None
        # over the data channel: aiortc delivers a few thousand messages a second, and the queue stays bounded
        for index in range(1000):
            host.send("move", x=(index % 100) / 100, y=0.5)
            host.send("kd", key="Shift", code="ShiftLeft")
            host.send("ku", key="Shift", code="ShiftLeft")
        await asyncio.to_thread(witness.focus)
        host.send("kd", key="k", code="KeyK")
        host.send("ku", key="k", code="KeyK")
        assert await asyncio.to_thread(witness.typed_text, 1, 20) == "k"
        assert control.queue.high_water <= HIGHEST_QUEUE

        # faster than any network delivers: the same burst handed to the host at once is cut off by the rate limit
        for index in range(5000):
            control.handle(f'{{"t": "move", "x": {(index % 100) / 100}, "y": 0.25}}')
        assert (await host.next_control("error"))["code"] == "rate_limited"
        await until(lambda: not control.queue.pending(), 10, "the input queue drained")
        assert control.queue.high_water <= HIGHEST_QUEUE
        errors = [m for m in drain(host.client.control_messages) if m["t"] == "error"]
        assert len(errors) < 40, f"{len(errors)} error replies: refusals must not become a flood of their own"
        await until(lambda: not x_state.pressed_keycodes(), 5, "nothing left pressed")


def drain(queue: asyncio.Queue[dict[str, Any]]) -> list[dict[str, Any]]:
    items = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return items


@any_backend
@pytest.mark.parametrize(
    ("environment", "says"),
    [
        ({}, "no X display (DISPLAY is not set)"),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "Wayland"),
        ({"DISPLAY": ":9999"}, "cannot open the X display ':9999'"),
    ],
)
def test_unavailable_reason_says_why(
    input_name: str, environment: dict[str, str], says: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    backend = BACKENDS[input_name]()
    reason = backend.unavailable_reason()
    backend.close()
    assert reason is not None and says in reason


def test_without_pynput_the_backend_says_what_to_install(xvfb: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """pynput is optional on Linux: its absence is a reason, not a crash."""
    monkeypatch.setenv("DISPLAY", xvfb)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setitem(sys.modules, "pynput", None)  # as if not installed
    backend = PynputInputBackend()
    assert (
        backend.unavailable_reason()
        == "pynput is not installed: install it into Proxim's environment (pip install pynput)"
    )
    backend.close()
