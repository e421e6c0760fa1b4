"""The web client in a desktop browser against a real host on Xvfb: mouse, wheel, keys and letting go, checked in X."""

from __future__ import annotations

import itertools
import re
import statistics
from pathlib import Path
from typing import Any

import pytest

from tests.support.keyboard_layout import GERMAN_ALTGR
from tests.support.processes import XWitness
from tests.support.webclient import open_live_session, page_point, sent_messages, video_box, wait_for_text

X_BUTTON_RIGHT, X_WHEEL_DOWN, X_BUTTON_BACK = 3, 5, 8
SHIFT_L = 0xFFE1
CONTROL_L = 0xFFE3
X_CONTROL_MASK, X_ALT_MASK = 0x04, 0x08  # core key state bits: Control, Mod1


def test_mouse_wheel_and_keys_reach_the_host(start_host: Any, page: Any, witness: XWitness, artifacts: Path) -> None:
    open_live_session(start_host(), page)
    # the host releases whatever a client holds after 1 s without a message: the page keeps talking
    page.wait_for_function("window.heartbeats.length >= 6")
    beats = page.evaluate("window.heartbeats")
    gaps = [later - earlier for earlier, later in itertools.pairwise(beats)]
    assert max(gaps) < 1000 and statistics.median(gaps) == pytest.approx(250, abs=80), gaps
    box = video_box(page)
    x, y = page_point(box, 0.3, 0.6)

    page.mouse.click(x, y, button="right")
    press = witness.next_event("button_press")
    assert press["button"] == X_BUTTON_RIGHT
    assert abs(press["x"] - 0.3 * (witness.width - 1)) <= 3 and abs(press["y"] - 0.6 * (witness.height - 1)) <= 3
    assert page.evaluate("document.activeElement.id") == "text-sink", "a click gives the picture the keyboard"
    assert page.is_visible("#kbd-hint"), "the way out is on screen while input is captured"

    page.mouse.wheel(0, 300)
    assert witness.next_event("button_press")["button"] == X_WHEEL_DOWN

    cdp = page.context.new_cdp_session(page)
    for kind in ("mousePressed", "mouseReleased"):
        cdp.send("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "back", "clickCount": 1})
    while (press := witness.next_event("button_press"))["button"] == X_WHEEL_DOWN:
        pass
    assert press["button"] == X_BUTTON_BACK
    assert page.evaluate("location.pathname").startswith("/p/"), "the back button did not leave the page"

    witness.focus()
    sent_messages(page)
    page.keyboard.press("Shift+KeyA")
    while (key := witness.next_event("key_press"))["keysym"] == SHIFT_L:
        pass
    assert key["text"] == "A"
    down = [m for m in sent_messages(page) if m["t"] == "kd"]
    assert down[-1] == {"t": "kd", "key": "A", "code": "KeyA", "mods": ["Shift"]}, "both code and key are sent"

    # a key held when the page loses focus is released on the host
    page.keyboard.down("Control")
    while witness.next_event("key_press")["keysym"] != CONTROL_L:
        pass
    page.mouse.click(5, box["y"] + box["height"] + 20)  # the toolbar, outside the video
    while witness.next_event("key_release")["keysym"] != CONTROL_L:
        pass
    page.keyboard.up("Control")
    assert not page.is_visible("#kbd-hint")

    # Ctrl+Alt+Shift is the way out of keyboard capture
    page.mouse.click(x, y)
    assert page.evaluate("document.activeElement.id") == "text-sink"
    page.keyboard.down("Control")
    page.keyboard.down("Alt")
    page.keyboard.down("Shift")
    for name in ("Shift", "Alt", "Control"):
        page.keyboard.up(name)
    assert page.evaluate("document.activeElement.id") != "text-sink"
    assert not page.is_visible("#kbd-hint")

    # the menu's stats overlay shows what the connection does
    page.click("#menu-toggle")
    offered = page.evaluate("window.proxim.hello.commands.length")
    assert page.is_hidden("#commands-section") and page.is_hidden("#clipboard-section"), (
        f"the host offers {offered} commands, but this session was not granted them"
    )
    page.check("#stats-toggle")
    assert page.is_hidden("#touch-modes"), "no touch modes without a touchscreen"
    wait_for_text(page, "#stats", "H264")
    wait_for_text(page, "#stats", f"{witness.width}×{witness.height}")
    stats = wait_for_text(page, "#stats", "Mbit/s")
    assert re.search(r"fps\s+\d+", stats) and re.search(r"round trip\s+\d+ ms", stats), stats
    page.screenshot(path=str(artifacts / "desktop-stats.png"))


# An approval surface as a third party would write one: it grants everything, system commands included, which the
# console prompt never does.
GRANT_ALL_PLUGIN = """
from proxim_tray import hookimpl
from proxim_tray.approval import Permission


@hookimpl
def proxim_request_approval(app, request):
    request.approve(frozenset(Permission), by="grant-all test plugin")
"""
XF86_AUDIO_PLAY = 0x1008FF14


def test_commands_and_clipboard_menu(
    start_host: Any, page: Any, witness: XWitness, artifacts: Path, tmp_path: Path
) -> None:
    (tmp_path / "grant_all.py").write_text(GRANT_ALL_PLUGIN)
    host = start_host("--plugins-dir", str(tmp_path))
    page.goto(host.next_link())
    page.wait_for_selector("body[data-state=live]", timeout=20_000)
    page.wait_for_function("window.proxim.hello")
    witness.focus()

    page.click("#menu-toggle")
    page.wait_for_selector("#commands-section:visible")
    page.screenshot(path=str(artifacts / "desktop-menu-commands.png"))
    offered = page.evaluate("window.proxim.hello.commands.map((c) => c.label)")
    assert page.locator("#commands button").all_inner_texts() == offered
    page.click("#commands button:text-is('Play / pause')")
    while witness.next_event("key_press")["keysym"] != XF86_AUDIO_PLAY:
        pass
    assert page.is_hidden("#menu"), "running a command closes the menu"

    page.click("#menu-toggle")
    page.fill("#clip-text", "from the browser")
    page.click("#clip-send")
    wait_for_text(page, "#clip-status", "Sent")
    page.fill("#clip-text", "")
    page.click("#clip-get")
    page.wait_for_function("document.querySelector('#clip-text').value === 'from the browser'")
    wait_for_text(page, "#clip-status", "copy it from there")

    page.click("#disconnect")
    page.wait_for_selector("body[data-state=ended]")
    wait_for_text(page, "#status", "You disconnected")
    assert host.next_link() != page.url, "the host ended the session and shows a fresh link"


TYPED = "Zürich äöüß € 😀"


def presses(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [event for event in events if event["event"] == "key_press"]


def test_text_without_key_presses_arrives_exactly(start_host: Any, page: Any, witness: XWitness) -> None:
    """IME commits, the emoji picker, dictation and characters the keyboard lacks reach the page as input, not keys."""
    open_live_session(start_host(), page)
    x, y = page_point(video_box(page), 0.5, 0.5)
    page.mouse.click(x, y)
    witness.focus()

    page.keyboard.type(TYPED)  # US letters as key presses, the rest as insertText: a new user typing
    assert witness.typed_text(len(TYPED)) == TYPED
    page.keyboard.insert_text(TYPED)  # all of it as input events (dictation, the emoji picker)
    assert witness.typed_text(len(TYPED)) == TYPED

    # a Japanese input method: the reading grows, is converted, then committed; only the commit is typed
    cdp = page.context.new_cdp_session(page)
    for reading in ("に", "にほ", "にほん", "にほんご", "日本語"):
        cdp.send(
            "Input.imeSetComposition", {"text": reading, "selectionStart": len(reading), "selectionEnd": len(reading)}
        )
    assert not presses(witness.events_during(0.5)), "nothing is typed while the composition is under way"
    cdp.send("Input.insertText", {"text": "日本語"})
    assert witness.typed_text(3) == "日本語"
    assert not presses(witness.events_during(0.5)), "the commit is typed once"
    assert page.evaluate("document.querySelector('#text-sink').value") == "", "the sink keeps nothing it sent"


ALT_L, TAB, DELETE, SUPER_L = 0xFFE9, 0xFF09, 0xFFFF, 0xFFEB


def test_keys_the_browser_keeps_from_the_menu(start_host: Any, page: Any, witness: XWitness, artifacts: Path) -> None:
    open_live_session(start_host(), page)
    witness.focus()
    page.click("#menu-toggle")
    page.screenshot(path=str(artifacts / "desktop-menu-shortcuts.png"))
    for label, keysyms in (
        ("Ctrl+Alt+Del", [CONTROL_L, ALT_L, DELETE]),
        ("Alt+Tab", [ALT_L, TAB]),
        ("Super", [SUPER_L]),
    ):
        if page.is_hidden("#menu"):
            page.click("#menu-toggle")
        page.click(f"#shortcuts button:text-is('{label}')")
        pressed = [witness.next_event("key_press")["keysym"] for _ in keysyms]
        released = [witness.next_event("key_release")["keysym"] for _ in keysyms]
        assert pressed == keysyms and released == keysyms[::-1], label
        assert page.is_hidden("#menu"), "sending keys closes the menu"

    # the test's host is on 127.0.0.1, a secure context: full screen locks the keyboard, Escape held leaves it
    page.click("#menu-toggle")
    page.click("#fullscreen")
    page.wait_for_function("document.fullscreenElement !== null")
    wait_for_text(page, "#kbd-hint", "Hold Esc to leave full screen")
    assert page.evaluate("document.activeElement.id") == "text-sink"
    page.evaluate("document.exitFullscreen()")
    page.wait_for_function("document.fullscreenElement === null")
    wait_for_text(page, "#kbd-hint", "click outside to stop")


# The key events Chromium on X11 fires for AltGr on a German layout (measured with a headful Chromium): AltGraph goes
# down without reporting itself, then each character reports AltGraph held. A headless Chromium takes its keys from
# DevTools, which has no AltGr and no layout, so the page is given these events as the browser would give them.
GERMAN_ALTGR_EVENTS = """(typed) => {
  const sink = document.getElementById('text-sink');
  const fire = (type, key, code, modifierAltGraph) =>
    sink.dispatchEvent(new KeyboardEvent(type, { key, code, modifierAltGraph, bubbles: true, cancelable: true }));
  fire('keydown', 'AltGraph', 'AltRight', false);
  for (const [key, code] of typed) {
    fire('keydown', key, code, true);
    fire('keyup', key, code, true);
  }
  fire('keyup', 'AltGraph', 'AltRight', true);
}"""


def test_altgr_characters_from_a_german_keyboard_arrive_exactly(start_host: Any, page: Any, witness: XWitness) -> None:
    """The host keeps its US layout, where "@" is Shift+2: "@" must arrive, not what AltGr picks there."""
    open_live_session(start_host(), page)
    x, y = page_point(video_box(page), 0.5, 0.5)
    page.mouse.click(x, y)
    witness.focus()
    page.evaluate(GERMAN_ALTGR_EVENTS, list(GERMAN_ALTGR.items()))
    typed = "".join(GERMAN_ALTGR)
    assert witness.typed_text(len(typed)) == typed
    sent = [m for m in sent_messages(page) if m["t"] == "kd"]
    assert sent[1] == {"t": "kd", "key": "@", "code": "KeyQ", "mods": ["AltGraph"]}, "the page reports AltGr held"

    page.keyboard.press("Control+Alt+KeyT")  # still a shortcut on the host
    while (press := witness.next_event("key_press"))["text"] != "t":
        pass
    assert press["state"] & X_CONTROL_MASK and press["state"] & X_ALT_MASK, press
