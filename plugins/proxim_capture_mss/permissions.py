"""macOS only: the Screen Recording permission. Without it a grab shows the wallpaper and Proxim's own windows only,
so capture refuses with the way to grant it rather than stream a picture without the other windows."""

from __future__ import annotations

import sys

SCREEN_RECORDING_ADVICE = (
    "macOS has not given Proxim the Screen Recording permission, so the picture would show only the wallpaper: open "
    "System Settings > Privacy & Security > Screen Recording, turn on the app that runs Proxim (Terminal, or Python), "
    "then restart Proxim"
)


def screen_recording_problem() -> str | None:
    """Why capture would miss other windows here, or None when it may capture them."""
    if sys.platform != "darwin":
        return None
    import Quartz

    if Quartz.CGPreflightScreenCaptureAccess():
        return None
    Quartz.CGRequestScreenCaptureAccess()  # adds Proxim to the list in System Settings, once
    return SCREEN_RECORDING_ADVICE
