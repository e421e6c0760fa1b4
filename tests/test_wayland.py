"""Wayland: a real headless GNOME desktop (mutter, PipeWire, xdg-desktop-portal with its GNOME backend) shared by
``proxim host`` run as the README says, with no backend flags, through the portal and its consent dialog (answered on
the screen by a test-only helper, as the person at the desktop would). XWayland alone is still not a desktop to share.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from proxim_capture_mss.source import MssCaptureSource
from proxim_input_x11.backend import X11InputBackend
from proxim_portal.capture import PortalCaptureSource
from proxim_portal.session import restore_token_path

from tests.conftest import HostProcess
from tests.support.mutter_seat import MutterSeat, answer_dialog
from tests.support.wayland_stack import WaylandDesktop
from tests.support.wayland_witness import GtkWitness
from tests.support.webclient import approve_next, page_point, video_box, wait_for_text
from tests.test_end_to_end import wait_for_colour

STACK = (
    "mutter",
    "pipewire",
    "wireplumber",
    "/usr/libexec/xdg-desktop-portal",
    "/usr/libexec/xdg-desktop-portal-gnome",
)


@pytest.fixture(scope="module")
def desktop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WaylandDesktop]:
    """One headless GNOME desktop for the module; each test's host and portal session are its own."""
    missing = [program for program in STACK if shutil.which(program) is None]
    if missing:
        pytest.fail(f"the Wayland test stack is missing {', '.join(missing)}: run scripts/setup.sh --test")
    stack = WaylandDesktop(tmp_path_factory.mktemp("wayland"))
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def seat(desktop: WaylandDesktop) -> Iterator[MutterSeat]:
    person = MutterSeat(desktop.env["DBUS_SESSION_BUS_ADDRESS"])
    yield person
    person.close()


@pytest.fixture
def witness(desktop: WaylandDesktop) -> Iterator[GtkWitness]:
    window = GtkWitness(desktop.env)
    yield window
    window.stop()


@pytest.fixture
def wayland_host(desktop: WaylandDesktop, artifacts: Path) -> Iterator[HostProcess]:
    """``proxim host --no-tray`` in the Wayland session, with no capture or input flags."""
    host = HostProcess(dict(desktop.env, PYTHONUNBUFFERED="1"), artifacts)
    yield host
    host.stop()


def start_session(host: HostProcess, page: Any, seat: MutterSeat, desktop: WaylandDesktop, allow_input: bool) -> None:
    approve_next(host, page)
    host.send("y")  # the host's approval; the desktop's own dialog follows at once
    answer_dialog(seat, desktop.env, allow_input=allow_input)
    page.wait_for_selector("body[data-state=live]", timeout=30_000)


def test_host_shares_and_controls_a_gnome_wayland_desktop(
    wayland_host: HostProcess, page: Any, seat: MutterSeat, desktop: WaylandDesktop, witness: GtkWitness
) -> None:
    witness.paint("FF0000")
    start_session(wayland_host, page, seat, desktop, allow_input=True)
    wait_for_colour(page, (255, 0, 0))
    witness.paint("00C000")
    wait_for_colour(page, (0, 192, 0))

    box = video_box(page)
    for rel_x, rel_y in ((0.25, 0.75), (0.8, 0.2)):
        page.mouse.click(*page_point(box, rel_x, rel_y))
        press = witness.next_event("button_press")
        assert press["button"] == "left"
        assert abs(press["x"] - rel_x * 1279) <= 3 and abs(press["y"] - rel_y * 719) <= 3
        assert witness.next_event("button_release")["button"] == "left"

    page.wait_for_selector("#view-only", state="hidden")
    # the page's keyboard box sends what an input method commits as text: characters the desktop's layout (US)
    # has no key for are typed too
    page.click("#keys-toggle")
    outside_the_layout = "Grüße €ж"
    page.keyboard.insert_text(outside_the_layout)
    assert witness.typed_text(len(outside_the_layout)) == outside_the_layout
    page.click("#keys-toggle")
    page.mouse.click(*page_point(box, 0.5, 0.5))
    witness.next_event("button_release")
    text = "Hello, Proxim 42!"
    page.keyboard.type(text)
    assert witness.typed_text(len(text)) == text

    page.mouse.wheel(0, 300)  # down: GTK reads positive steps as down
    assert witness.next_event("scroll")["dy"] > 0

    # held when the client goes away: the host lets go of both
    page.mouse.move(*page_point(box, 0.5, 0.5))
    page.keyboard.down("Shift")
    assert witness.next_event("key_press")["name"] == "Shift_L"
    page.mouse.down()
    assert witness.next_event("button_press")["button"] == "left"
    page.goto("about:blank")
    assert witness.next_event("button_release", 15)["button"] == "left"
    assert witness.next_event("key_release")["name"] == "Shift_L"


def test_view_only_when_the_dialog_leaves_interaction_off(
    wayland_host: HostProcess,
    page: Any,
    seat: MutterSeat,
    desktop: WaylandDesktop,
    witness: GtkWitness,
    artifacts: Path,
) -> None:
    witness.paint("0000FF")
    start_session(wayland_host, page, seat, desktop, allow_input=False)
    wait_for_colour(page, (0, 0, 255))
    wait_for_text(page, "#view-only", "Allow remote interaction")
    log = artifacts / "host.log"
    deadline = time.monotonic() + 10
    while "remote input disabled" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "remote interaction was not allowed in the desktop's sharing dialog" in log.read_text()
    page.mouse.click(*page_point(video_box(page), 0.5, 0.5))
    page.keyboard.type("x")
    with pytest.raises(TimeoutError):
        witness.wait_for(r'"event": "(button_press|text)"', 2)


def test_screen_only_sharing_asks_once_then_restores(
    desktop: WaylandDesktop, seat: MutterSeat, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without input the portal session persists: the restore token in the user's state folder skips the dialog."""
    for name, value in desktop.env.items():
        monkeypatch.setenv(name, value)
    restore_token_path().unlink(missing_ok=True)
    first = PortalCaptureSource(with_input=False)
    started = threading.Thread(target=first.start)
    started.start()
    answer_dialog(seat, desktop.env, allow_input=False)
    started.join(20)
    first.close()
    assert restore_token_path().exists()

    second = PortalCaptureSource(with_input=False)
    try:
        restored = threading.Thread(target=second.start)
        restored.start()
        restored.join(10)
        if restored.is_alive():
            answer_dialog(seat, desktop.env, allow_input=False)
            pytest.fail("the desktop asked again despite the restore token")
        assert second.geometry().width == 1280
    finally:
        second.close()


def test_doctor_and_plugins_say_what_the_portal_offers(desktop: WaylandDesktop) -> None:
    doctor = subprocess.run(
        [sys.executable, "-m", "proxim_tray", "doctor"], env=desktop.env, capture_output=True, text=True, timeout=60
    )
    lines = {" ".join(line.split()[1:3]): line for line in doctor.stdout.splitlines() if line[:4] in ("OK  ", "FIX ")}
    assert lines["display server"].startswith("OK") and "Wayland" in lines["display server"]
    for topic in ("screen capture", "input injection"):
        assert lines[topic].startswith("OK"), doctor.stdout
        assert "portal" in lines[topic] and "ScreenCast v" in lines[topic] and "RemoteDesktop v" in lines[topic]
        assert "PipeWire running" in lines[topic]
    plugins = subprocess.run(
        [sys.executable, "-m", "proxim_tray", "plugins", "--json"],
        env=desktop.env, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    portal = next(entry for entry in json.loads(plugins.stdout)["plugins"] if entry["name"] == "portal")
    assert portal["usable"], portal


@pytest.fixture
def xwayland_only(xvfb: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """XWayland's X server (here a real Xvfb) next to a Wayland socket name, and no portal on the bus."""
    monkeypatch.setenv("DISPLAY", xvfb)
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")


@pytest.mark.usefixtures("xwayland_only")
def test_x11_backends_refuse_xwayland_with_a_reason() -> None:
    capture, control = MssCaptureSource(1), X11InputBackend()
    try:
        assert "Xorg session" in (capture.unavailable_reason() or "")
        assert "Xorg session" in (control.unavailable_reason() or "")
    finally:
        capture.close()
        control.close()


@pytest.mark.usefixtures("xwayland_only")
def test_doctor_says_what_to_do_without_a_portal() -> None:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "proxim_tray", "doctor"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 1
    lines = {" ".join(line.split()[1:3]): line for line in result.stdout.splitlines() if line[:4] in ("OK  ", "FIX ")}
    for topic in ("screen capture", "input injection"):
        assert lines[topic].startswith("FIX") and "portal" in lines[topic], result.stdout
    assert time.monotonic() - started < 30
