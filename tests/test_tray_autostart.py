"""Start at login: the entry each system reads at login, written and removed by the tray's menu item."""

from __future__ import annotations

import configparser
import plistlib
import sys
from pathlib import Path

import pytest
from proxim_tray_pystray import autostart

from proxim_tray import desktop_entry


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("APPDATA", str(tmp_path / "AppData" / "Roaming"))
    return tmp_path


def test_linux_entry_is_an_xdg_autostart_desktop_file(home: Path) -> None:
    autostart.set_enabled(True)
    path = home / "config" / "autostart" / "proxim.desktop"
    assert autostart.is_enabled() and path.exists()
    entry = configparser.ConfigParser(interpolation=None)
    entry.read(path)
    assert entry["Desktop Entry"]["Type"] == "Application"
    assert entry["Desktop Entry"]["Exec"] == f"{sys.executable} -m proxim_tray"
    autostart.set_enabled(False)
    assert not autostart.is_enabled() and not path.exists()


def test_macos_entry_is_a_launch_agent(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    autostart.set_enabled(True)
    path = home / "Library" / "LaunchAgents" / "org.proxim.host.plist"
    agent = plistlib.loads(path.read_bytes())
    assert agent["ProgramArguments"] == [sys.executable, "-m", "proxim_tray"]
    assert agent["RunAtLoad"] is True


def test_windows_entry_is_a_startup_folder_script(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    path = autostart.entry_path()
    assert (
        path
        == home / "AppData" / "Roaming" / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup" / "Proxim.cmd"
    )
    assert "pythonw.exe" in autostart.entry_text() and "-m proxim_tray" in autostart.entry_text()


def test_exec_arguments_are_quoted_for_desktop_entries() -> None:
    assert desktop_entry.quote("/opt/my apps/python") == '"/opt/my apps/python"'
    assert desktop_entry.quote('say "$HOME"') == '"say \\\\"\\\\$HOME\\\\""'
    assert desktop_entry.quote("/usr/bin/python3") == "/usr/bin/python3"


def test_an_unwritable_location_is_logged_not_raised(home: Path, caplog: pytest.LogCaptureFixture) -> None:
    (home / "config").write_text("a file where the directory should be")
    autostart.set_enabled(True)
    assert not autostart.is_enabled()
    assert "cannot change starting at login" in caplog.text
