"""What the desktop offers for sharing through its portal, and what is missing, said so a person can act on it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from proxim_portal.dbus import REMOTE_DESKTOP, SCREENCAST, Portal
from proxim_tray.errors import BackendUnavailable

INSTALL_PORTAL = "install xdg-desktop-portal and your desktop's backend (xdg-desktop-portal-gnome, -kde or -wlr)"


@dataclass(frozen=True)
class Offer:
    screencast: int  # interface versions; 0: not offered
    remote_desktop: int

    def describe(self) -> str:
        parts = [f"ScreenCast v{self.screencast}"]
        parts.append(f"RemoteDesktop v{self.remote_desktop}" if self.remote_desktop else "no RemoteDesktop")
        return f"xdg-desktop-portal ({', '.join(parts)}), PipeWire running"


def pipewire_running() -> bool:
    remote = Path(os.environ.get("PIPEWIRE_REMOTE", "pipewire-0"))
    if not remote.is_absolute():
        remote = Path(os.environ.get("XDG_RUNTIME_DIR", "/nonexistent")) / remote
    return remote.exists()


def _version(portal: Portal, interface: str) -> int:
    try:
        return int(portal.property(interface, "version"))
    except BackendUnavailable:
        return 0


def probe() -> Offer:
    """The portal's interfaces and versions; raise BackendUnavailable saying what is missing and what to do."""
    if not os.environ.get("WAYLAND_DISPLAY") and os.environ.get("XDG_SESSION_TYPE") != "wayland":
        raise BackendUnavailable("this is not a Wayland session; the X11 backends (mss, XTEST) share it")
    from proxim_portal.gstreamer import missing_elements

    missing = missing_elements()
    if missing:
        raise BackendUnavailable(
            f"GStreamer lacks {', '.join(missing)}: install gstreamer1.0-pipewire and gstreamer1.0-plugins-base"
        )
    if not pipewire_running():
        raise BackendUnavailable("PipeWire is not running: start it (systemctl --user start pipewire wireplumber)")
    portal = Portal()
    try:
        offer = Offer(_version(portal, SCREENCAST), _version(portal, REMOTE_DESKTOP))
    finally:
        portal.close()
    if not offer.screencast:
        raise BackendUnavailable(f"no desktop portal offers screen sharing (ScreenCast); {INSTALL_PORTAL}")
    return offer
