"""Remote input for one session: validate, check the grant, inject in order, and remember what is held."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from proxim_tray import protocol
from proxim_tray.approval import Permission
from proxim_tray.backends import InputBackend, ScreenGeometry
from proxim_tray.errors import ProtocolError

logger = logging.getLogger(__name__)

WHEEL_STEP_PIXELS = 100.0


class RemoteControl:
    """Turns control messages into backend calls on one worker thread, so events keep their order.

    Every key and button pressed through this object is tracked and released by :meth:`release_all`, which the
    session calls when it ends: nothing stays pressed after a client leaves.
    """

    def __init__(
        self,
        backend: InputBackend,
        geometry: ScreenGeometry,
        permissions: frozenset[Permission],
        reply: Callable[[dict[str, Any]], None],
    ) -> None:
        self._backend = backend
        self._geometry = geometry
        self.permissions = permissions
        self.paused = False
        self._reply = reply
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="proxim-input")
        self._buttons_down: set[str] = set()
        self._keys_down: dict[str, tuple[str, str]] = {}
        self._wheel_rest = [0.0, 0.0]

    def handle(self, raw: str | bytes) -> None:
        try:
            message = protocol.parse_control(raw)
        except ProtocolError as exc:
            self._reply({"t": "error", "code": exc.code, "message": exc.message})
            return
        if isinstance(message, protocol.ReleaseAll):
            self.release_all()
            return
        if Permission.CONTROL not in self.permissions:
            self._reply({"t": "error", "code": "not_permitted", "message": "this session is view only"})
            return
        if self.paused:
            self._reply({"t": "error", "code": "paused", "message": "the host paused sharing; input is ignored"})
            return
        self._dispatch(message)

    def _dispatch(self, message: protocol.ControlMessage) -> None:
        backend = self._backend
        match message:
            case protocol.PointerMove(x, y):
                self._submit(backend.move, *self._geometry.to_pixels(x, y))
            case protocol.PointerButton(button, down, x, y):
                if x is not None and y is not None:
                    self._submit(backend.move, *self._geometry.to_pixels(x, y))
                if down:
                    self._buttons_down.add(button)
                elif button not in self._buttons_down:
                    return
                else:
                    self._buttons_down.discard(button)
                self._submit(backend.button, button, down)
            case protocol.Wheel(dx, dy):
                steps = self._wheel_steps(dx, dy)
                if steps != (0, 0):
                    self._submit(backend.scroll, *steps)
            case protocol.Key(key, code, down):
                held_as = code or key
                if down:
                    self._keys_down[held_as] = (key, code)
                elif held_as in self._keys_down:
                    # release exactly what was pressed, even if the modifiers changed the reported key since
                    key, code = self._keys_down.pop(held_as)
                else:
                    return
                self._submit(backend.key, key, code, down)
            case protocol.Text(text):
                self._submit(backend.type_text, text)

    def _wheel_steps(self, dx: float, dy: float) -> tuple[int, int]:
        self._wheel_rest[0] += dx / WHEEL_STEP_PIXELS
        self._wheel_rest[1] += dy / WHEEL_STEP_PIXELS
        steps = (int(self._wheel_rest[0]), int(self._wheel_rest[1]))
        self._wheel_rest[0] -= steps[0]
        self._wheel_rest[1] -= steps[1]
        return steps

    def _submit(self, function: Callable[..., None], *args: Any) -> None:
        future = self._executor.submit(function, *args)
        future.add_done_callback(_log_failure)

    def release_all(self) -> None:
        for key, code in self._keys_down.values():
            self._submit(self._backend.key, key, code, False)
        for button in self._buttons_down:
            self._submit(self._backend.button, button, False)
        self._keys_down.clear()
        self._buttons_down.clear()

    async def close(self) -> None:
        """Release everything held, wait until the backend has done it, then stop the worker."""
        self.release_all()
        await asyncio.get_running_loop().run_in_executor(None, self._executor.shutdown, True)


def _log_failure(future: Any) -> None:
    exc = future.exception()
    if exc is not None:
        logger.error("input injection failed: %s", exc, exc_info=exc)


def hello_message(geometry: ScreenGeometry, permissions: frozenset[Permission]) -> str:
    return json.dumps(
        {
            "t": "hello",
            "v": protocol.VERSION,
            "screen": {"w": geometry.width, "h": geometry.height},
            "permissions": sorted(permissions),
        }
    )
