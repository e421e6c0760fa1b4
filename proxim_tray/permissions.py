"""What a session may do: the built-in permissions and those plugins declare, in one open registry.

A grant is a set of permission names (``frozenset[str]``; the built-in ``Permission`` members are strings too). The
built-in ones are granted through the access levels every approval surface offers (see ``approval.ACCESS_LEVELS``);
a plugin's is off unless the host's user ticks it, at approval or during the session.
"""

from __future__ import annotations

import enum
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

logger = logging.getLogger(__name__)

Grant = frozenset[str]


class Permission(enum.StrEnum):
    VIEW = "view"
    CONTROL = "control"
    COMMANDS = "commands"


_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")


@dataclass(frozen=True)
class PermissionSpec:
    """A permission a plugin declares: ``name`` travels in messages and logs, ``label`` is what surfaces show."""

    name: str
    label: str
    description: str = ""


class PermissionRegistry:
    """The plugin permissions registered through ``proxim_register_permissions``, in registration order."""

    def __init__(self) -> None:
        self._specs: dict[str, PermissionSpec] = {}

    def register(self, spec: PermissionSpec) -> None:
        if not _NAME.fullmatch(spec.name):
            raise ValueError(f"permission name {spec.name!r}: use 1-32 lower-case letters, digits and _")
        if spec.name in set(Permission):
            raise ValueError(f"permission {spec.name!r} is built in")
        if spec.name in self._specs:
            logger.warning("permission %r registered twice; keeping the last", spec.name)
        self._specs[spec.name] = spec

    def optional(self) -> tuple[PermissionSpec, ...]:
        """The plugin permissions a surface offers as extra, unticked choices."""
        return tuple(self._specs.values())

    def get(self, name: str) -> PermissionSpec | None:
        return self._specs.get(name)

    def known(self, names: Iterable[str]) -> Grant:
        """``names`` without those nobody declared (a surface or a stale setting may name one that is gone)."""
        return frozenset(name for name in names if name in set(Permission) or name in self._specs)

    def label(self, name: str) -> str:
        spec = self._specs.get(name)
        return spec.label if spec is not None else name
