"""What a plugin sees of the running host: the ``app`` every hook receives, as a protocol."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from proxim_tray.approval import Access
    from proxim_tray.backends import InputBackend
    from proxim_tray.config import HostConfig
    from proxim_tray.console_commands import ConsoleCommandRegistry
    from proxim_tray.pairing import Pairing
    from proxim_tray.permissions import Grant, PermissionRegistry
    from proxim_tray.session import Session, SessionState
    from proxim_tray.tray import MenuItem, Tray


class Sessions(Protocol):
    """The host's one session and its pairing link."""

    @property
    def state(self) -> SessionState: ...

    @property
    def session(self) -> Session | None:
        """The current or last session."""

    @property
    def live_session(self) -> Session | None:
        """The session, unless there is none or it has ended."""

    @property
    def pairing(self) -> Pairing | None: ...

    @property
    def no_link_reason(self) -> str | None:
        """Why no pairing link can be shown (no address answers), for people; None when one is shown."""

    async def stop_session(self) -> bool:
        """The host's user stops sharing; False when nobody is connected."""

    async def new_pairing(self) -> Pairing | None:
        """Retire the pairing link and show a new one (None when no address answers)."""

    def set_permissions(self, permissions: Grant) -> bool:
        """Change the live session's whole grant (on the loop); False when nobody is connected."""

    def set_paused(self, paused: bool) -> bool:
        """Pause or resume sharing (on the loop); False when nothing changed."""


class Host(Protocol):
    """The running host, as hooks receive it (``app``)."""

    @property
    def config(self) -> HostConfig:
        """The settings from the command line and the configuration file; read it, do not change it."""

    @property
    def sessions(self) -> Sessions: ...

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        """The host's event loop, once it runs."""

    @property
    def tray(self) -> Tray | None: ...

    def call_soon(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        """Run a coroutine on the host's loop, from any thread."""

    def request_stop(self) -> None:
        """Ask the host to shut down, from any thread."""

    def grant_soon(self, permissions: Grant) -> None:
        """Change the whole grant of the live session, from any thread."""

    def toggle_permission_soon(self, name: str) -> None:
        """Grant the live session the plugin permission ``name``, or withdraw it if held; from any thread."""

    def set_access_soon(self, level: Access) -> None:
        """Move the live session to an access level, keeping its plugin permissions; from any thread."""

    @property
    def permissions(self) -> PermissionRegistry:
        """The plugin permissions (``optional()``, ``get(name)``, ``label(name)``)."""

    @property
    def console_commands(self) -> ConsoleCommandRegistry:
        """The console commands plugins added (``get(name)``, ``all()``)."""

    def input_backend(self) -> InputBackend:
        """The configured input backend, created on first use (raises ``BackendUnavailable`` with the reason)."""

    def capture_problem(self) -> str | None:
        """Why the configured capture backend cannot work here, or None."""

    def state_changed(self) -> None:
        """Redraw the tray from the host's state; from any thread."""

    def tray_menu_groups(self) -> list[list[MenuItem]]:
        """The tray entries plugins contribute (``proxim_tray_menu_items``): a group per plugin, none empty."""

    async def show_pairing_again(self) -> bool:
        """Ask the pairing displays to show the current link again; False when there is none."""

    def settings(self, plugin: str) -> Mapping[str, Any]:
        """The plugin's declared settings (``proxim_register_settings``), every key present."""

    def audit(self, event: str, **fields: Any) -> None:
        """Hand ``{"event": event, **fields}`` to the audit log (``proxim_audit_record``), from any thread."""
