"""An approval request: a client waits while the host's user decides."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field

from proxim_tray.permissions import Grant, Permission, PermissionSpec

VIEW_ONLY = frozenset({Permission.VIEW})
FULL_CONTROL = frozenset({Permission.VIEW, Permission.CONTROL})
WITH_COMMANDS = FULL_CONTROL | {Permission.COMMANDS}


@dataclass(frozen=True)
class Access:
    """What the host's user can give a session, at approval and during it. Every surface offers exactly
    :data:`ACCESS_LEVELS`, in that order: a request's buttons and menu entries say ``button`` (the console prompt takes
    ``answer``), a running session's say ``label`` (the console takes ``command``)."""

    button: str
    label: str
    answer: str
    command: str
    effect: str
    permissions: Grant


ACCESS_LEVELS = (
    Access("Approve", "Control", "y", "control", "the device may use mouse and keyboard", FULL_CONTROL),
    Access(
        "Approve with commands",
        "Control and commands",
        "c",
        "commands",
        "the device may use mouse and keyboard, system commands and the clipboard",
        WITH_COMMANDS,
    ),
    Access("View only", "View only", "v", "view only", "remote input is refused", VIEW_ONLY),
)


def access_of(permissions: Grant) -> Access | None:
    """The level ``permissions`` hold, plugin permissions aside (None for a mix no surface offers)."""
    built_in = frozenset(permissions) & set(Permission)
    return next((level for level in ACCESS_LEVELS if level.permissions == built_in), None)


def with_access(permissions: Grant, level: Access) -> Grant:
    """``permissions`` moved to ``level``, keeping the plugin permissions they hold."""
    return level.permissions | (frozenset(permissions) - set(Permission))


def toggled(permissions: Grant, name: str) -> Grant:
    """``permissions`` with the plugin permission ``name`` added, or removed if they held it."""
    permissions = frozenset(permissions)
    return permissions - {name} if name in permissions else permissions | {name}


@dataclass(frozen=True)
class DeviceInfo:
    """Who asks: the name the client declared, what its User-Agent says, and where it connects from."""

    name: str
    address: str
    user_agent: str = ""
    system: str = "unknown"
    browser: str = "unknown"

    @property
    def quoted_name(self) -> str:
        """The name in double quotes, as every surface shows it: what the client chose is told apart from the host's
        own words (the name itself holds no control characters, see ``protocol.printable_name``)."""
        return json.dumps(self.name, ensure_ascii=False)

    def describe(self) -> str:
        return f"{self.quoted_name} ({self.address})"

    def details(self) -> str:
        return f"{self.browser} on {self.system}, address {self.address}"


@dataclass(frozen=True)
class PairingAttempt:
    """A client presented a pairing link (see the ``proxim_pairing_attempt`` hook)."""

    address: str
    device_name: str
    user_agent: str
    outcome: str


@dataclass
class Decision:
    approved: bool
    permissions: Grant
    by: str


@dataclass
class ApprovalRequest:
    """Shown by every approval surface; the first ``approve`` or ``reject`` wins, later calls are ignored."""

    device: DeviceInfo
    code: str
    timeout: float
    # the plugin permissions a surface offers as extra, unticked choices
    optional: tuple[PermissionSpec, ...] = ()
    deadline: float = field(init=False)
    # the plugin permissions of ``optional`` the host's user has ticked so far, shared by every surface
    ticked: set[str] = field(init=False, default_factory=set)
    _future: asyncio.Future[Decision] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.deadline = time.monotonic() + self.timeout
        self._future = asyncio.get_running_loop().create_future()

    def seconds_left(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    @property
    def is_decided(self) -> bool:
        return self._future.done()

    def tick(self, name: str) -> None:
        """Tick the plugin permission ``name`` (one of ``optional``), or untick it; from any thread."""
        if name in self.ticked:
            self.ticked.discard(name)
        elif any(spec.name == name for spec in self.optional):
            self.ticked.add(name)

    def approve(self, permissions: Grant = FULL_CONTROL, by: str = "") -> bool:
        """Grant ``permissions`` (an access level's, plus any of ``optional`` the user ticked); others are dropped."""
        offered = set(Permission) | {spec.name for spec in self.optional}
        return self._decide(Decision(True, (frozenset(permissions) & offered) | {Permission.VIEW}, by))

    def reject(self, by: str = "") -> bool:
        return self._decide(Decision(False, frozenset(), by))

    def _decide(self, decision: Decision) -> bool:
        """Record the decision; thread-safe, returns False if another surface already decided."""
        loop = self._future.get_loop()
        if self._future.done():
            return False
        loop.call_soon_threadsafe(self._set, decision)
        return True

    def _set(self, decision: Decision) -> None:
        if not self._future.done():
            self._future.set_result(decision)

    def cancel(self) -> None:
        if not self._future.done():
            self._future.cancel()

    async def decided(self) -> Decision:
        """Wait for the decision (a cancelled request raises ``asyncio.CancelledError``)."""
        return await asyncio.shield(self._future)
