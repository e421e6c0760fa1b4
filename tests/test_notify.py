"""Actionable notifications through a notification server on a private session bus (a real D-Bus peer)."""

from __future__ import annotations

import asyncio
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from proxim_tray.client import ProximClient
from tests.support.desktop import (
    Desktop,
    NotificationServer,
    TrayHost,
    desktop_fixture,
    host_fixture,
    link_of,
    poll,
    port_is_free,
    save_screenshot,
)
from tests.support.hostkit import CONTROLS, HOSTILE_NAME

desktop = desktop_fixture()
host = host_fixture()


def notices(desktop: Desktop) -> NotificationServer:
    """The notification server on the test desktop's bus (this module's desktop always has one)."""
    assert desktop.notifications is not None
    return desktop.notifications


def request_notification(desktop: Desktop, host: TrayHost, page: Any) -> dict[str, Any]:
    page.goto(link_of(host))
    page.wait_for_selector("body[data-state=pending]", timeout=10_000)
    notification = notices(desktop).next("notify")
    while notification["summary"].startswith("Session with "):  # the end notice of an earlier test's host, late
        notification = notices(desktop).next("notify")
    code = page.inner_text("#code").replace(" ", "")
    assert notification["summary"].endswith("asks to control this desktop")
    assert "From 127.0.0.1" in notification["body"]
    assert f"{code[:3]} {code[3:]}" in notification["body"]
    assert notification["urgency"] == 2
    return notification


def button(notification: dict[str, Any], title: str) -> str:
    return str(next(key for key, text in notification["actions"].items() if text == title))


def test_approve_button_approves_and_sigterm_ends_cleanly(desktop: Desktop, host: TrayHost, page: Any) -> None:
    notification = request_notification(desktop, host, page)
    assert set(notification["actions"].values()) >= {"Approve", "Approve with commands", "View only", "Reject"}
    notices(desktop).invoke(notification["id"], button(notification, "Approve"))
    page.wait_for_selector("body[data-state=live]", timeout=20_000)
    started = notices(desktop).next("notify")
    assert started["summary"].endswith("sees and controls this desktop")

    begun = time.monotonic()
    host.proc.send_signal(signal.SIGTERM)
    assert host.proc.wait(5) == 0
    assert time.monotonic() - begun < 2.0
    assert port_is_free(host.port)
    page.wait_for_selector("body[data-state=ended]", timeout=5_000)


def test_commands_are_granted_from_notifications(desktop: Desktop, host: TrayHost, page: Any) -> None:
    """At approval, and during the session from the notification that says it started."""
    notification = request_notification(desktop, host, page)
    notices(desktop).invoke(notification["id"], button(notification, "Approve with commands"))
    page.wait_for_selector("body[data-state=live]", timeout=20_000)
    page.click("#menu-toggle")
    page.wait_for_selector("#commands-section", state="visible", timeout=10_000)
    started = notices(desktop).next("notify")
    assert set(started["actions"].values()) >= {"Control", "View only"}
    notices(desktop).invoke(started["id"], button(started, "View only"))
    page.wait_for_selector("#commands-section", state="hidden", timeout=10_000)
    page.wait_for_selector("#view-only", state="visible", timeout=10_000)


def test_reject_button_rejects(desktop: Desktop, host: TrayHost, page: Any) -> None:
    notification = request_notification(desktop, host, page)
    notices(desktop).invoke(notification["id"], button(notification, "Reject"))
    page.wait_for_selector("body[data-state=rejected]", timeout=10_000)


def test_view_only_button_grants_viewing_only(desktop: Desktop, host: TrayHost, page: Any) -> None:
    notification = request_notification(desktop, host, page)
    notices(desktop).invoke(notification["id"], button(notification, "View only"))
    page.wait_for_selector("body[data-state=live]", timeout=20_000)
    page.wait_for_selector("#view-only", state="visible", timeout=10_000)
    assert notices(desktop).next("notify")["summary"].endswith(" sees this desktop")
    page.click("#disconnect")
    ended = notices(desktop).next("notify")
    assert ended["summary"].startswith("Session with ") and "disconnected" in ended["body"]


def test_request_notification_is_withdrawn_when_the_device_leaves(desktop: Desktop, host: TrayHost, page: Any) -> None:
    notification = request_notification(desktop, host, page)
    page.goto("about:blank")
    assert notices(desktop).next("close")["id"] == notification["id"]


def test_a_real_daemon_shows_the_request(tmp_path: Path, page: Any, artifacts: Path) -> None:
    desktop = Desktop(tmp_path, notification_daemon="dunst")
    try:
        desktop.env["PYSTRAY_BACKEND"] = "gtk"
        host = TrayHost(desktop)
        try:
            before = set(desktop.popups())
            page.goto(link_of(host))
            page.wait_for_selector("body[data-state=pending]", timeout=10_000)
            bubble = poll(lambda: set(desktop.popups()) - before, 10, "dunst to show the notification").pop()
            shot = desktop.screenshot(bubble)
            assert len(shot.getcolors(maxcolors=1 << 16) or []) > 8, "the notification has text"
            save_screenshot(shot, artifacts, "notification.png")
        finally:
            host.stop()
    finally:
        desktop.close()


def test_without_buttons_the_notification_points_to_the_tray(tmp_path: Path, page: Any) -> None:
    desktop = Desktop(tmp_path, notification_daemon="recorder --no-actions")
    try:
        desktop.env["PYSTRAY_BACKEND"] = "gtk"
        host = TrayHost(desktop)
        try:
            page.goto(link_of(host))
            notification = notices(desktop).next("notify")
            assert notification["summary"].endswith("asks to control this desktop")
            assert "Approve or reject from the Proxim tray icon" in notification["body"]
            assert set(notification["actions"]) <= {"default"}
        finally:
            host.stop()
    finally:
        desktop.close()


def test_a_hostile_device_name_is_quoted_and_without_controls(desktop: Desktop, host: TrayHost) -> None:
    async def ask() -> dict[str, Any]:
        client = ProximClient(link_of(host), device_name=HOSTILE_NAME)
        await client.start()
        try:
            await client.expect("pending")
            return await asyncio.get_running_loop().run_in_executor(None, notices(desktop).next, "notify")
        finally:
            await client.close()

    # on a thread of its own: the Playwright tests of this module leave an event loop running on this one
    with ThreadPoolExecutor(1) as thread:
        notification = thread.submit(asyncio.run, ask()).result(timeout=30)
    summary = notification["summary"]
    assert summary.startswith('"') and "Pixel" in summary, summary
    assert not any(c in summary + notification["body"] for c in CONTROLS), notification
