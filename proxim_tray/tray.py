"""The system-tray interface a tray plugin implements (see the ``proxim_make_tray`` hook)."""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class MenuItem:
    """A tray menu entry. ``action`` runs on the tray's thread: hand work to the loop with ``app.call_soon``."""

    text: str
    action: Callable[[], None] | None = None
    enabled: bool = True
    checked: bool | None = None


class Tray(abc.ABC):
    """A tray front end. ``run`` owns the main thread and must call ``on_ready`` once the icon is up."""

    def unavailable_reason(self) -> str | None:
        return None

    @abc.abstractmethod
    def run(self, on_ready: Callable[[], None]) -> None:
        """Block on the main thread until ``stop``; call ``on_ready`` from the tray's setup callback."""

    @abc.abstractmethod
    def stop(self) -> None:
        """Make ``run`` return; safe to call from any thread."""

    @abc.abstractmethod
    def refresh(self) -> None:
        """Redraw icon, title and menu from the app's current state; safe to call from any thread."""
