"""The host application: configuration, plugins, backends, the session, and the event loop's life."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from types import MappingProxyType
from typing import Any

from proxim_tray import hookspecs, memory
from proxim_tray.approval import Access, toggled, with_access
from proxim_tray.backends import BackendRegistry, CaptureSource, InputBackend
from proxim_tray.channels import ChannelRegistry
from proxim_tray.commands import CommandRegistry
from proxim_tray.config import HostConfig
from proxim_tray.console_commands import ConsoleCommandRegistry
from proxim_tray.errors import BackendUnavailable
from proxim_tray.links import Links
from proxim_tray.permissions import Grant, PermissionRegistry
from proxim_tray.plugins import PluginHost
from proxim_tray.session import SessionManager
from proxim_tray.tray import MenuItem, Tray
from proxim_tray.webassets import WebAssetRegistry

logger = logging.getLogger(__name__)


class App:
    """One running host. Plugins receive it in every hook; it is the way back into the host."""

    def __init__(self, config: HostConfig, plugins: PluginHost) -> None:
        self.config = config
        self.plugins = plugins
        self.capture_sources: BackendRegistry[CaptureSource] = BackendRegistry("capture")
        self.input_backends: BackendRegistry[InputBackend] = BackendRegistry("input")
        plugins.call_sync(hookspecs.proxim_register_capture_sources, register=self.capture_sources.register)
        plugins.call_sync(hookspecs.proxim_register_input_backends, register=self.input_backends.register)
        self.commands = CommandRegistry()
        plugins.call_sync(hookspecs.proxim_register_commands, register=self.commands.register)
        self.permissions = PermissionRegistry()
        plugins.call_sync(hookspecs.proxim_register_permissions, register=self.permissions.register)
        self.channels = ChannelRegistry()
        plugins.call_sync(hookspecs.proxim_register_channels, register=self.channels.register)
        self.console_commands = ConsoleCommandRegistry()
        plugins.call_sync(hookspecs.proxim_register_console_commands, register=self.console_commands.register)
        self.web_assets = WebAssetRegistry()
        plugins.call_sync(hookspecs.proxim_register_web_assets, register=self.web_assets.register)
        # every declared setting has a value: the parsed one (cli.py puts them here), else its default
        for plugin, values in plugins.settings().defaults().items():
            config.plugin_settings.setdefault(plugin, values)
        self.sessions = SessionManager(self)
        self.tray: Tray | None = None
        # set by the signaling plugin once it listens: finds the links that answer (see links.py)
        self.find_links: Callable[[], Awaitable[Links]] | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._input: InputBackend | None = None
        self._input_lock = threading.Lock()

    def input_backend(self) -> InputBackend:
        """The configured input backend, created on first use (raises BackendUnavailable with the reason)."""
        with self._input_lock:
            if self._input is None:
                self._input = self.input_backends.create(self.config.input, self.config)
            return self._input

    async def run(self) -> int:
        """Run until :meth:`request_stop`; return the process exit status."""
        self.loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        memory.cap_arenas()
        await self.plugins.call(hookspecs.proxim_startup, app=self)
        try:
            if self.find_links is None:
                logger.error("the signaling server did not start (see the errors above); stopping")
                return 1
            await self.sessions.new_pairing()
            await self._stop.wait()
            return 0
        finally:
            await self.sessions.close()
            await self.plugins.call(hookspecs.proxim_shutdown, app=self)
            if self._input is not None:
                self._input.close()

    def request_stop(self) -> None:
        """Ask the host to shut down; safe from any thread."""
        loop, stop = self.loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stop.set)

    def call_soon(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        """Run a coroutine on the host's loop; for callbacks that run on other threads (tray, stdin)."""
        if self.loop is None or self.loop.is_closed():
            coroutine.close()
            return
        asyncio.run_coroutine_threadsafe(coroutine, self.loop)

    def grant_soon(self, permissions: Grant) -> None:
        """Change what the live session may do, from any thread (tray, notification and window callbacks)."""
        self._change_grant_soon(lambda current: permissions)

    def set_access_soon(self, level: Access) -> None:
        """Move the live session to an access level, keeping the plugin permissions it holds; from any thread."""
        self._change_grant_soon(lambda current: with_access(current, level))

    def toggle_permission_soon(self, name: str) -> None:
        """Grant the live session the plugin permission ``name``, or withdraw it if held; from any thread."""
        self._change_grant_soon(lambda current: toggled(current, name))

    def _change_grant_soon(self, change: Callable[[Grant], Grant]) -> None:
        async def apply() -> None:
            session = self.sessions.live_session
            if session is not None:
                self.sessions.set_permissions(self.permissions.known(change(session.permissions)))

        self.call_soon(apply())

    def settings(self, plugin: str) -> Mapping[str, Any]:
        """The plugin's declared settings, every key present (empty for a plugin that declares none)."""
        values = self.config.plugin_settings.get(plugin)
        return values if isinstance(values, Mapping) else MappingProxyType({})

    def audit(self, event: str, **fields: Any) -> None:
        """Hand a record to the audit log's plugins, from any thread."""
        record = {"event": event, **fields}
        self.call_soon(self.plugins.call(hookspecs.proxim_audit_record, app=self, record=record))

    def capture_problem(self) -> str | None:
        """Why the configured capture backend cannot work here, or None."""
        try:
            capture = self.capture_sources.create(self.config.capture, self.config)
        except BackendUnavailable as exc:
            return str(exc)
        try:
            return capture.unavailable_reason()
        finally:
            capture.close()

    def tray_menu_groups(self) -> list[list[MenuItem]]:
        return [group for group in self.plugins.call_sync(hookspecs.proxim_tray_menu_items, app=self) if group]

    async def show_pairing_again(self) -> bool:
        pairing = self.sessions.pairing
        if pairing is None:
            return False
        await self.plugins.call(hookspecs.proxim_show_pairing, app=self, pairing=pairing)
        return True

    def state_changed(self) -> None:
        if self.tray is not None:
            self.tray.refresh()
