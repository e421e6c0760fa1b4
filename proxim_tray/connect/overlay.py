"""Text for the window, drawn with Pillow's own font (SDL2 has none): the status panel, the hints and the HUD, as RGBA
pixels for a texture."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from functools import cache

from PIL import Image, ImageDraw, ImageFont

PADDING = 10
BACKDROP = (15, 17, 21, 200)
TEXT = (255, 255, 255, 255)
ALARM = (255, 120, 110, 255)


@dataclass(frozen=True)
class Line:
    text: str
    size: int = 16
    alarm: bool = False


@dataclass(frozen=True)
class Picture:
    width: int
    height: int
    rgba: bytes


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def render(lines: list[Line], max_width: int) -> Picture:
    """The lines, each wrapped to fit ``max_width`` pixels, on a rounded dark backdrop."""
    wrapped: list[tuple[str, Line]] = []
    for line in lines:
        chars = max(10, int(max_width / (line.size * 0.55)))
        wrapped += [(part, line) for part in textwrap.wrap(line.text, chars) or [""]]
    probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    boxes = [probe.textbbox((0, 0), text, font=_font(line.size)) for text, line in wrapped]
    width = min(max_width, int(max((box[2] for box in boxes), default=0)) + 2 * PADDING)
    heights = [round(line.size * 1.35) for _, line in wrapped]
    image = Image.new("RGBA", (max(width, 1), sum(heights) + 2 * PADDING), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, image.width - 1, image.height - 1), radius=8, fill=BACKDROP)
    y = PADDING
    for (text, line), box, height in zip(wrapped, boxes, heights, strict=True):
        x = (image.width - int(box[2])) // 2
        draw.text((x, y), text, font=_font(line.size), fill=ALARM if line.alarm else TEXT)
        y += height
    return Picture(image.width, image.height, image.tobytes())
