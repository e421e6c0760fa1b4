"""Proxim's picture, a monitor on its stand on a 64-unit grid: drawn once here for the tray (each state's colour and
sign on top), the application icons in PNG and the scalable SVG icon."""

from __future__ import annotations

from PIL import Image, ImageDraw

Colour = tuple[int, int, int]

GRID = 64
# the ready state's green: the colour of the application icon
APP_COLOUR: Colour = (46, 125, 50)
SCREEN = (2, 6, 62, 48)
SCREEN_RADIUS = 6
STAND = ((28, 48, 36, 56), (16, 56, 48, 62))


def draw_monitor(draw: ImageDraw.ImageDraw, colour: Colour, size: int) -> None:
    unit = size / GRID
    fill = (*colour, 255)
    draw.rounded_rectangle([v * unit for v in SCREEN], radius=SCREEN_RADIUS * unit, fill=fill)
    for box in STAND:
        draw.rectangle([v * unit for v in box], fill=fill)


def app_icon_png(size: int) -> Image.Image:
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw_monitor(ImageDraw.Draw(image), APP_COLOUR, size)
    return image


def app_icon_svg() -> str:
    fill = "#{:02x}{:02x}{:02x}".format(*APP_COLOUR)
    left, top, right, bottom = SCREEN
    rects = [
        f'<rect x="{left}" y="{top}" width="{right - left}" height="{bottom - top}" rx="{SCREEN_RADIUS}"/>',
        *(f'<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}"/>' for x0, y0, x1, y1 in STAND),
    ]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{GRID}" height="{GRID}" viewBox="0 0 {GRID} {GRID}">\n'
        f'<g fill="{fill}">\n' + "\n".join(rects) + "\n</g>\n</svg>\n"
    )
