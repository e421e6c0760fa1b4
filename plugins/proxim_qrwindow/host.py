"""What the hooks drive, whichever toolkit draws the pairing window."""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import Any

from proxim_tray import Pairing


class WindowHost(abc.ABC):
    """Owns a pairing window; the hooks hand it calls through :meth:`on_window`, from the event loop."""

    opens_for_requests = False  # behind a tray without menus the window is where requests are decided
    _pairing: Pairing | None = None

    @abc.abstractmethod
    def on_window(self, action: Callable[[Any], object]) -> None:
        """Run ``action(window)`` where the window lives."""

    @abc.abstractmethod
    def close(self) -> None: ...

    def show_pairing(self, pairing: Pairing) -> None:
        """Show the link; bring the window up if it is open already or this link was asked for again."""
        asked_again = pairing is self._pairing
        self._pairing = pairing
        self.on_window(
            lambda window: window.show_link(
                pairing.url, pairing.alternative_urls, pairing.expires_at, asked_again or window.visible
            )
        )
