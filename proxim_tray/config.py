"""Host configuration: defaults, then the command line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from proxim_tray.session_type import default_capture, default_input

DEFAULT_PORT = 47600
DEFAULT_MEDIA_PORT = 47601  # UDP: video and input; one fixed number a firewall can open, like the signaling port
DEFAULT_APPROVE_TIMEOUT = 40.0
DEFAULT_LINK_TTL = 300.0
DEFAULT_RESUME_WINDOW = 30.0


@dataclass
class HostConfig:
    # empty: every address of every family (IPv6 and IPv4)
    bind: str = ""
    port: int = DEFAULT_PORT
    advertise_addr: str | None = None
    approve_timeout: float = DEFAULT_APPROVE_TIMEOUT
    link_ttl: float = DEFAULT_LINK_TTL
    # seconds a session whose connection dropped waits for its client to resume it (0: it ends at once)
    resume_window: float = DEFAULT_RESUME_WINDOW
    qr_png: Path | None = None
    tray: bool = True
    # named for what they use; by default the desktop portal on a Wayland session, else mss and XTEST
    capture: str = field(default_factory=default_capture)
    input: str = field(default_factory=default_input)
    monitor: int = 1
    fps: int = 30
    codec: str = "auto"
    min_bitrate: int = 500_000
    max_bitrate: int = 8_000_000
    max_size: int | None = None
    # x, y, width, height inside the monitor
    region: tuple[int, int, int, int] | None = None
    # remote input pauses for this many seconds after the local user moves the mouse or types (0: never)
    local_priority: float = 2.0
    # the UDP port of the host's ICE candidates (0: a random port per session)
    media_port: int = DEFAULT_MEDIA_PORT
    stun_servers: list[str] = field(default_factory=list)
    turn_servers: list[str] = field(default_factory=list)
    # static TURN credentials, or the secret shared with coturn (use-auth-secret) that mints short-lived ones
    turn_user: str | None = None
    turn_password: str | None = field(default=None, repr=False)
    turn_secret: str | None = field(default=None, repr=False)
    disabled_plugins: list[str] = field(default_factory=list)
    plugins_dir: Path | None = None
    # the configuration file in use (None: the default location)
    config_file: Path | None = None
    # set when no tray runs: the terminal is the approval surface
    console: bool = False
    # plugins keep their own settings here, by key (see the proxim_configure hook)
    plugin_settings: dict[str, Any] = field(default_factory=dict)
