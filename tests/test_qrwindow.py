"""The pairing window: opened from the tray, its QR code read back from the screen, following renewed links."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from PIL import Image
from proxim_qrwindow import toolkit

from tests.support.desktop import TRAY_HEIGHT, Desktop, TrayHost, desktop_fixture, link_of, poll, qr_texts

desktop = desktop_fixture()


TITLE = "Proxim: pairing"


@pytest.fixture
def start_host(desktop: Desktop) -> Iterator[Any]:
    started: list[TrayHost] = []

    def start(backend: str, *extra: str) -> TrayHost:
        desktop.env["PYSTRAY_BACKEND"] = backend
        host = TrayHost(desktop, *extra)
        started.append(host)
        return host

    yield start
    for host in started:
        host.stop()


def window_code(desktop: Desktop, expected: str | None = None) -> str:
    """The text of the QR code shown in the pairing window (``expected``: wait until it shows that)."""

    def read() -> str | None:
        windows = desktop.top_level_windows(TITLE)
        if not windows:
            return None
        results = qr_texts(desktop.screenshot(windows[0]))
        text = results[0] if len(results) == 1 else None
        return text if expected is None or text == expected else None

    return poll(read, 15, f"the pairing window to show {expected or 'a QR code'}")


@pytest.mark.parametrize("toolkit", ["gtk", "tk"])
def test_tray_click_opens_the_window_and_it_follows_renewals(
    toolkit: str, desktop: Desktop, start_host: Any, artifacts: Any
) -> None:
    host = start_host("gtk", "--link-ttl", "6", "--pairing-window", toolkit)
    first = link_of(host)
    assert not desktop.top_level_windows(TITLE), "the window opens when asked, not at startup"
    desktop.click(TRAY_HEIGHT // 2, TRAY_HEIGHT // 2)
    assert window_code(desktop) == first
    desktop.screenshot(desktop.top_level_windows(TITLE)[0]).save(artifacts / f"qr-window-{toolkit}.png")
    renewed = link_of(host, previous=first)
    assert window_code(desktop, renewed) == renewed


def test_x11_fallback_tray_click_opens_the_window(desktop: Desktop, start_host: Any) -> None:
    host = start_host("xorg")
    link = link_of(host)
    host.wait_in_log("has no menus")
    poll(lambda: np.asarray(desktop.tray_area()).max() > 0, 10, "the icon to dock")
    desktop.click(TRAY_HEIGHT // 2, TRAY_HEIGHT // 2)
    assert window_code(desktop) == link
    started = time.monotonic()
    assert host.stop() == 0, "Ctrl+C stops the X11 tray cleanly"
    assert time.monotonic() - started < 2.0
    assert not desktop.top_level_windows(TITLE)


def button_centres(window: Image.Image, margin: int = 16) -> list[tuple[int, int]]:
    """Centres of the buttons in the window's bottom row, left to right: where the picture leaves the background."""
    pixels = np.asarray(window.convert("RGB"), dtype=np.int16)
    height = pixels.shape[0]
    background = pixels[height - 2, 2]
    band = pixels[height - margin - 36 : height - margin]  # the buttons' borders included
    differs = (np.abs(band - background) > 12).any(axis=2).any(axis=0)
    runs, start = [], None
    for x, on in enumerate([*differs, False]):
        if on and start is None:
            start = x
        elif not on and start is not None:
            runs.append((start + x) // 2)
            start = None
    return [(x, height - margin - 17) for x in runs]


@pytest.mark.parametrize("toolkit", ["gtk", "tk"])
def test_the_window_decides_a_request(toolkit: str, desktop: Desktop, start_host: Any, page: Any) -> None:
    host = start_host("gtk", "--pairing-window", toolkit)
    link = link_of(host)
    desktop.click(TRAY_HEIGHT // 2, TRAY_HEIGHT // 2)
    assert window_code(desktop) == link
    page.goto(link)
    page.wait_for_selector("body[data-state=pending]", timeout=10_000)
    box = desktop.top_level_windows(TITLE)[0]
    buttons = poll(lambda: button_centres(desktop.screenshot(box)), 10, "the request's buttons")
    # Approve, Approve with commands, View only, Approve with send and receive files (the built-in files plugin), Reject
    assert len(buttons) == 5, buttons
    desktop.click(box[0] + buttons[1][0], box[1] + buttons[1][1])
    page.wait_for_selector("body[data-state=live]", timeout=20_000)
    page.wait_for_selector("#view-only", state="hidden")
    page.click("#menu-toggle")
    page.wait_for_selector("#commands-section", state="visible", timeout=10_000)

    # while the session runs the window offers the access levels: Control, Control and commands, View only
    def session_buttons() -> tuple[Any, list[tuple[int, int]]] | None:
        box = desktop.top_level_windows(TITLE)[0]  # the window shrank when the link was used
        found = button_centres(desktop.screenshot(box))
        return (box, found) if len(found) == 3 else None

    box, buttons = poll(session_buttons, 10, "three buttons")
    desktop.click(box[0] + buttons[0][0], box[1] + buttons[0][1])
    page.wait_for_selector("#commands-section", state="hidden", timeout=10_000)
    page.wait_for_selector("#view-only", state="hidden")


def test_x11_fallback_window_opens_for_a_request(desktop: Desktop, start_host: Any, page: Any) -> None:
    host = start_host("xorg")
    page.goto(link_of(host))
    page.wait_for_selector("body[data-state=pending]", timeout=10_000)
    box = poll(lambda: desktop.top_level_windows(TITLE), 10, "the window to open for the request")[0]
    buttons = poll(
        lambda: found if len(found := button_centres(desktop.screenshot(box))) == 5 else None, 10, "five buttons"
    )
    desktop.click(box[0] + buttons[4][0], box[1] + buttons[4][1])  # Reject
    page.wait_for_selector("body[data-state=rejected]", timeout=10_000)


def test_gtk_draws_the_window_on_linux_where_installed_and_tk_elsewhere() -> None:
    def having(*modules: str) -> Any:
        return lambda module: module in modules

    assert toolkit("auto", "linux", having("gi", "tkinter")) == "gtk"
    assert toolkit("auto", "linux", having("tkinter")) == "tk"
    assert toolkit("auto", "win32", having("gi", "tkinter")) == "tk"
    assert toolkit("auto", "darwin", having()) is None
    assert toolkit("tk", "linux", having("gi", "tkinter")) == "tk"
    assert toolkit("gtk", "darwin", having("tkinter")) is None
