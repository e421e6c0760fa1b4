"""Tray icons drawn with Pillow: a monitor whose colour and sign say the state."""

from __future__ import annotations

from PIL import Image, ImageDraw

from proxim_tray.artwork import APP_COLOUR, Colour, draw_monitor
from proxim_tray_pystray.states import TrayState

STATE_COLOURS: dict[TrayState, Colour] = {
    TrayState.STARTING: (110, 110, 110),  # grey
    TrayState.READY: APP_COLOUR,  # green
    TrayState.PENDING: (249, 168, 37),  # amber
    TrayState.CONNECTING: (21, 101, 192),  # blue
    TrayState.RECONNECTING: (21, 101, 192),  # blue
    TrayState.VIEWED: (21, 101, 192),  # blue
    TrayState.CONTROLLED: (211, 20, 20),  # red: someone drives this desktop
    TrayState.PAUSED: (110, 110, 110),  # grey
    TrayState.UNAVAILABLE: (110, 110, 110),
    TrayState.OFFLINE: (110, 110, 110),
}
WHITE = (255, 255, 255, 255)
DARK = (20, 20, 20, 255)


def draw_icon(state: TrayState, size: int = 64) -> Image.Image:
    """The icon for ``state``; a state's colour fills most of the icon so it reads at 16 px."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw_monitor(draw, STATE_COLOURS[state], size)
    unit = size / 64
    centre_x, centre_y = 32 * unit, 27 * unit
    if state is TrayState.PENDING:
        _question_mark(draw, centre_x, centre_y, unit)
    elif state is TrayState.VIEWED:
        _eye(draw, centre_x, centre_y, unit)
    elif state is TrayState.CONTROLLED:
        _eye(draw, centre_x - 12 * unit, centre_y, unit * 0.7)
        _pointer(draw, centre_x + 8 * unit, centre_y - 14 * unit, unit)
    elif state is TrayState.PAUSED:
        draw.rectangle((22 * unit, 14 * unit, 29 * unit, 40 * unit), fill=WHITE)
        draw.rectangle((35 * unit, 14 * unit, 42 * unit, 40 * unit), fill=WHITE)
    elif state in (TrayState.UNAVAILABLE, TrayState.OFFLINE):
        draw.line((20 * unit, 15 * unit, 44 * unit, 39 * unit), fill=WHITE, width=round(6 * unit))
        draw.line((44 * unit, 15 * unit, 20 * unit, 39 * unit), fill=WHITE, width=round(6 * unit))
    return image


def _eye(draw: ImageDraw.ImageDraw, x: float, y: float, unit: float) -> None:
    draw.ellipse((x - 16 * unit, y - 9 * unit, x + 16 * unit, y + 9 * unit), fill=WHITE)
    draw.ellipse((x - 6 * unit, y - 6 * unit, x + 6 * unit, y + 6 * unit), fill=DARK)


def _pointer(draw: ImageDraw.ImageDraw, x: float, y: float, unit: float) -> None:
    arrow = [(0, 0), (0, 26), (7, 20), (12, 30), (16, 28), (11, 18), (20, 18)]
    draw.polygon([(x + px * unit, y + py * unit) for px, py in arrow], fill=WHITE, outline=DARK)


def _question_mark(draw: ImageDraw.ImageDraw, x: float, y: float, unit: float) -> None:
    width = round(6 * unit)
    draw.arc((x - 10 * unit, y - 16 * unit, x + 10 * unit, y + 2 * unit), start=180, end=90, fill=DARK, width=width)
    draw.line((x, y + 1 * unit, x, y + 7 * unit), fill=DARK, width=width)
    draw.ellipse((x - 3.5 * unit, y + 10 * unit, x + 3.5 * unit, y + 17 * unit), fill=DARK)
