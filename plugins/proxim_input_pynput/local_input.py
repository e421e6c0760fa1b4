"""The local user's input, seen through pynput's listeners and told apart from injected input by pynput's
``injected`` flag: LLMHF_INJECTED / LLKHF_INJECTED on Windows, a source process ID on the event on macOS.

On X11 pynput marks only XSendEvent events as injected; XTEST input (Proxim's own, like a real device's) is not, so
the listener cannot tell them apart there and the backend does not offer to watch (the ``x11`` backend watches
with a ledger of what it injected instead).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)


def local_only(on_local_input: Callable[[], None]) -> Callable[..., None]:
    """A pynput listener callback (any event: its last argument is ``injected``) calling ``on_local_input`` for
    events a device made, not for injected ones."""

    def callback(*args: Any) -> None:
        if not args[-1]:
            on_local_input()

    return callback


def watch(on_local_input: Callable[[], None]) -> Callable[[], None]:
    """Start mouse and keyboard listeners; return a function that stops them."""
    from pynput import keyboard, mouse

    callback = local_only(on_local_input)
    listeners: list[Any] = [
        mouse.Listener(on_move=callback, on_click=callback, on_scroll=callback),
        keyboard.Listener(on_press=callback, on_release=callback),
    ]
    for listener in listeners:
        listener.start()
        listener.wait()

    def stop() -> None:
        for listener in listeners:
            listener.stop()
        for listener in listeners:
            listener.join(2.0)

    return stop
