"""A pystray icon whose picture and menu follow the host's state."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PIL import Image, ImageDraw

from proxim_tray.tray import MenuItem, Tray

if TYPE_CHECKING:
    from proxim_tray.app import App

logger = logging.getLogger(__name__)

STATE_COLOURS = {
    "waiting": (46, 125, 50),  # ready: green
    "pending": (249, 168, 37),  # someone asks: amber
    "approved": (21, 101, 192),
    "connecting": (21, 101, 192),
    "connected": (198, 40, 40),  # someone is connected: red, unmistakable
    "ended": (96, 96, 96),
}


def draw_icon(state: str, size: int = 64) -> Image.Image:
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    colour = STATE_COLOURS.get(state, (96, 96, 96))
    draw.rounded_rectangle((2, 8, size - 2, size - 14), radius=6, fill=colour)
    draw.rectangle((size // 2 - 4, size - 14, size // 2 + 4, size - 6), fill=colour)
    draw.rectangle((size // 4, size - 6, size - size // 4, size - 2), fill=colour)
    return image


class PystrayTray(Tray):
    def __init__(self, app: App) -> None:
        self._app = app
        self._icon: Any = None

    def unavailable_reason(self) -> str | None:
        if sys.platform == "linux" and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            return "no display"
        try:
            import pystray  # noqa: F401 - Xlib raises its own error, not ImportError, without a display
        except Exception as exc:
            return f"pystray cannot start: {exc}"
        return None

    def run(self, on_ready: Callable[[], None]) -> None:
        import pystray

        state = self._app.sessions.state.value
        self._icon = pystray.Icon("proxim", draw_icon(state), f"Proxim: {state}", menu=pystray.Menu(self._menu))

        def setup(icon: Any) -> None:
            icon.visible = True
            on_ready()

        self._icon.run(setup=setup)

    def _menu(self) -> Any:
        import pystray

        items = [
            item for group in self._app.plugins.call_sync("proxim_tray_menu_items", app=self._app) for item in group
        ]
        return [self._to_pystray(pystray, item) for item in items]

    @staticmethod
    def _to_pystray(pystray: Any, item: MenuItem) -> Any:
        action = item.action

        def activate(icon: Any, menu_item: Any) -> None:
            if action is not None:
                action()

        checked = None if item.checked is None else (lambda _: bool(item.checked))
        return pystray.MenuItem(item.text, activate, enabled=item.enabled, checked=checked)

    def refresh(self) -> None:
        icon = self._icon
        if icon is None:
            return
        state = self._app.sessions.state.value
        icon.icon = draw_icon(state)
        icon.title = f"Proxim: {state}"
        icon.update_menu()

    def stop(self) -> None:
        if self._icon is not None:
            self._icon.stop()
