"""Screen sharing and remote input on Wayland desktops through xdg-desktop-portal (ScreenCast and RemoteDesktop),
with frames from PipeWire through GStreamer."""

from __future__ import annotations

from collections.abc import Callable

from proxim_portal.capture import PortalCaptureSource
from proxim_portal.input import PortalInputBackend
from proxim_tray import CaptureSource, InputBackend, hookimpl
from proxim_tray.config import HostConfig

__version__ = "0.1.0"
NAME = "portal"


@hookimpl
def proxim_register_capture_sources(
    register: Callable[[str, Callable[[HostConfig], CaptureSource]], None],
) -> None:
    register(NAME, lambda config: PortalCaptureSource(with_input=config.input == NAME))


@hookimpl
def proxim_register_input_backends(
    register: Callable[[str, Callable[[HostConfig], InputBackend]], None],
) -> None:
    register(NAME, lambda config: PortalInputBackend())
