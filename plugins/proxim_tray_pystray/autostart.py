"""Start at login: an XDG autostart entry (Linux), a LaunchAgent (macOS) or a Startup-folder script (Windows)."""

from __future__ import annotations

import logging
import os
import plistlib
import sys
from pathlib import Path

logger = logging.getLogger(__name__)

LAUNCH_AGENT_LABEL = "org.proxim.host"


def launch_command(config_file: Path | None = None) -> list[str]:
    """The command that starts this installation's host with its tray, reading ``config_file`` when given (the
    file the running host reads, when it is not the default one)."""
    config = ["--config", str(config_file)] if config_file is not None else []
    return [sys.executable, "-m", "proxim_tray", *config]


def entry_path() -> Path:
    home = Path.home()
    if sys.platform == "darwin":
        return home / "Library" / "LaunchAgents" / f"{LAUNCH_AGENT_LABEL}.plist"
    if sys.platform == "win32":
        startup = Path(os.environ.get("APPDATA", home)) / "Microsoft" / "Windows" / "Start Menu" / "Programs"
        return startup / "Startup" / "Proxim.cmd"
    config_home = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    return config_home / "autostart" / "proxim.desktop"


def entry_text(config_file: Path | None = None) -> str:
    command = launch_command(config_file)
    if sys.platform == "darwin":
        plist = {"Label": LAUNCH_AGENT_LABEL, "ProgramArguments": command, "RunAtLoad": True}
        return plistlib.dumps(plist).decode()
    if sys.platform == "win32":
        pythonw = str(Path(command[0]).with_name("pythonw.exe"))
        config = f' --config "{config_file}"' if config_file is not None else ""
        return f'@start "" "{pythonw}" -m proxim_tray{config}\r\n'
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=Proxim\n"
        "Comment=Share this desktop with a phone\n"
        f"Exec={' '.join(_desktop_quote(part) for part in command)}\n"
        "Terminal=false\n"
        "X-GNOME-Autostart-enabled=true\n"
    )


def is_enabled() -> bool:
    return entry_path().exists()


def set_enabled(enabled: bool, config_file: Path | None = None) -> None:
    path = entry_path()
    try:
        if enabled:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(entry_text(config_file), encoding="utf-8")
            logger.info("Proxim will start at login (%s)", path)
        else:
            path.unlink(missing_ok=True)
            logger.info("Proxim will not start at login (removed %s)", path)
    except OSError as exc:
        logger.error("cannot change starting at login through %s: %s", path, exc)


def _desktop_quote(argument: str) -> str:
    """Quote an argument for a desktop entry's Exec key: the spec's double quotes (not the shell's), then its string
    escaping, which doubles every backslash (a literal backslash ends up as four)."""
    if not any(char in argument for char in " \t\"'\\$`<>~|&;*?#()"):
        return argument
    quoted = "".join("\\" + char if char in '"`$\\' else char for char in argument)
    return '"' + quoted.replace("\\", "\\\\") + '"'
