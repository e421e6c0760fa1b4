"""An X client that covers the screen with a desktop-like picture and changes it on command (standard input).

- ``mark K``: paint the marker patch with grey level K (0-7) and print ``marked K <epoch seconds>`` once the X
  server has done it (after XSync): the moment the change exists on the host's screen.
- ``animate N``: scroll the whole picture N times a second (every pixel changes, like a page scrolling under the
  marker, which stays in place); ``still`` stops.
- ``count``: print ``count K``, the scroll steps done so far (the rate the screen really changed at).
"""

from __future__ import annotations

import os
import random
import select
import sys
import time

from Xlib import X, display

MARKER = (40, 40, 96, 96)  # x, y, width, height: away from the pointer, which the painter parks bottom right
LEVELS = 8
SCROLL_STEP = 6


def grey(level: int) -> int:
    value = 16 + level * 32
    return value << 16 | value << 8 | value


def main() -> None:
    d = display.Display()
    screen = d.screen()
    width, height = screen.width_in_pixels, screen.height_in_pixels
    window = screen.root.create_window(
        0, 0, width, height, 0, screen.root_depth, X.InputOutput, X.CopyFromParent,
        background_pixel=0x303846, override_redirect=True,
    )  # fmt: skip
    window.map()
    screen.root.warp_pointer(width - 5, height - 5)
    rng = random.Random(7)
    gcs = [window.create_gc(foreground=rng.randrange(1 << 24)) for _ in range(24)]
    text_gc = window.create_gc(foreground=0xE0E0E0)
    marker_gc = window.create_gc(foreground=grey(0))
    scroll_gc = window.create_gc(graphics_exposures=False)

    def strip(top: int, rows: int) -> None:
        """Desktop-ish content: boxes and lines of text."""
        window.fill_rectangle(gcs[0], 0, top, width, rows)
        for _ in range(max(rows * width // 20000, 1)):
            window.fill_rectangle(
                rng.choice(gcs),
                rng.randrange(width),
                top + rng.randrange(rows),
                rng.randrange(20, 300),
                rng.randrange(4, 40),
            )
        for line in range(top, top + rows, 18):
            window.draw_text(text_gc, rng.randrange(200), line + 14, "Proxim bench " * rng.randrange(1, 12))

    d.sync()
    strip(0, height)
    d.sync()
    print(f"ready {width} {height}", flush=True)
    rate = 0.0
    steps = 0
    next_step = time.monotonic()
    # commands are read from the descriptor, not through sys.stdin: its buffer would swallow a second command sent
    # right after the first, where select() no longer sees it
    received = b""
    while True:
        if b"\n" not in received:
            timeout = max(next_step - time.monotonic(), 0) if rate else None
            readable, _, _ = select.select([sys.stdin], [], [], timeout)
            if readable:
                data = os.read(sys.stdin.fileno(), 4096)
                if not data:
                    return
                received += data
        if b"\n" in received:
            line, received = received.split(b"\n", 1)
            command = line.decode().split() or [""]
            if command[0] == "mark":
                level = int(command[1]) % LEVELS
                marker_gc.change(foreground=grey(level))
                window.fill_rectangle(marker_gc, *MARKER)
                d.sync()
                print(f"marked {level} {time.time():.6f}", flush=True)
            elif command[0] == "animate":
                rate = float(command[1])
                next_step = time.monotonic()
            elif command[0] == "still":
                rate = 0.0
            elif command[0] == "count":
                print(f"count {steps}", flush=True)
            continue
        if rate and time.monotonic() >= next_step:
            window.copy_area(scroll_gc, window, 0, SCROLL_STEP, width, height - SCROLL_STEP, 0, 0)
            strip(height - SCROLL_STEP, SCROLL_STEP)
            window.fill_rectangle(marker_gc, *MARKER)  # the marker floats above the scrolling page
            d.sync()
            steps += 1
            next_step += 1 / rate
            if next_step < time.monotonic() - 1:
                next_step = time.monotonic()


if __name__ == "__main__":
    main()
