"""Input injection on X11: XTEST keysyms (never synthetic key events), and local input seen with RECORD."""

from __future__ import annotations

from collections.abc import Callable

from proxim_input_pynput.backend import PynputInputBackend
from proxim_tray import InputBackend, hookimpl
from proxim_tray.config import HostConfig

__version__ = "0.1.0"


@hookimpl
def proxim_register_input_backends(
    register: Callable[[str, Callable[[HostConfig], InputBackend]], None],
) -> None:
    register("pynput", lambda config: PynputInputBackend())
