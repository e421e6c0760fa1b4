"""The kind of desktop session Proxim runs in, and the backends it uses there when none is named."""

from __future__ import annotations

import os
import sys

# XTEST keysyms on X11 (real input every client accepts); pynput's own injection on Windows and macOS
DEFAULT_INPUT = "pynput" if sys.platform in ("win32", "darwin") else "x11"


def wayland_session() -> bool:
    return bool(os.environ.get("WAYLAND_DISPLAY")) or os.environ.get("XDG_SESSION_TYPE") == "wayland"


def default_capture() -> str:
    """The capture backend used when none is named: the desktop portal on Wayland, mss elsewhere."""
    return "portal" if wayland_session() else "mss"


def default_input() -> str:
    """The input backend used when none is named: the desktop portal on Wayland, else ``DEFAULT_INPUT``."""
    return "portal" if wayland_session() else DEFAULT_INPUT
