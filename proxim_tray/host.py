"""What a plugin sees of the running host: the ``app`` every hook receives, as a protocol."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from proxim_tray.config import HostConfig
    from proxim_tray.pairing import Pairing
    from proxim_tray.permissions import Grant
    from proxim_tray.session import Session, SessionState
    from proxim_tray.tray import Tray


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

    async def stop_session(self) -> bool: ...


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

    def settings(self, plugin: str) -> Mapping[str, Any]:
        """The plugin's declared settings (``proxim_register_settings``), every key present."""

    def audit(self, event: str, **fields: Any) -> None:
        """Hand ``{"event": event, **fields}`` to the audit log (``proxim_audit_record``), from any thread."""
