"""The tray as the person at the host sees it: GTK under Xvfb docked in trayer, driven with xdotool."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from proxim_tray_pystray.drawing import STATE_COLOURS
from proxim_tray_pystray.states import TrayState

from tests.support.desktop import (
    Desktop,
    TrayHost,
    desktop_fixture,
    host_fixture,
    link_of,
    poll,
    port_is_free,
    proxim_command,
    save_screenshot,
)

desktop = desktop_fixture()
host = host_fixture()


# enabled menu entries, in order, as the keyboard walks them (disabled ones and separators are skipped)
PENDING_MENU = ["Approve", "Approve with commands", "View only", "Reject", "Start at login", "Open config file", "Quit"]
SESSION_MENU = [
    "Control",
    "Control and commands",
    "View only",
    "Pause sharing",
    "Disconnect",
    "Start at login",
    "Open config file",
    "Quit",
]
READY_MENU = ["Copy pairing link", "Show pairing QR code", "Start at login", "Open config file", "Quit"]


def menu_position(menu: list[str], entry: str) -> int:
    return menu.index(entry) + 1


def shows_colour(image: Image.Image, colour: tuple[int, int, int], share: float = 0.2, tolerance: int = 10) -> bool:
    """At least ``share`` of the picture is ``colour``: the icon's body, not a stray pixel."""
    pixels = np.asarray(image.convert("RGB"), dtype=np.int16)
    close = (np.abs(pixels - np.array(colour, dtype=np.int16)) <= tolerance).all(axis=2)
    return bool(close.mean() >= share)


def wait_for_icon(desktop: Desktop, state: TrayState, timeout: float = 15.0) -> None:
    poll(lambda: shows_colour(desktop.tray_area(), STATE_COLOURS[state]), timeout, f"the {state} tray icon")


def ask_to_connect(host: TrayHost, page: Any, desktop: Desktop) -> None:
    page.goto(link_of(host))
    page.wait_for_selector("body[data-state=pending]", timeout=10_000)
    wait_for_icon(desktop, TrayState.PENDING)


def test_icon_follows_the_session_and_the_menu_drives_it(
    desktop: Desktop, host: TrayHost, page: Any, artifacts: Path
) -> None:
    wait_for_icon(desktop, TrayState.READY)
    ask_to_connect(host, page, desktop)

    desktop.click(16, 16, button=3)
    menu = poll(lambda: desktop.popups(), 10, "the tray menu")[0]
    menu_shot = desktop.screenshot((0, 0, menu[0] + menu[2] + 8, menu[1] + menu[3] + 8))
    save_screenshot(menu_shot, artifacts, "tray-menu.png")
    desktop.xdotool("key", "Escape")
    poll(lambda: not desktop.popups(), 10, "the tray menu to close")

    desktop.choose_from_tray_menu(menu_position(PENDING_MENU, "Approve"))
    page.wait_for_selector("body[data-state=live]", timeout=20_000)
    wait_for_icon(desktop, TrayState.CONTROLLED)

    desktop.choose_from_tray_menu(menu_position(SESSION_MENU, "View only"))
    wait_for_icon(desktop, TrayState.VIEWED)
    page.wait_for_selector("#view-only", state="visible", timeout=10_000)

    desktop.choose_from_tray_menu(menu_position(SESSION_MENU, "Pause sharing"))
    wait_for_icon(desktop, TrayState.PAUSED)
    page.wait_for_selector("#paused", state="visible", timeout=10_000)

    desktop.choose_from_tray_menu(menu_position(SESSION_MENU, "Disconnect"))
    page.wait_for_selector("body[data-state=ended]", timeout=10_000)
    wait_for_icon(desktop, TrayState.READY)


def test_reject_from_the_menu(desktop: Desktop, host: TrayHost, page: Any) -> None:
    ask_to_connect(host, page, desktop)
    desktop.choose_from_tray_menu(menu_position(PENDING_MENU, "Reject"))
    page.wait_for_selector("body[data-state=rejected]", timeout=10_000)
    wait_for_icon(desktop, TrayState.READY)


def test_approve_view_only_from_the_menu(desktop: Desktop, host: TrayHost, page: Any) -> None:
    ask_to_connect(host, page, desktop)
    desktop.choose_from_tray_menu(menu_position(PENDING_MENU, "View only"))
    page.wait_for_selector("body[data-state=live]", timeout=20_000)
    wait_for_icon(desktop, TrayState.VIEWED)
    page.wait_for_selector("#view-only", state="visible", timeout=10_000)


def test_commands_are_granted_from_the_menu(desktop: Desktop, host: TrayHost, page: Any) -> None:
    """At approval and during the session; the page shows the system commands only while they are granted."""
    ask_to_connect(host, page, desktop)
    desktop.choose_from_tray_menu(menu_position(PENDING_MENU, "Approve with commands"))
    page.wait_for_selector("body[data-state=live]", timeout=20_000)
    page.click("#menu-toggle")
    page.wait_for_selector("#commands-section", state="visible", timeout=10_000)
    desktop.choose_from_tray_menu(menu_position(SESSION_MENU, "Control"))
    page.wait_for_selector("#commands-section", state="hidden", timeout=10_000)
    page.wait_for_selector("#view-only", state="hidden")
    desktop.choose_from_tray_menu(menu_position(SESSION_MENU, "Control and commands"))
    page.wait_for_selector("#commands-section", state="visible", timeout=10_000)


def test_quit_from_the_menu_tells_the_client_and_frees_the_port(desktop: Desktop, host: TrayHost, page: Any) -> None:
    ask_to_connect(host, page, desktop)
    desktop.choose_from_tray_menu(menu_position(PENDING_MENU, "Approve"))
    page.wait_for_selector("body[data-state=live]", timeout=20_000)
    desktop.choose_from_tray_menu(menu_position(SESSION_MENU, "Quit"))
    started = time.monotonic()  # the menu has closed: the item was chosen
    assert host.proc.wait(5) == 0
    assert time.monotonic() - started < 2.0
    assert port_is_free(host.port)
    page.wait_for_selector("body[data-state=ended]", timeout=5_000)
    poll(lambda: not shows_colour(desktop.tray_area(), STATE_COLOURS[TrayState.CONTROLLED]), 5, "the icon to go")


def test_ctrl_c_releases_held_keys_tells_the_client_and_frees_the_port(
    desktop: Desktop, host: TrayHost, page: Any
) -> None:
    ask_to_connect(host, page, desktop)
    desktop.choose_from_tray_menu(menu_position(PENDING_MENU, "Approve"))
    page.wait_for_selector("body[data-state=live]", timeout=20_000)
    page.click("#screen")  # a desktop browser sends the keyboard to the host once the picture is clicked
    page.keyboard.down("Shift")
    held = poll(desktop.keys_down, 10, "Shift to be held down on the host")
    started = time.monotonic()
    assert host.stop() == 0
    assert time.monotonic() - started < 2.0
    assert not set(desktop.keys_down()) & set(held), "a key stayed pressed after the host stopped"
    assert port_is_free(host.port)
    page.wait_for_selector("body[data-state=ended]", timeout=5_000)


def test_start_at_login_toggles_an_autostart_entry(desktop: Desktop, host: TrayHost) -> None:
    entry = Path(desktop.env["XDG_CONFIG_HOME"]) / "autostart" / "proxim.desktop"
    entry.unlink(missing_ok=True)
    link_of(host)  # the link is live: the menu has its ready entries
    wait_for_icon(desktop, TrayState.READY)
    desktop.choose_from_tray_menu(menu_position(READY_MENU, "Start at login"))
    poll(entry.exists, 5, "the autostart entry")
    assert "Exec=" in entry.read_text() and "-m proxim_tray" in entry.read_text()
    desktop.choose_from_tray_menu(menu_position(READY_MENU, "Start at login"))
    poll(lambda: not entry.exists(), 5, "the autostart entry to go")


def test_wayland_is_said_by_the_tray_and_doctor(desktop: Desktop) -> None:
    desktop.env["WAYLAND_DISPLAY"] = "wayland-0"
    try:
        host = TrayHost(desktop)
        try:
            # XWayland without a desktop portal: the portal backends are chosen, and say what is missing
            host.wait_in_log("sharing cannot work here: capture backend 'portal' cannot work here")
            wait_for_icon(desktop, TrayState.UNAVAILABLE)
        finally:
            host.stop()
        doctor = proxim_command(desktop, "doctor")
    finally:
        del desktop.env["WAYLAND_DISPLAY"]
    assert doctor.returncode == 1
    assert re.search(r"^FIX\s+screen capture\s+portal: ", doctor.stdout, re.MULTILINE)


def test_copy_pairing_link_puts_it_on_the_clipboard(desktop: Desktop, host: TrayHost) -> None:
    link = link_of(host)
    wait_for_icon(desktop, TrayState.READY)
    desktop.choose_from_tray_menu(menu_position(READY_MENU, "Copy pairing link"))

    def clipboard() -> str:
        result = subprocess.run(
            ["xclip", "-o", "-selection", "clipboard"], env=desktop.env, capture_output=True, text=True, timeout=5
        )
        return result.stdout

    assert poll(lambda: clipboard() == link, 5, "the link on the clipboard")
