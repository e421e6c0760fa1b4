"""Windows only: per-monitor DPI awareness, so that pointer positions are physical pixels, as mss captures them.

Without it Windows scales the positions of a DPI-unaware process on a scaled monitor (150 %: a move to 1500 lands
at 2250). mss makes the process aware when it opens; the input backend may open first, so it does the same.
"""

from __future__ import annotations

import ctypes
import sys

PER_MONITOR_AWARE_V2 = -4  # DPI_AWARENESS_CONTEXT_PER_MONITOR_AWARE_V2
PROCESS_PER_MONITOR_DPI_AWARE = 2


def make_dpi_aware() -> None:
    """Make this process per-monitor DPI aware; a no-op if it already is (the first call wins)."""
    if sys.platform != "win32":
        return
    user32 = ctypes.windll.user32
    if hasattr(user32, "SetProcessDpiAwarenessContext") and user32.SetProcessDpiAwarenessContext(
        ctypes.c_void_p(PER_MONITOR_AWARE_V2)
    ):
        return
    try:
        ctypes.windll.shcore.SetProcessDpiAwareness(PROCESS_PER_MONITOR_DPI_AWARE)
    except (AttributeError, OSError):
        user32.SetProcessDPIAware()
