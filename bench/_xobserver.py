"""An X client for the input benchmark: a window over the whole screen that prints, for every pointer motion it
receives, ``<CLOCK_MONOTONIC ns> <x> <y>`` on its own line. Runs as its own process, as any real X client would."""

from __future__ import annotations

import sys
import time

from Xlib import X, display
from Xlib.error import ConnectionClosedError


def main() -> None:
    d = display.Display()
    screen = d.screen()
    window = screen.root.create_window(
        0,
        0,
        screen.width_in_pixels,
        screen.height_in_pixels,
        0,
        screen.root_depth,
        X.InputOutput,
        X.CopyFromParent,
        event_mask=X.PointerMotionMask | X.StructureNotifyMask,
        override_redirect=True,
    )
    window.map()
    d.sync()
    while d.next_event().type != X.MapNotify:
        pass
    out = sys.stdout
    out.write("ready\n")
    out.flush()
    while True:
        try:
            event = d.next_event()
        except ConnectionClosedError:
            return  # the benchmark is over and its X server gone
        if event.type == X.MotionNotify:
            out.write(f"{time.monotonic_ns()} {event.root_x} {event.root_y}\n")
            out.flush()


if __name__ == "__main__":
    main()
