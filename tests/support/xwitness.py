"""An X client that fills the screen with a colour and reports, as JSON lines, the input it receives.

Standard input takes commands: ``color RRGGBB`` repaints the window, ``quadrants RRGGBB RRGGBB RRGGBB RRGGBB``
paints its quarters (top left, top right, bottom left, bottom right), ``focus`` gives it the keyboard. Tests use it to
paint what the host shares and to observe what remote input really reaches the X server. Input events carry ``at``,
when the X server made them, in ``CLOCK_MONOTONIC`` seconds as every process reads them (an X timestamp is that clock
in milliseconds).
"""

from __future__ import annotations

import json
import select
import sys
import time

from Xlib import XK, X, display

EVENT_MASK = (
    X.ExposureMask | X.ButtonPressMask | X.ButtonReleaseMask | X.KeyPressMask | X.KeyReleaseMask | X.StructureNotifyMask
)


def emit(**fields: object) -> None:
    print(json.dumps(fields), flush=True)


def server_time(timestamp: int) -> float:
    """An X timestamp (milliseconds, 32 bits) on ``time.monotonic()``'s scale."""
    now = int(time.monotonic() * 1000)
    return (now - (now - timestamp) % 2**32) / 1000


def keysym_text(keysym: int) -> str:
    if 0x20 <= keysym <= 0x7E or 0xA0 <= keysym <= 0xFF:
        return chr(keysym)
    if keysym & 0xFF000000 == 0x01000000:
        return chr(keysym & 0x00FFFFFF)
    return XK.keysym_to_string(keysym) or ""


def main() -> None:
    d = display.Display()
    screen = d.screen()
    width, height = screen.width_in_pixels, screen.height_in_pixels
    window = screen.root.create_window(
        0,
        0,
        width,
        height,
        0,
        screen.root_depth,
        X.InputOutput,
        X.CopyFromParent,
        background_pixel=0xFF0000,
        event_mask=EVENT_MASK,
        override_redirect=True,
    )
    window.map()
    d.sync()
    while True:
        event = d.next_event()
        if event.type == X.MapNotify:
            break
    window.set_input_focus(X.RevertToParent, X.CurrentTime)
    d.sync()
    emit(event="ready", width=width, height=height)
    while True:
        readable, _, _ = select.select([d.fileno(), sys.stdin], [], [], 0.05)
        if sys.stdin in readable:
            line = sys.stdin.readline()
            if not line:
                return
            command, _, argument = line.strip().partition(" ")
            if command == "color":
                window.change_attributes(background_pixel=int(argument, 16))
                window.clear_area(0, 0, width, height)
                d.sync()
                emit(event="painted", color=argument)
            elif command == "quadrants":
                for index, rgb in enumerate(argument.split()):
                    gc = window.create_gc(foreground=int(rgb, 16))
                    half_w, half_h = width // 2, height // 2
                    window.fill_rectangle(gc, (index % 2) * half_w, (index // 2) * half_h, half_w, half_h)
                    gc.free()
                d.sync()
                emit(event="painted", color=argument)
            elif command == "focus":
                window.set_input_focus(X.RevertToParent, X.CurrentTime)
                d.sync()
                emit(event="focused")
        while d.pending_events():
            event = d.next_event()
            if event.type in (X.ButtonPress, X.ButtonRelease):
                emit(
                    event="button_press" if event.type == X.ButtonPress else "button_release",
                    button=event.detail,
                    x=event.root_x,
                    y=event.root_y,
                    at=server_time(event.time),
                )
            elif event.type == X.MappingNotify:
                d.refresh_keyboard_mapping(event)  # keycodes lent to characters the layout lacks
            elif event.type in (X.KeyPress, X.KeyRelease):
                # core map columns: 0-1 levels 1-2, 4-5 levels 3-4 (AltGr, which sets Mod5)
                level = (1 if event.state & X.ShiftMask else 0) + (4 if event.state & X.Mod5Mask else 0)
                keysym = d.keycode_to_keysym(event.detail, level) or d.keycode_to_keysym(event.detail, 0)
                emit(
                    event="key_press" if event.type == X.KeyPress else "key_release",
                    keycode=event.detail,
                    keysym=keysym,
                    text=keysym_text(keysym),
                    state=event.state,
                    at=server_time(event.time),
                )


if __name__ == "__main__":
    main()
