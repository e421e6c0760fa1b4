"""Start at login: an XDG autostart entry (Linux), a LaunchAgent (macOS) or a Startup-folder script (Windows)."""

from __future__ import annotations

import logging
import os
import plistlib
import sys
from pathlib import Path

from proxim_tray.desktop_entry import entry_text as desktop_entry_text
from proxim_tray.desktop_entry import launch_command

logger = logging.getLogger(__name__)

LAUNCH_AGENT_LABEL = "org.proxim.host"


def entry_path() -> Path:
    home = Path.home()
    if sys.platform == "darwin":
        return home / "Library" / "LaunchAgents" / f"{LAUNCH_AGENT_LABEL}.plist"
    if sys.platform == "win32":
        startup = Path(os.environ.get("APPDATA", home)) / "Microsoft" / "Windows" / "Start Menu" / "Programs"
        return startup / "Startup" / "Proxim.cmd"
    config_home = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    return config_home / "autostart" / "proxim.desktop"


def entry_text() -> str:
    command = launch_command()
    if sys.platform == "darwin":
        plist = {"Label": LAUNCH_AGENT_LABEL, "ProgramArguments": command, "RunAtLoad": True}
        return plistlib.dumps(plist).decode()
    if sys.platform == "win32":
        if len(command) == 1:  # a frozen build: its own executable
            return f'@start "" "{command[0]}"\r\n'
        pythonw = str(Path(command[0]).with_name("pythonw.exe"))
        return f'@start "" "{pythonw}" -m proxim_tray\r\n'
    return desktop_entry_text(command, autostart=True)


def is_enabled() -> bool:
    return entry_path().exists()


def set_enabled(enabled: bool) -> None:
    path = entry_path()
    try:
        if enabled:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(entry_text(), encoding="utf-8")
            logger.info("Proxim will start at login (%s)", path)
        else:
            path.unlink(missing_ok=True)
            logger.info("Proxim will not start at login (removed %s)", path)
    except OSError as exc:
        logger.error("cannot change starting at login through %s: %s", path, exc)
