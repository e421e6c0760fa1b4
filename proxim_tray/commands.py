"""System commands a client may run by name (lock the screen, media keys, clipboard), registered by plugins."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from proxim_tray.backends import InputBackend
from proxim_tray.permissions import Permission

logger = logging.getLogger(__name__)

# The clipboard travels in its own messages (``clip_get``, ``clip_set``), not through ``cmd``; a plugin provides it by
# registering commands under these names.
CLIPBOARD_GET = "clipboard_get"
CLIPBOARD_SET = "clipboard_set"
CLIPBOARD_COMMANDS = (CLIPBOARD_GET, CLIPBOARD_SET)


@dataclass(frozen=True)
class CommandContext:
    """What a command gets when it runs: the session's input backend, for ``clipboard_set`` the text, and whether the
    session may type (holds ``control``): a command that types beyond its own keys, like the paste after
    ``clipboard_set``, does so only then."""

    input: InputBackend
    text: str = ""
    may_type: bool = False


def _always() -> bool:
    return True


@dataclass(frozen=True)
class Command:
    """A named action. ``run`` blocks (it is called on the session's input thread) and returns text for
    ``clipboard_get``, None otherwise; ``available`` says whether it can work on this machine right now."""

    name: str
    label: str
    run: Callable[[CommandContext], str | None]
    permission: Permission = Permission.COMMANDS
    available: Callable[[], bool] = _always


class CommandRegistry:
    """Commands registered through ``proxim_register_commands``; only available ones are offered to clients."""

    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}

    def register(self, command: Command) -> None:
        if command.name in self._commands:
            logger.warning("command %r registered twice; keeping the last", command.name)
        self._commands[command.name] = command

    def get(self, name: str) -> Command | None:
        return self._commands.get(name)

    def available(self) -> list[Command]:
        """Every command that can work here now, checked once per call (availability checks may probe the system)."""
        usable = []
        for command in self._commands.values():
            try:
                ok = command.available()
            except Exception:
                logger.exception("availability check of command %r failed", command.name)
                ok = False
            if ok:
                usable.append(command)
        return usable
