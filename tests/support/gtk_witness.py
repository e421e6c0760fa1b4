"""A GTK 4 Wayland client that fills the screen with a colour and reports, as JSON lines, the input it receives.

Run with ``GDK_BACKEND=wayland``. Standard input takes commands: ``color RRGGBB`` repaints the window. Tests use it to
paint what the host shares and to see what remote input really reaches a Wayland window.
"""

from __future__ import annotations

import json
import sys

import gi

gi.require_version("Gtk", "4.0")
gi.require_version("Gdk", "4.0")
from gi.repository import Gdk, GLib, Gtk  # noqa: E402

BUTTONS = {1: "left", 2: "middle", 3: "right", 8: "back", 9: "forward"}


def emit(**fields: object) -> None:
    print(json.dumps(fields), flush=True)


class Witness:
    def __init__(self, app: Gtk.Application) -> None:
        self.rgb = (0.0, 0.0, 0.0)
        self.window = Gtk.ApplicationWindow(application=app, title="witness")
        self.area = Gtk.DrawingArea()
        self.area.set_draw_func(self._draw)
        self.window.set_child(self.area)
        keys = Gtk.EventControllerKey()
        # text arrives as the input method commits it, as in any text field (Ctrl+Shift+U sequences included)
        self.im = Gtk.IMContextSimple()
        self.im.connect("commit", lambda _im, text: emit(event="text", text=text))
        keys.set_im_context(self.im)
        keys.connect("key-pressed", self._key, "key_press")
        keys.connect("key-released", self._key, "key_release")
        self.window.add_controller(keys)
        clicks = Gtk.GestureClick(button=0)
        clicks.connect("pressed", self._button, "button_press")
        clicks.connect("released", self._button, "button_release")
        self.area.add_controller(clicks)
        scroll = Gtk.EventControllerScroll(flags=Gtk.EventControllerScrollFlags.BOTH_AXES)
        scroll.connect("scroll", self._scroll)
        self.area.add_controller(scroll)
        self.window.connect("map", lambda _w: GLib.timeout_add(200, self._ready))
        self.window.fullscreen()
        self.window.present()
        GLib.io_add_watch(GLib.IOChannel.unix_new(sys.stdin.fileno()), GLib.PRIORITY_DEFAULT, GLib.IO_IN, self._command)

    def _ready(self) -> bool:
        emit(event="ready", width=self.area.get_width(), height=self.area.get_height())
        return False

    def _draw(self, _area: Gtk.DrawingArea, cr: object, _width: int, _height: int) -> None:
        cr.set_source_rgb(*self.rgb)  # type: ignore[attr-defined]
        cr.paint()  # type: ignore[attr-defined]

    def _key(self, _ctl: object, keyval: int, keycode: int, state: Gdk.ModifierType, kind: str) -> bool:
        char = Gdk.keyval_to_unicode(keyval)
        emit(event=kind, keyval=keyval, name=Gdk.keyval_name(keyval), keycode=keycode, text=chr(char) if char else "")
        return True

    def _button(self, gesture: Gtk.GestureClick, _n: int, x: float, y: float, kind: str) -> None:
        emit(event=kind, button=BUTTONS.get(gesture.get_current_button(), "other"), x=round(x), y=round(y))

    def _scroll(self, _ctl: object, dx: float, dy: float) -> bool:
        emit(event="scroll", dx=dx, dy=dy)
        return True

    def _command(self, channel: GLib.IOChannel, _condition: object) -> bool:
        line = sys.stdin.readline()
        if not line:
            self.window.get_application().quit()
            return False
        verb, _, argument = line.strip().partition(" ")
        if verb == "color":
            self.rgb = tuple(int(argument[i : i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[assignment]
            self.area.queue_draw()
            emit(event="painted", color=argument)
        return True


def main() -> None:
    app = Gtk.Application(application_id="net.proxim.TestWitness")
    app.connect("activate", lambda application: setattr(application, "witness", Witness(application)))
    app.run([])


if __name__ == "__main__":
    main()
