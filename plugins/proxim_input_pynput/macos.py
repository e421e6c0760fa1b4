"""macOS only: the Accessibility permission input needs, and the back/forward buttons pynput does not name.

pynput's macOS ``Controller.press`` reads ``button.value`` as ``((down, up, dragged) event types, button number)``;
``OtherButton`` gives it that shape for buttons 3 and 4 (back, forward). This leans on pynput's internals (pinned in
pyproject.toml as pynput>=1.8; checked against 1.8.2).
"""

from __future__ import annotations

import sys
from typing import Any

ACCESSIBILITY_ADVICE = (
    "macOS has not given Proxim the Accessibility permission, so its input would be dropped: open System Settings > "
    "Privacy & Security > Accessibility, turn on the app that runs Proxim (Terminal, or Python), then restart Proxim"
)
OTHER_BUTTONS = {"back": 3, "forward": 4}


def accessibility_problem() -> str | None:
    """Why injected input would be dropped here, or None when this process may inject it."""
    if sys.platform != "darwin":
        return None
    try:
        from ApplicationServices import AXIsProcessTrusted
    except ImportError:
        return None  # cannot tell; pynput reports it once input is tried
    return None if AXIsProcessTrusted() else ACCESSIBILITY_ADVICE


class OtherButton:
    """A mouse button beyond left/middle/right, shaped as pynput's macOS ``Button`` values are."""

    def __init__(self, number: int) -> None:
        import Quartz

        self.value: tuple[tuple[Any, Any, Any], int] = (
            (Quartz.kCGEventOtherMouseDown, Quartz.kCGEventOtherMouseUp, Quartz.kCGEventOtherMouseDragged),
            number,
        )
