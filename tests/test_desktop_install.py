"""``proxim install-desktop``: the menu entry and icons a desktop shows, for the current user, and their removal."""

from __future__ import annotations

import configparser
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from PIL import Image
from proxim_tray_pystray import autostart
from proxim_tray_pystray.drawing import draw_icon
from proxim_tray_pystray.states import TrayState

from proxim_tray import artwork, desktop_install
from tests.support.processes import child_env


def proxim(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = child_env(HOME=str(home), XDG_DATA_HOME=str(home / "share"), XDG_CONFIG_HOME=str(home / "config"))
    return subprocess.run(
        [sys.executable, "-m", "proxim_tray", *args], env=env, capture_output=True, text=True, check=True, timeout=60
    )


def validate(entry: Path) -> None:
    result = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout


def exec_line(entry: Path) -> list[str]:
    parsed = configparser.ConfigParser(interpolation=None)
    parsed.read(entry)
    return shlex.split(parsed["Desktop Entry"]["Exec"])


def test_the_menu_entry_and_icons_are_installed_valid_and_removed(tmp_path: Path) -> None:
    said = proxim(tmp_path, "install-desktop").stdout
    entry = tmp_path / "share" / "applications" / "proxim.desktop"
    assert f"Proxim is in the applications menu: {entry}" in said
    validate(entry)
    # the entry starts this installation's Proxim
    started = subprocess.run([*exec_line(entry), "--version"], capture_output=True, text=True, check=True)
    assert started.stdout.startswith("proxim ")

    icons = tmp_path / "share" / "icons" / "hicolor"
    for size in desktop_install.ICON_SIZES:
        with Image.open(icons / f"{size}x{size}" / "apps" / "proxim.png") as png:
            assert png.size == (size, size)
    with Image.open(icons / "64x64" / "apps" / "proxim.png") as png:
        assert png.tobytes() == draw_icon(TrayState.READY).tobytes(), "the tray's picture, in its ready colour"
    svg = ElementTree.parse(icons / "scalable" / "apps" / "proxim.svg").getroot()
    assert svg.get("viewBox") == "0 0 64 64"
    assert svg[0].get("fill") == "#{:02x}{:02x}{:02x}".format(*artwork.APP_COLOUR)

    said = proxim(tmp_path, "install-desktop", "--remove").stdout
    assert said.startswith(f"Removed {len(desktop_install.ICON_SIZES) + 2} files")
    assert not [path for path in (tmp_path / "share").rglob("*") if path.is_file()]


def test_the_autostart_entry_is_valid_and_uses_the_same_launcher(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    autostart.set_enabled(True)
    desktop_install.install(desktop_install.user_data_dir())
    login_entry = tmp_path / "config" / "autostart" / "proxim.desktop"
    validate(login_entry)
    assert exec_line(login_entry) == exec_line(tmp_path / "share" / "applications" / "proxim.desktop")
