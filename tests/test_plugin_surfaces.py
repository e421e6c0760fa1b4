"""A plugin's permission at every approval surface: off unless the host's user adds it, then granted and withdrawn
during the session; the page lists it and gets the plugin's channel only while it is granted."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import HostProcess
from tests.support.desktop import Desktop, TrayHost, desktop_fixture, link_of, poll
from tests.test_qrwindow import TITLE as WINDOW_TITLE
from tests.test_qrwindow import button_centres

SAMPLE = Path(__file__).parent / "plugin_samples" / "sample_echo.py"
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "proxim-hello"
ALLOWED = "Echo messages back: allowed"
NOT_ALLOWED = "Echo messages back: not allowed (the host\u2019s user can allow it)"
# the hosts below leave out the built-in file transfer (--disable-plugin files): the sample plugin's permission is the
# only one a plugin adds
# the tray's enabled entries with the echo plugin loaded, in keyboard order
PENDING_MENU = ["Also allow: Echo messages back", "Approve", "Approve with commands", "View only", "Reject"]
SESSION_MENU = ["Control", "Control and commands", "View only", "Allow: Echo messages back", "Pause sharing"]
# the page asks its echo channel for a pong: what the plugin's channel answers, or null when there is no channel
PING = """() => new Promise((resolve) => {
  const channel = window.Proxim.session.channel('echo');
  if (!channel) { resolve(null); return; }
  channel.onmessage = (event) => resolve(JSON.parse(event.data));
  channel.send(JSON.stringify({t: 'ping', n: 7}));
})"""

desktop = desktop_fixture()


@pytest.fixture
def echo_plugins(tmp_path: Path) -> Path:
    directory = tmp_path / "plugins"
    directory.mkdir()
    shutil.copy(SAMPLE, directory / "echo.py")
    return directory


@pytest.fixture
def host(desktop: Desktop, echo_plugins: Path) -> Iterator[TrayHost]:
    if desktop.notifications is not None:
        desktop.notifications.drain()
    host = TrayHost(desktop, "--plugins-dir", str(echo_plugins), "--disable-plugin", "files")
    try:
        yield host
    finally:
        host.stop()


def grants(page: Any) -> list[str]:
    page.click("#menu-toggle")
    page.wait_for_selector("#grants-section", state="visible", timeout=10_000)
    shown = [item.inner_text() for item in page.query_selector_all("#grants li")]
    page.click("#menu-close")
    return shown


def test_the_tray_adds_a_plugin_permission_and_withdraws_it(desktop: Desktop, host: TrayHost, page: Any) -> None:
    page.goto(link_of(host))
    page.wait_for_selector("body[data-state=pending]", timeout=10_000)
    desktop.choose_from_tray_menu(PENDING_MENU.index("Also allow: Echo messages back") + 1)
    desktop.choose_from_tray_menu(PENDING_MENU.index("Approve") + 1)
    page.wait_for_selector("body[data-state=live]", timeout=20_000)
    page.wait_for_function("window.Proxim.session.channel('echo') !== null", timeout=10_000)
    assert page.evaluate(PING) == {"t": "pong", "n": 7}
    assert grants(page) == [ALLOWED]
    desktop.choose_from_tray_menu(SESSION_MENU.index("Allow: Echo messages back") + 1)
    page.wait_for_function("window.Proxim.session.channel('echo') === null", timeout=10_000)
    assert grants(page) == [NOT_ALLOWED]


def test_a_plugin_permission_is_off_unless_added(desktop: Desktop, host: TrayHost, page: Any) -> None:
    page.goto(link_of(host))
    page.wait_for_selector("body[data-state=pending]", timeout=10_000)
    assert desktop.notifications is not None
    notification = desktop.notifications.next("notify")
    actions = [text for text in notification["actions"].values() if text]  # "" is the click on the body
    assert actions == ["Approve", "Approve with commands", "View only", "Approve with echo messages back", "Reject"]
    desktop.choose_from_tray_menu(PENDING_MENU.index("Approve") + 1)
    page.wait_for_selector("body[data-state=live]", timeout=20_000)
    assert grants(page) == [NOT_ALLOWED]
    assert page.evaluate(PING) is None


def test_the_notification_approves_with_a_plugin_permission(desktop: Desktop, host: TrayHost, page: Any) -> None:
    page.goto(link_of(host))
    page.wait_for_selector("body[data-state=pending]", timeout=10_000)
    assert desktop.notifications is not None
    notification = desktop.notifications.next("notify")
    key = next(key for key, text in notification["actions"].items() if text == "Approve with echo messages back")
    desktop.notifications.invoke(notification["id"], key)
    page.wait_for_selector("body[data-state=live]", timeout=20_000)
    assert grants(page) == [ALLOWED]


def test_the_console_adds_a_plugin_permission(start_host: Any, page: Any, echo_plugins: Path) -> None:
    host = start_host("--plugins-dir", str(echo_plugins), "--disable-plugin", "files")
    page.goto(host.next_link())
    host.wait_for(r"^Also allow, off unless you add it to your answer: \+echo \(Echo messages back\); for example")
    host.wait_for(r"Approve connection from .+\? \[y/N\]")
    host.send("y +echo")
    host.wait_for(r"^Approved: the device may use mouse and keyboard; echo messages back\.$")
    page.wait_for_selector("body[data-state=live]", timeout=20_000)
    assert grants(page) == [ALLOWED]
    host.send("deny echo")
    host.wait_for(r"^Echo messages back: not allowed\.$")
    page.wait_for_function("window.Proxim.session.channel('echo') === null", timeout=10_000)


def test_a_plugins_page_script_drives_its_channel(
    display_env: dict[str, str], artifacts: Path, page: Any, tmp_path: Path
) -> None:
    """examples/proxim-hello installed beside Proxim: its script adds a menu section and a panel to the page, and
    greets the desktop over its channel once the host's user allowed it; the console greets the device."""
    site = tmp_path / "site"
    uv = Path(sys.executable).with_name("uv")
    install = [str(uv), "pip", "install", "-q", "--python", sys.executable, "--no-deps", "--target", str(site)]
    subprocess.run([*install, str(EXAMPLE)], check=True, timeout=180, capture_output=True, cwd=tmp_path)
    host = HostProcess(display_env | {"PYTHONPATH": str(site)}, artifacts, "--disable-plugin", "files")
    try:
        page.goto(host.next_link())
        host.wait_for(r"^Also allow, off unless you add it to your answer: \+hello \(Say hello\)")
        host.send("y +hello")
        page.wait_for_selector("body[data-state=live]", timeout=20_000)
        page.click("#menu-toggle")
        page.click("#hello-greet", timeout=10_000)  # the plugin's section shows once its channel is open
        page.wait_for_selector(".plugin-panel:has-text('Hello, desktop!')", timeout=10_000)
        host.send("hello Ada")
        host.wait_for(r"^Sent: Hello from the desktop, Ada!$")
        page.wait_for_selector(".plugin-panel:has-text('Hello from the desktop, Ada!')", timeout=10_000)
    finally:
        host.stop()


def test_the_pairing_window_approves_with_a_plugin_permission(desktop: Desktop, echo_plugins: Path, page: Any) -> None:
    desktop.env["PYSTRAY_BACKEND"] = "xorg"  # a tray without menus: the window opens for each request
    host = TrayHost(desktop, "--plugins-dir", str(echo_plugins), "--pairing-window", "gtk", "--disable-plugin", "files")
    try:
        page.goto(link_of(host))
        page.wait_for_selector("body[data-state=pending]", timeout=10_000)
        box = poll(lambda: desktop.top_level_windows(WINDOW_TITLE), 10, "the window to open for the request")[0]

        # Approve, Approve with commands, View only, Approve with echo messages back, Reject
        def five_buttons() -> list[tuple[int, int]] | None:
            found = button_centres(desktop.screenshot(box))
            return found if len(found) == 5 else None

        buttons = poll(five_buttons, 10, "five buttons")
        desktop.click(box[0] + buttons[3][0], box[1] + buttons[3][1])
        page.wait_for_selector("body[data-state=live]", timeout=20_000)
        assert grants(page) == [ALLOWED]
    finally:
        host.stop()
