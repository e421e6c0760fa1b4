"""A backend with a finer wheel (pynput's on Windows: 120 steps a notch) scrolls by fractions of a notch: the wheel a
phone's two-finger swipe sends stays smooth instead of jumping a notch at a time."""

from __future__ import annotations

from typing import Any

from proxim_tray import InputBackend
from proxim_tray.approval import FULL_CONTROL
from proxim_tray.backends import ScreenGeometry
from proxim_tray.control import WHEEL_STEP_PIXELS, RemoteControl
from tests.support.control_host import until


class FineWheel(InputBackend):
    """Records its scrolls, as a third-party backend's author would check theirs."""

    name = "fine"
    wheel_resolution = 120

    def __init__(self) -> None:
        self.scrolls: list[tuple[int, int]] = []

    def move(self, x: int, y: int) -> None:
        pass

    def button(self, button: str, down: bool) -> None:
        pass

    def scroll(self, dx: int, dy: int) -> None:
        self.scrolls.append((dx, dy))

    def key(self, key: str, code: str, down: bool) -> None:
        pass

    def type_text(self, text: str) -> None:
        pass


async def test_a_finer_wheel_gets_fractions_of_a_notch() -> None:
    backend = FineWheel()
    replies: list[dict[str, Any]] = []
    control = RemoteControl(backend, ScreenGeometry(0, 0, 100, 100), FULL_CONTROL, replies.append, local_priority=0)
    try:
        quarter = WHEEL_STEP_PIXELS / 4
        for _ in range(4):
            control.handle(f'{{"t": "wheel", "dx": 0, "dy": {quarter}}}')
        control.handle(f'{{"t": "wheel", "dx": {-quarter / 3}, "dy": 0}}')
        await until(lambda: len(backend.scrolls) == 5, 5, "five scrolls")
        assert backend.scrolls == [(0, 30)] * 4 + [(-10, 0)]  # each a quarter notch, then a twelfth to the left
        assert replies == []
    finally:
        await control.close()
