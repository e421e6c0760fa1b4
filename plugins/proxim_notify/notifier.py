"""Desktop notifications: desktop-notifier (buttons on Linux, macOS, Windows), plyer where buttons are impossible."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

APP_NAME = "Proxim"


@dataclass(frozen=True)
class Action:
    title: str
    run: Callable[[], object]


class Notifier:
    """Sends notifications from the event loop; never raises (a desktop without notifications is not an error)."""

    def __init__(self) -> None:
        self._notifier: Any = None
        self.has_buttons = False
        self.available = False

    async def start(self) -> None:
        if sys.platform == "linux" and not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
            logger.info("no session D-Bus: desktop notifications are off")
            return
        try:
            from desktop_notifier import Capability, DesktopNotifier

            self._notifier = DesktopNotifier(app_name=APP_NAME, app_icon=None)
            capabilities = await self._notifier.get_capabilities()
        except Exception as exc:
            logger.warning("desktop notifications with buttons are unavailable (%s); trying plyer", exc)
            self._notifier = None
            self.available = _plyer_usable()
            return
        self.has_buttons = Capability.BUTTONS in capabilities
        self.available = True

    async def send(self, title: str, message: str, actions: Sequence[Action] = (), urgent: bool = False) -> str | None:
        """Show a notification, with ``actions`` as buttons where the desktop has them; its identifier (to
        :meth:`clear` it) when desktop-notifier sent it."""
        if not self.available:
            return None
        if self._notifier is None:
            await asyncio.get_running_loop().run_in_executor(None, _plyer_notify, title, message)
            return None
        from desktop_notifier import Button, Urgency

        buttons = [Button(title=action.title, on_pressed=action.run) for action in actions if self.has_buttons]
        try:
            identifier: str = await self._notifier.send(
                title, message, buttons=buttons, urgency=Urgency.Critical if urgent else Urgency.Normal
            )
        except Exception as exc:
            logger.warning("cannot show a desktop notification: %s", exc)
            return None
        return identifier

    async def clear(self, identifier: str) -> None:
        if self._notifier is not None:
            try:
                await self._notifier.clear(identifier)
            except Exception as exc:
                logger.debug("cannot withdraw notification %s: %s", identifier, exc)


def _plyer_usable() -> bool:
    try:
        from plyer import notification

        return notification is not None
    except Exception:
        return False


def _plyer_notify(title: str, message: str) -> None:
    try:
        from plyer import notification

        notification.notify(title=title, message=message, app_name=APP_NAME, timeout=10)
    except Exception as exc:
        logger.warning("cannot show a desktop notification through plyer: %s", exc)
