"""Locking the screen: through systemd-logind when the host runs in a login session, else xdg-screensaver."""

from __future__ import annotations

import os
import shutil
import subprocess

from proxim_tray import Command, CommandContext

TIMEOUT_SECONDS = 5.0


def _lock_command() -> list[str] | None:
    if os.environ.get("XDG_SESSION_ID") and shutil.which("loginctl"):
        return ["loginctl", "lock-session", os.environ["XDG_SESSION_ID"]]
    if os.environ.get("DISPLAY") and os.environ.get("XDG_CURRENT_DESKTOP") and shutil.which("xdg-screensaver"):
        return ["xdg-screensaver", "lock"]
    return None


def _lock(context: CommandContext) -> None:
    argv = _lock_command()
    if argv is None:
        raise RuntimeError("no way to lock this session (neither a logind session nor xdg-screensaver)")
    result = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed: {result.stderr.strip() or f'exit status {result.returncode}'}")


LOCK_SCREEN = Command("lock_screen", "Lock the screen", _lock, available=lambda: _lock_command() is not None)
