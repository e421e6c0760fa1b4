"""Input through pynput: the default on Windows and macOS. Selectable on X11 too, where pynput sends characters as
synthetic events many clients ignore (the ``x11`` backend is the default there)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from proxim_input_pynput import macos
from proxim_input_pynput.backend import PynputInputBackend
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
    """Say at once, not at the first session, that macOS would drop the input (the console and the log show it)."""
    problem = macos.accessibility_problem() if app.config.input == NAME else None
    if problem:
        logger.warning("%s", problem)
