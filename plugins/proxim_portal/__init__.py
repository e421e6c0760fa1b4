"""Screen sharing and remote input on Wayland desktops through xdg-desktop-portal (ScreenCast and RemoteDesktop),
with frames from PipeWire through GStreamer."""

from __future__ import annotations

from collections.abc import Callable

from proxim_portal.capture import PortalCaptureSource
from proxim_portal.input import PortalInputBackend
from proxim_tray import CaptureSource, Host, HostConfig, InputBackend, hookimpl

__version__ = "0.1.0"
NAME = "portal"


class PortalPlugin:
    """The plugin object (one per host): the running host, to end its session when the desktop stops sharing."""

    def __init__(self) -> None:
        self.host: Host | None = None

    @hookimpl
    def proxim_startup(self, app: Host) -> None:
        self.host = app

    @hookimpl
    def proxim_shutdown(self, app: Host) -> None:
        self.host = None

    def _desktop_stopped_sharing(self) -> None:
        """The desktop closed the portal session (its sharing indicator): end Proxim's session and say why."""
        app = self.host
        if app is None:
            return

        async def end() -> None:
            session = app.sessions.live_session
            if session is not None:
                session.end_message = "the desktop stopped sharing the screen (its sharing indicator was used)"
                await app.sessions.end_session(session, "host_stopped")

        app.call_soon(end())

    @hookimpl
    def proxim_register_capture_sources(
        self, register: Callable[[str, Callable[[HostConfig], CaptureSource]], None]
    ) -> None:
        register(NAME, lambda config: PortalCaptureSource(config.input == NAME, self._desktop_stopped_sharing))

    @hookimpl
    def proxim_register_input_backends(
        self, register: Callable[[str, Callable[[HostConfig], InputBackend]], None]
    ) -> None:
        register(NAME, lambda config: PortalInputBackend())
