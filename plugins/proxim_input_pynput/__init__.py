"""Input through pynput (SendInput on Windows, Quartz events on macOS): the default there. Selectable on X11 too, where
pynput sends characters as synthetic events that xterm and many clients ignore and cannot tell its own input from the
local user's; the x11 backend is the default there."""

from __future__ import annotations

import logging
from collections.abc import Callable

from proxim_input_pynput import macos
from proxim_input_pynput.backend import X11_CAVEAT, PynputInputBackend, uses_x11
from proxim_tray import InputBackend, hookimpl
from proxim_tray.app import App
from proxim_tray.config import HostConfig

__version__ = "0.1.0"
NAME = "pynput"

logger = logging.getLogger(__name__)


@hookimpl
def proxim_register_input_backends(
    register: Callable[[str, Callable[[HostConfig], InputBackend]], None],
) -> None:
    register(NAME, lambda config: PynputInputBackend())


@hookimpl
def proxim_startup(app: App) -> None:
    """Say at once, not at the first session, that macOS would drop the input or what X11 clients ignore (the console
    and the log show it)."""
    if app.config.input != NAME:
        return
    problem = X11_CAVEAT if uses_x11() else macos.accessibility_problem()
    if problem:
        logger.warning("%s", problem)
