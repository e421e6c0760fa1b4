"""System commands on Linux: lock the screen, media and volume keys, and the clipboard."""

from __future__ import annotations

from collections.abc import Callable

from proxim_commands_linux.clipboard import CLIPBOARD_COMMANDS
from proxim_commands_linux.media import MEDIA_COMMANDS
from proxim_commands_linux.session import LOCK_SCREEN
from proxim_tray import Command, hookimpl

__version__ = "0.1.0"


@hookimpl
def proxim_register_commands(register: Callable[[Command], None]) -> None:
    for command in (LOCK_SCREEN, *MEDIA_COMMANDS, *CLIPBOARD_COMMANDS):
        register(command)
