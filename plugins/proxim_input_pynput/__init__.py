"""Input through pynput: the default on Windows and macOS. Selectable on X11 too, where pynput sends characters as
synthetic events many clients ignore (the ``x11`` backend is the default there)."""

from __future__ import annotations

from collections.abc import Callable

from proxim_input_pynput.backend import PynputInputBackend
from proxim_tray import InputBackend, hookimpl
from proxim_tray.config import HostConfig

__version__ = "0.1.0"
NAME = "pynput"


@hookimpl
def proxim_register_input_backends(
    register: Callable[[str, Callable[[HostConfig], InputBackend]], None],
) -> None:
    register(NAME, lambda config: PynputInputBackend())
