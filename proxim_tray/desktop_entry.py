"""The command that starts this installation's host, and the XDG desktop entry that runs it: one launcher for the
menu entry (``proxim install-desktop``) and the autostart entry (the tray's *Start at login*)."""

from __future__ import annotations

import sys

ICON_NAME = "proxim"
COMMENT = "Share this desktop with your phone, peer to peer"


def launch_command() -> list[str]:
    """This installation's host with its tray: the frozen executable itself, or this Python running the package."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "proxim_tray"]


def entry_text(command: list[str] | None = None, autostart: bool = False) -> str:
    exec_line = " ".join(quote(part) for part in command or launch_command())
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=Proxim\n"
        "GenericName=Remote desktop\n"
        f"Comment={COMMENT}\n"
        f"Exec={exec_line}\n"
        f"Icon={ICON_NAME}\n"
        "Terminal=false\n"
        "Categories=Network;RemoteAccess;\n"
        "Keywords=remote;desktop;phone;screen;share;VNC;\n" + ("X-GNOME-Autostart-enabled=true\n" if autostart else "")
    )


def quote(argument: str) -> str:
    """Quote an argument for a desktop entry's Exec key: the spec's double quotes (not the shell's), then its string
    escaping, which doubles every backslash (a literal backslash ends up as four)."""
    if not any(char in argument for char in " \t\"'\\$`<>~|&;*?#()"):
        return argument
    quoted = "".join("\\" + char if char in '"`$\\' else char for char in argument)
    return '"' + quoted.replace("\\", "\\\\") + '"'
