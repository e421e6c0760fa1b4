"""Start at login: the entry each system reads at login, written and removed by the tray's menu item."""

from __future__ import annotations

import configparser
import json
import os
import plistlib
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from proxim_tray_pystray import autostart

from proxim_tray import configfile


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
    assert autostart._desktop_quote("/opt/my apps/python") == '"/opt/my apps/python"'
    assert autostart._desktop_quote('say "$HOME"') == '"say \\\\"\\\\$HOME\\\\""'
    assert autostart._desktop_quote("/usr/bin/python3") == "/usr/bin/python3"


def test_an_unwritable_location_is_logged_not_raised(home: Path, caplog: pytest.LogCaptureFixture) -> None:
    (home / "config").write_text("a file where the directory should be")
    autostart.set_enabled(True)
    assert not autostart.is_enabled()
    assert "cannot change starting at login" in caplog.text


def test_at_login_the_host_reads_the_configuration_file_this_one_reads(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A host started with PROXIM_CONFIG (or --config) writes an entry that names its file; started from that entry
    (without the variable), Proxim reads it: here, a plugin the file disables is not loaded."""
    custom = tmp_path / "elsewhere" / "proxim.toml"
    custom.parent.mkdir()
    custom.write_text('disable_plugin = ["qr"]\n')
    monkeypatch.setenv("PROXIM_CONFIG", str(custom))
    autostart.set_enabled(True, configfile.chosen_path(None))
    entry = configparser.ConfigParser(interpolation=None)
    entry.read(home / "config" / "autostart" / "proxim.desktop")
    command = shlex.split(entry["Desktop Entry"]["Exec"])
    assert command == [sys.executable, "-m", "proxim_tray", "--config", str(custom)]
    monkeypatch.delenv("PROXIM_CONFIG")
    env = {key: value for key, value in os.environ.items() if key not in ("DISPLAY", "WAYLAND_DISPLAY")}
    listed = subprocess.run([*command, "plugins", "--json"], env=env, capture_output=True, text=True, timeout=60)
    names = {plugin["name"] for plugin in json.loads(listed.stdout)["plugins"]}
    assert "signaling" in names and "qr" not in names
    monkeypatch.setenv("PROXIM_CONFIG", str(configfile.platform_path()))
    assert configfile.chosen_path(None) is None  # the platform's own file needs no --config
