"""One host per user and port: a second launch hands over to the running host; ``proxim show`` and ``proxim stop``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.support.desktop import Desktop, TrayHost, desktop_fixture, host_fixture, link_of, poll, proxim_command
from tests.test_qrwindow import TITLE, window_code

desktop = desktop_fixture()
host = host_fixture()


def test_second_launch_hands_over_and_the_running_host_shows_its_qr(desktop: Desktop, host: TrayHost) -> None:
    link = link_of(host)
    second = proxim_command(desktop, "host", "--port", str(host.port), "--bind", "127.0.0.1")
    assert second.returncode == 0, second.stderr
    assert f"Proxim is already running on port {host.port}" in second.stdout
    assert window_code(desktop) == link
    assert host.proc.poll() is None


def test_stop_and_show_commands_reach_the_running_host(desktop: Desktop, host: TrayHost, page: Any) -> None:
    page.goto(link_of(host))
    page.wait_for_selector("body[data-state=pending]", timeout=10_000)
    busy = proxim_command(desktop, "show", "--port", str(host.port))
    assert busy.returncode == 1 and "in a session" in busy.stdout
    stopped = proxim_command(desktop, "stop", "--port", str(host.port))
    assert stopped.returncode == 0 and 'stopped sharing with "Chrome on Linux"' in stopped.stdout, stopped
    page.wait_for_selector("body[data-state=ended]", timeout=10_000)
    assert "nobody was connected" in proxim_command(desktop, "stop", "--port", str(host.port)).stdout
    shown = proxim_command(desktop, "show", "--port", str(host.port))
    assert shown.returncode == 0, shown
    poll(lambda: desktop.top_level_windows(TITLE), 10, "the pairing window")


def test_commands_without_a_host_say_how_to_start_one(desktop: Desktop) -> None:
    result = proxim_command(desktop, "stop", "--port", "1")
    assert result.returncode == 1
    assert "no Proxim host is running on port 1" in result.stderr


def test_the_socket_goes_with_the_host(desktop: Desktop, host: TrayHost) -> None:
    link_of(host)
    socket_file = Path(desktop.env["XDG_RUNTIME_DIR"]) / "proxim" / f"host-{host.port}.sock"
    assert socket_file.exists()
    assert host.stop() == 0
    assert not socket_file.exists()


def test_a_second_launch_reprints_the_qr_code_of_a_console_host(start_host: Any, display_env: dict[str, str]) -> None:
    host = start_host()
    link = host.next_link()
    second = subprocess.run(
        [sys.executable, "-m", "proxim_tray", "host", "--no-tray", "--port", str(host.port)],
        env=display_env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert second.returncode == 0, second.stderr
    assert "already running" in second.stdout
    assert host.next_link() == link
