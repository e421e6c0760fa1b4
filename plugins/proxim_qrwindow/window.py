"""The pairing window (GTK): a large QR code, the link, a countdown to renewal, and the request to decide.

Every method runs on GTK's thread; the plugin hands calls over with ``GLib.idle_add``."""

from __future__ import annotations

import io
import time
from collections.abc import Callable

import gi
import segno

gi.require_version("Gtk", "3.0")
from gi.repository import GdkPixbuf, GLib, Gtk  # noqa: E402 - the version must be chosen before the import

QR_SCALE = 8
TITLE = "Proxim: pairing"


def qr_pixbuf(url: str) -> GdkPixbuf.Pixbuf:
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buffer, kind="png", scale=QR_SCALE, border=4)
    loader = GdkPixbuf.PixbufLoader.new_with_type("png")
    loader.write(buffer.getvalue())
    loader.close()
    return loader.get_pixbuf()


class PairingWindow:
    def __init__(self) -> None:
        self.window = Gtk.Window(title=TITLE)
        self.window.set_resizable(False)
        self.window.set_position(Gtk.WindowPosition.CENTER)
        self.window.connect("delete-event", lambda *_: self.window.hide() or True)
        box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=8, margin=16)
        self.window.add(box)
        self.heading = Gtk.Label(label="Scan with your phone's camera")
        self.image = Gtk.Image()
        self.link = Gtk.Label(selectable=True, wrap=True, max_width_chars=60)
        self.alternatives = Gtk.Label(selectable=True, wrap=True, max_width_chars=60)
        self.countdown = Gtk.Label()
        self.request_label = Gtk.Label(wrap=True, max_width_chars=60)
        self.buttons = Gtk.Box(spacing=8, halign=Gtk.Align.CENTER)
        for widget in (
            self.heading,
            self.image,
            self.link,
            self.alternatives,
            self.countdown,
            self.request_label,
            self.buttons,
        ):
            box.pack_start(widget, False, False, 0)
        box.show_all()
        self.request_label.hide()
        self._expires_at = 0.0
        GLib.timeout_add(500, self._tick)

    def show_link(self, url: str, alternatives: list[str], expires_at: float, present: bool) -> None:
        self.heading.set_text("Scan with your phone's camera")
        self.image.set_from_pixbuf(qr_pixbuf(url))
        self.image.show()
        self.link.set_text(url)
        self.alternatives.set_text("Phone cannot open it? Try:\n" + "\n".join(alternatives) if alternatives else "")
        self._expires_at = expires_at
        self._tick()
        if present:
            self.window.present()
        self.link.select_region(0, 0)  # a focused selectable label selects all of itself otherwise

    def link_used(self) -> None:
        self._no_qr_code("This link was used. A new one appears when the session ends.")

    def no_link(self, reason: str) -> None:
        self._no_qr_code(f"No pairing link: {reason}.\nProxim keeps checking and shows a QR code once it can.")

    def _no_qr_code(self, heading: str) -> None:
        self.image.hide()
        self.link.set_text("")
        self.alternatives.set_text("")
        self.heading.set_text(heading)
        self._expires_at = 0.0
        self.countdown.set_text("")

    def show_request(self, text: str, choices: list[tuple[str, Callable[[], object]]], present: bool) -> None:
        self.request_label.set_text(text)
        self.request_label.show()
        for child in self.buttons.get_children():
            child.destroy()
        for label, choose in choices:
            button = Gtk.Button(label=label)
            button.connect("clicked", lambda _button, choose=choose: choose())
            self.buttons.pack_start(button, False, False, 0)
        self.buttons.show_all()
        if present:
            self.window.present()

    def clear_request(self) -> None:
        self.request_label.hide()
        for child in self.buttons.get_children():
            child.destroy()

    @property
    def visible(self) -> bool:
        return bool(self.window.get_visible())

    def _tick(self) -> bool:
        if self._expires_at:
            left = max(0, round(self._expires_at - time.monotonic()))
            self.countdown.set_text(f"A new link in {left // 60}:{left % 60:02d}. Each link works once.")
        return True

    def destroy(self) -> None:
        self.window.destroy()
