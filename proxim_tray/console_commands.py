"""Commands a plugin adds to the terminal while the host runs in console mode (``proxim_register_console_commands``)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from proxim_tray.host import Host

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConsoleCommand:
    """``name`` is the first word typed; ``run(host, rest)`` gets the rest of the line as typed (case and inner spaces
    kept, ends stripped) and says what happened with ``print``."""

    name: str
    usage: str
    help: str
    run: Callable[[Host, str], Awaitable[None] | None]


class ConsoleCommandRegistry:
    def __init__(self) -> None:
        self._commands: dict[str, ConsoleCommand] = {}

    def register(self, command: ConsoleCommand) -> None:
        name = command.name.lower()
        if not name or name.split() != [name]:
            raise ValueError(f"a console command is one word, not {command.name!r}")
        if name in self._commands:
            logger.warning("console command %r registered twice; keeping the last", name)
        self._commands[name] = command

    def get(self, name: str) -> ConsoleCommand | None:
        return self._commands.get(name.lower())

    def all(self) -> list[ConsoleCommand]:
        return list(self._commands.values())
