"""The web client on a phone (touch, 390x844) against a real host on Xvfb: every gesture and key, checked in X."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.processes import XWitness
from tests.support.webclient import (
    PHONE,
    VIDEO_CONTENT_BOX,
    open_live_session,
    page_point,
    sent_messages,
    video_box,
    wait_for_sent,
)

X_BUTTON_LEFT, X_BUTTON_RIGHT, X_WHEEL_DOWN = 1, 3, 5
X_CONTROL_MASK = 0x4
KEYSYMS = {"Escape": 0xFF1B, "Tab": 0xFF09, "Left": 0xFF51, "F5": 0xFFC2, "Control_L": 0xFFE3}


@pytest.fixture
def phone(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(**PHONE, color_scheme="dark")
    try:
        yield context.new_page()
    finally:
        context.close()


class Fingers:
    """Multi-touch through the DevTools protocol: real browser touch input, as a finger on glass produces."""

    def __init__(self, page: Any) -> None:
        self.cdp = page.context.new_cdp_session(page)

    def _send(self, kind: str, points: list[tuple[float, float]]) -> None:
        touch_points = [{"x": x, "y": y, "id": i, "radiusX": 4, "radiusY": 4} for i, (x, y) in enumerate(points)]
        self.cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": touch_points})

    def down(self, *points: tuple[float, float]) -> None:
        self._send("touchStart", list(points))

    def move(self, *points: tuple[float, float]) -> None:
        self._send("touchMove", list(points))

    def up(self) -> None:
        self._send("touchEnd", [])

    def slide(self, start: list[tuple[float, float]], offset: tuple[float, float], steps: int = 8) -> None:
        """Fingers already down at ``start`` travel by ``offset`` in ``steps`` moves."""
        for step in range(1, steps + 1):
            fraction = step / steps
            self.move(*[(x + offset[0] * fraction, y + offset[1] * fraction) for x, y in start])


def assert_near(event: dict[str, Any], x: float, y: float, tolerance: float = 6) -> None:
    assert abs(event["x"] - x) <= tolerance and abs(event["y"] - y) <= tolerance, (event, (x, y))


def button_press(witness: XWitness, button: int) -> dict[str, Any]:
    """The next press of ``button``, skipping the rest (wheel clicks of an earlier scroll)."""
    while True:
        event = witness.next_event("button_press")
        if event["button"] == button:
            return event


def button_release(witness: XWitness, button: int) -> dict[str, Any]:
    while True:
        event = witness.next_event("button_release")
        if event["button"] == button:
            return event


def key_press(witness: XWitness, keysym: int) -> dict[str, Any]:
    """The next press of ``keysym``, skipping others (modifier presses come first)."""
    while True:
        event = witness.next_event("key_press")
        if event["keysym"] == keysym:
            return event


def test_touch_gestures_in_both_modes(start_host: Any, phone: Any, witness: XWitness, artifacts: Path) -> None:
    open_live_session(start_host(), phone)
    phone.screenshot(path=str(artifacts / "phone-live.png"))
    assert phone.evaluate("getComputedStyle(document.querySelector('#toolbar')).backgroundColor") == "rgb(27, 31, 38)"
    fingers = Fingers(phone)
    box = video_box(phone)
    assert box["width"] == pytest.approx(390, abs=1), "the picture fits the phone's width"
    assert box["height"] == pytest.approx(390 * 720 / 1280, abs=2), "with the screen's aspect ratio"

    # direct touch (the default): a tap clicks under the finger, a drag drags from there to where it ends
    start, end = page_point(box, 0.2, 0.3), page_point(box, 0.7, 0.6)
    fingers.down(start)
    fingers.slide([start], (end[0] - start[0], end[1] - start[1]))
    fingers.up()
    press = witness.next_event("button_press")
    assert press["button"] == X_BUTTON_LEFT
    assert_near(press, 0.2 * (witness.width - 1), 0.3 * (witness.height - 1))
    release = witness.next_event("button_release")
    assert_near(release, 0.7 * (witness.width - 1), 0.6 * (witness.height - 1))

    # direct touch: a long press right-clicks under the finger
    sent_messages(phone)
    point = page_point(box, 0.5, 0.5)
    fingers.down(point)
    wait_for_sent(phone, "down")
    fingers.up()
    press = witness.next_event("button_press")
    assert press["button"] == X_BUTTON_RIGHT
    assert_near(press, 0.5 * (witness.width - 1), 0.5 * (witness.height - 1))

    # a pinch zooms the picture and sends nothing to the host
    sent_messages(phone)
    centre = page_point(box, 0.5, 0.5)
    pinch = [(centre[0] - 30, centre[1]), (centre[0] + 30, centre[1])]
    fingers.down(*pinch)
    fingers.move((centre[0] - 45, centre[1]), (centre[0] + 45, centre[1]))
    fingers.move((centre[0] - 90, centre[1]), (centre[0] + 90, centre[1]))
    fingers.up()
    assert phone.evaluate("window.proxim.view.scale") == pytest.approx(3, rel=0.05)
    assert [m["t"] for m in sent_messages(phone)] == []
    # a tap on the zoomed picture clicks the spot shown under the finger
    view = phone.evaluate("({x: window.proxim.view.x, scale: window.proxim.view.scale})")
    tap_x = centre[0] + 20
    expected_x = ((tap_x - view["x"]) / view["scale"] - box["x"]) / box["width"]
    phone.touchscreen.tap(tap_x, centre[1])
    press = witness.next_event("button_press")
    assert abs(press["x"] - expected_x * (witness.width - 1)) <= 4
    assert abs(expected_x - (0.5 + 20 / box["width"] / 3)) < 0.01
    # moving both fingers while pinching pans the zoomed picture
    phone.evaluate("window.proxim.view.reset()")
    sent_messages(phone)
    fingers.down(*pinch)
    fingers.move((centre[0] - 60, centre[1]), (centre[0] + 60, centre[1]))
    before = phone.evaluate("window.proxim.view.x")
    assert phone.evaluate("window.proxim.view.scale") == pytest.approx(2, rel=0.05)
    fingers.slide([(centre[0] - 60, centre[1]), (centre[0] + 60, centre[1])], (40, 0))
    fingers.up()
    assert phone.evaluate("window.proxim.view.x") == pytest.approx(before + 40, abs=1)
    assert [m["t"] for m in sent_messages(phone)] == []
    phone.evaluate("window.proxim.view.reset()")

    # trackpad mode
    phone.evaluate("window.proxim.touch.setMode('trackpad')")
    sent_messages(phone)
    fingers.down(centre)
    fingers.up()
    press = witness.next_event("button_press")
    assert press["button"] == X_BUTTON_LEFT
    assert witness.next_event("button_release")["button"] == X_BUTTON_LEFT
    assert [m for m in sent_messages(phone) if m["t"] in ("down", "up")] == [
        {"t": "down", "b": "left"},
        {"t": "up", "b": "left"},
    ], "a trackpad tap clicks where the pointer is"

    two = [(centre[0] - 25, centre[1]), (centre[0] + 25, centre[1])]
    fingers.down(*two)
    fingers.up()
    assert witness.next_event("button_press")["button"] == X_BUTTON_RIGHT

    fingers.down(*two)
    fingers.slide(two, (0, -150))
    fingers.up()
    assert witness.next_event("button_press")["button"] == X_WHEEL_DOWN, "fingers moving up scroll down"
    wheel = [m for m in sent_messages(phone) if m["t"] == "wheel"]
    assert sum(m["dy"] for m in wheel) == pytest.approx(450, abs=1)

    # long press, then slide: a drag, with the pointer moved relatively
    fingers.down(centre)
    wait_for_sent(phone, "down")
    press = button_press(witness, X_BUTTON_LEFT)
    fingers.slide([centre], (60, 0))
    fingers.up()
    release = button_release(witness, X_BUTTON_LEFT)
    moves = [m for m in sent_messages(phone) if m["t"] == "rmove"]
    travelled = sum(m["dx"] for m in moves)
    assert travelled == pytest.approx(60 * 1.6 * 1280 / box["width"], rel=0.02)
    assert release["x"] - press["x"] == pytest.approx(travelled, abs=8), "the host moved the pointer while held"

    # turned to landscape: the picture fills the height, aspect ratio kept
    phone.set_viewport_size({"width": 844, "height": 390})
    # the page re-fits on its resize handler: wait for that, then check the result
    phone.wait_for_function(
        f"() => Math.abs(({VIDEO_CONTENT_BOX})().height - document.querySelector('#stage').clientHeight) <= 1",
        timeout=5_000,
    )
    stage_height = phone.evaluate("document.querySelector('#stage').clientHeight")
    box = video_box(phone)
    assert box["height"] == pytest.approx(stage_height, abs=1)
    assert box["width"] == pytest.approx(stage_height * 1280 / 720, abs=2)


def test_phone_keyboard_and_key_bar(start_host: Any, phone: Any, witness: XWitness, artifacts: Path) -> None:
    witness.paint("1565C0")
    open_live_session(start_host(), phone)
    witness.focus()
    phone.tap("#keys-toggle")
    phone.wait_for_selector("#keys:not([hidden])")
    assert phone.evaluate("document.activeElement.id") == "text-input", "the phone's keyboard opens"

    # IME and phone keyboards commit text: it is typed exactly
    phone.keyboard.insert_text("Hi, phone!")
    assert witness.typed_text(len("Hi, phone!")) == "Hi, phone!"
    # an input method composes first; only what it commits is typed
    sent_messages(phone)
    ime = phone.context.new_cdp_session(phone)
    ime.send("Input.imeSetComposition", {"text": "ni", "selectionStart": 2, "selectionEnd": 2})
    ime.send("Input.imeSetComposition", {"text": "nihao", "selectionStart": 5, "selectionEnd": 5})
    assert sent_messages(phone) == []
    ime.send("Input.insertText", {"text": "你好"})
    assert witness.typed_text(2) == "你好"
    assert [m for m in sent_messages(phone) if m["t"] == "text"] == [{"t": "text", "text": "你好"}]

    # Ctrl latches until the next key, which is sent with Ctrl held: Ctrl+C
    phone.tap("#keys [data-mod=Control]")
    assert phone.get_attribute("#keys [data-mod=Control]", "aria-pressed") == "true"
    phone.screenshot(path=str(artifacts / "phone-keyboard.png"))
    phone.keyboard.insert_text("c")
    key_press(witness, KEYSYMS["Control_L"])
    press = key_press(witness, ord("c"))
    assert press["state"] & X_CONTROL_MASK
    assert phone.get_attribute("#keys [data-mod=Control]", "aria-pressed") == "false"
    release = witness.next_event("key_release")
    while release["keysym"] != KEYSYMS["Control_L"]:
        release = witness.next_event("key_release")

    for selector, keysym in (
        ("[data-key=Escape]", "Escape"),
        ("[data-key=Tab]", "Tab"),
        ("[data-key=ArrowLeft]", "Left"),
    ):
        phone.tap(f"#keys {selector}")
        press = key_press(witness, KEYSYMS[keysym])
        assert press["state"] & X_CONTROL_MASK == 0
    phone.tap("#fn-toggle")
    phone.tap("#keys [data-key=F5]")
    key_press(witness, KEYSYMS["F5"])
    assert phone.evaluate("document.activeElement.id") == "text-input", "the keyboard stayed open"

    phone.tap("#keys-toggle")
    phone.tap("#menu-toggle")
    phone.wait_for_selector("#menu:not([hidden])")
    phone.screenshot(path=str(artifacts / "phone-menu.png"))
    phone.tap("#menu [value=trackpad]")
    assert phone.evaluate("window.proxim.touch.mode") == "trackpad"
    phone.tap("#menu-close")
    assert phone.is_hidden("#menu")
