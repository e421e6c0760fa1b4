"""Screen sharing and remote input on Wayland desktops through xdg-desktop-portal (ScreenCast and RemoteDesktop),
with frames from PipeWire through GStreamer."""

from __future__ import annotations

from collections.abc import Callable

from proxim_portal.capture import PortalCaptureSource
from proxim_portal.input import PortalInputBackend
from proxim_tray import CaptureSource, InputBackend, hookimpl
from proxim_tray.app import App
from proxim_tray.config import HostConfig

__version__ = "0.1.0"
NAME = "portal"


_host: list[App] = []  # the running host, to end its session when the desktop stops sharing


@hookimpl
def proxim_startup(app: App) -> None:
    _host[:] = [app]


@hookimpl
def proxim_shutdown(app: App) -> None:
    _host.clear()


def _desktop_stopped_sharing() -> None:
    """The desktop closed the portal session (its sharing indicator): end Proxim's session and say why."""
    if not _host:
        return
    app = _host[0]

    async def end() -> None:
        session = app.sessions.live_session
        if session is not None:
            session.end_message = "the desktop stopped sharing the screen (its sharing indicator was used)"
            await app.sessions.end_session(session, "host_stopped")

    app.call_soon(end())


@hookimpl
def proxim_register_capture_sources(
    register: Callable[[str, Callable[[HostConfig], CaptureSource]], None],
) -> None:
    register(NAME, lambda config: PortalCaptureSource(config.input == NAME, _desktop_stopped_sharing))


@hookimpl
def proxim_register_input_backends(
    register: Callable[[str, Callable[[HostConfig], InputBackend]], None],
) -> None:
    register(NAME, lambda config: PortalInputBackend())
