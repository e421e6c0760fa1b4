"""Proxim: peer-to-peer remote desktop from a phone's browser.

The public API for plugin authors is what this module exports; everything else is private to the host.
"""

from proxim_tray.approval import ApprovalRequest, Permission
from proxim_tray.backends import CaptureSource, InputBackend, ScreenGeometry
from proxim_tray.errors import (
    BackendUnavailable,
    PluginLoadError,
    ProtocolError,
    ProximError,
)
from proxim_tray.hookspecs import hookimpl
from proxim_tray.pairing import Pairing
from proxim_tray.session import Session, SessionState
from proxim_tray.tray import MenuItem, Tray

__version__ = "0.1.0"

__all__ = [
    "ApprovalRequest",
    "BackendUnavailable",
    "CaptureSource",
    "InputBackend",
    "MenuItem",
    "Pairing",
    "Permission",
    "PluginLoadError",
    "ProtocolError",
    "ProximError",
    "ScreenGeometry",
    "Session",
    "SessionState",
    "Tray",
    "__version__",
    "hookimpl",
]
