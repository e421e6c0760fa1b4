"""The backend interfaces that capture and input plugins implement, and the registry that picks one by name."""

from __future__ import annotations

import abc
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt

from proxim_tray.config import HostConfig
from proxim_tray.errors import BackendUnavailable

logger = logging.getLogger(__name__)


Rect = tuple[int, int, int, int]  # left, top, width, height: a part of the shared area, in its pixels


def bounding_box(rects: Iterable[Rect]) -> Rect:
    """The smallest rectangle holding every one of ``rects`` (at least one)."""
    lefts, tops, rights, bottoms = zip(*((x, y, x + w, y + h) for x, y, w, h in rects), strict=True)
    left, top = min(lefts), min(tops)
    return left, top, max(rights) - left, max(bottoms) - top


@dataclass(frozen=True)
class ScreenGeometry:
    """The shared area in the display server's pixel coordinates."""

    left: int
    top: int
    width: int
    height: int

    def to_pixels(self, x: float, y: float) -> tuple[int, int]:
        """Map a point normalised to the shared area (0..1) to absolute pixels, clamped inside it."""
        px = self.left + round(min(max(x, 0.0), 1.0) * (self.width - 1))
        py = self.top + round(min(max(y, 0.0), 1.0) * (self.height - 1))
        return px, py


class Backend(abc.ABC):  # noqa: B024 - both methods have sensible defaults
    name: str = ""

    def unavailable_reason(self) -> str | None:
        """None when the backend can work here, else a sentence saying why not and what to do."""
        return None

    def describe(self) -> str:
        """What the backend uses here, for ``proxim doctor`` (say, a portal's interfaces and versions)."""
        return self.name

    def close(self) -> None:  # noqa: B027 - optional for backends that hold nothing
        """Release what the backend holds."""


class CaptureSource(Backend):
    """Grabs the shared screen. ``grab`` blocks and is called from a worker thread."""

    def start(self) -> None:
        """Begin capturing for a session, before the first ``geometry``. Called once from a worker thread; it may
        block while the desktop asks its user (a portal's sharing dialog), and raises BackendUnavailable if refused."""

    @abc.abstractmethod
    def geometry(self) -> ScreenGeometry: ...

    @abc.abstractmethod
    def grab(self) -> npt.NDArray[np.uint8]:
        """Return the shared area as a height x width x 4 BGRA array."""


class InputBackend(Backend):
    """Injects input. Calls may block briefly and are made from a worker thread. ``unavailable_reason`` is asked
    again at each session: a desktop may grant input per session (a portal's dialog)."""

    # scroll steps in one wheel notch: 1 scrolls by notches (X11's buttons 4-7); more makes a smooth wheel
    wheel_resolution: int = 1

    @abc.abstractmethod
    def move(self, x: int, y: int) -> None: ...

    @abc.abstractmethod
    def button(self, button: str, down: bool) -> None:
        """Press or release ``left``, ``middle``, ``right``, ``back`` or ``forward``."""

    def move_relative(self, dx: int, dy: int) -> None:
        """Move the pointer by whole pixels (trackpad mode). Optional: clients are told whether it is there."""
        raise NotImplementedError(f"the {self.name} input backend cannot move the pointer relatively")

    @abc.abstractmethod
    def scroll(self, dx: int, dy: int) -> None:
        """Scroll by whole steps (``wheel_resolution`` of them a notch); positive is right and down."""

    @abc.abstractmethod
    def key(self, key: str, code: str, down: bool) -> None:
        """Press or release the key a browser names ``key`` (KeyboardEvent.key) at ``code`` (KeyboardEvent.code)."""

    @abc.abstractmethod
    def type_text(self, text: str) -> None:
        """Type a whole string exactly."""

    def watch_local_input(self, on_local_input: Callable[[], None]) -> Callable[[], None] | None:
        """Call ``on_local_input`` (from any thread) whenever the local user moves the pointer, clicks or types, not
        for what this backend injected. Return a function that stops watching (it may block), or None when this
        backend cannot tell local input from its own; remote input then never yields to the local user."""
        return None


B = TypeVar("B", bound=Backend)


class BackendRegistry(Generic[B]):
    """Backends registered by name through a ``proxim_register_*`` hook; the configuration chooses one."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.factories: dict[str, Callable[[HostConfig], B]] = {}

    def register(self, name: str, factory: Callable[[HostConfig], B]) -> None:
        if name in self.factories:
            logger.warning("%s backend %r registered twice; keeping the last", self.kind, name)
        self.factories[name] = factory

    def create(self, name: str, config: HostConfig) -> B:
        """Instantiate ``name``; raise BackendUnavailable (with the reason) if it cannot work here."""
        factory = self.factories.get(name)
        if factory is None:
            known = ", ".join(sorted(self.factories)) or "none"
            raise BackendUnavailable(f"no {self.kind} backend named {name!r} (installed: {known})")
        backend = factory(config)
        reason = backend.unavailable_reason()
        if reason:
            backend.close()
            raise BackendUnavailable(f"{self.kind} backend {name!r} cannot work here: {reason}")
        return backend
