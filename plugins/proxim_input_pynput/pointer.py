"""Buttons and wheel directions per platform, as pynput names them. Pure tables, tested on any machine."""

from __future__ import annotations

# protocol button -> pynput ``Button`` member; macOS pynput has no back/forward (see macos.py)
BUTTONS = {
    "linux": {"left": "left", "middle": "middle", "right": "right", "back": "button8", "forward": "button9"},
    "win32": {"left": "left", "middle": "middle", "right": "right", "back": "x1", "forward": "x2"},
    "darwin": {"left": "left", "middle": "middle", "right": "right"},
}

# The protocol scrolls positive right and down. pynput's vertical axis is positive up everywhere; its horizontal axis
# is positive right on X11 (button 7) and Windows (HWHEEL) but passes straight to Quartz on macOS, where it is left.
SCROLL_SIGNS = {"linux": (1, -1), "win32": (1, -1), "darwin": (-1, -1)}


def button_name(button: str, platform: str) -> str | None:
    """The pynput ``Button`` member for a protocol button; None where pynput has none (back/forward on macOS)."""
    return BUTTONS.get(platform, BUTTONS["linux"]).get(button)


def pynput_scroll(dx: int, dy: int, platform: str) -> tuple[int, int]:
    """The protocol's scroll steps as pynput's ``scroll(dx, dy)`` takes them on ``platform``."""
    sign_x, sign_y = SCROLL_SIGNS.get(platform, SCROLL_SIGNS["linux"])
    return sign_x * dx, sign_y * dy
