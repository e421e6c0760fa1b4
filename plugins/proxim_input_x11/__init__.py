"""Input injection on X11 (the default there): XTEST keysyms (never synthetic key events), and local input seen with
RECORD."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from proxim_input_x11.backend import X11InputBackend
from proxim_tray import InputBackend, hookimpl
from proxim_tray.app import App
from proxim_tray.config import HostConfig
from proxim_tray.errors import BackendUnavailable

__version__ = "0.1.0"
NAME = "x11"


@hookimpl
def proxim_register_input_backends(
    register: Callable[[str, Callable[[HostConfig], InputBackend]], None],
) -> None:
    register(NAME, lambda config: X11InputBackend())


@hookimpl
async def proxim_startup(app: App) -> None:
    """Open the backend at start, not at the first session: opening it undoes what a killed Proxim left held."""
    if app.config.input == NAME:
        with contextlib.suppress(BackendUnavailable):  # the first session says why, to the client too
            await asyncio.get_running_loop().run_in_executor(None, app.input_backend)
