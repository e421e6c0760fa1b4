"""Buttons and the wheel per platform, as pynput takes them. Pure tables, tested on any machine."""

from __future__ import annotations

import math

# protocol button -> pynput ``Button`` member; macOS pynput has no back/forward (see macos.py)
BUTTONS = {
    "linux": {"left": "left", "middle": "middle", "right": "right", "back": "button8", "forward": "button9"},
    "win32": {"left": "left", "middle": "middle", "right": "right", "back": "x1", "forward": "x2"},
    "darwin": {"left": "left", "middle": "middle", "right": "right"},
}

# The protocol scrolls positive right and down. pynput's vertical axis is positive up everywhere; its horizontal axis
# is positive right on X11 (button 7) and Windows (HWHEEL) but passes straight to Quartz on macOS, where it is left.
SCROLL_SIGNS = {"linux": (1, -1), "win32": (1, -1), "darwin": (-1, -1)}

# Scroll steps in a wheel notch: Windows takes 1/120 notches (pynput multiplies by WHEEL_DELTA, 120), macOS 10-pixel
# steps (pynput's _SCROLL_SPEED), X11 whole notches (buttons 4-7).
WHEEL_RESOLUTION = {"win32": 120, "darwin": 10}


def button_name(button: str, platform: str) -> str | None:
    """The pynput ``Button`` member for a protocol button; None where pynput has none (back/forward on macOS)."""
    return BUTTONS.get(platform, BUTTONS["linux"]).get(button)


def wheel_resolution(platform: str) -> int:
    return WHEEL_RESOLUTION.get(platform, 1)


def pynput_scroll(dx: int, dy: int, platform: str) -> tuple[float, float]:
    """The protocol's scroll steps (``wheel_resolution`` a notch) as pynput's ``scroll(dx, dy)`` takes them: whole
    steps, but fractions of a notch on Windows."""
    sign_x, sign_y = SCROLL_SIGNS.get(platform, SCROLL_SIGNS["linux"])
    if platform == "win32":
        return sign_x * _windows_notches(dx), sign_y * _windows_notches(dy)
    return sign_x * dx, sign_y * dy


def _windows_notches(steps: int) -> float:
    """pynput sends int(notches * 120): half a step more than meant keeps the truncation off the steps."""
    return (steps + math.copysign(0.5, steps)) / 120 if steps else 0.0
