"""Screen capture through the ScreenCast portal: frames from PipeWire, converted to I420 by GStreamer."""

from __future__ import annotations

import logging
from collections.abc import Callable

import av
import numpy as np
import numpy.typing as npt

from proxim_portal import availability
from proxim_portal.dbus import Portal
from proxim_portal.gstreamer import PipeWireFrames
from proxim_portal.session import PortalSession, make_current
from proxim_tray import CaptureSource, ScreenGeometry
from proxim_tray.errors import BackendUnavailable

logger = logging.getLogger(__name__)


class PortalCaptureSource(CaptureSource):
    """Starting it asks the person at the desktop (the portal's dialog); ``with_input`` asks for input in the same
    dialog, so the pointer moves in the shared stream's coordinates. ``on_closed`` is called (from the D-Bus thread)
    when the desktop ends the sharing itself."""

    name = "portal"

    def __init__(self, with_input: bool, on_closed: Callable[[], None] | None = None) -> None:
        self._with_input = with_input
        self._on_closed = on_closed
        self._portal: Portal | None = None
        self._session: PortalSession | None = None
        self._frames: PipeWireFrames | None = None

    def unavailable_reason(self) -> str | None:
        try:
            availability.probe()
        except BackendUnavailable as exc:
            return str(exc)
        return None

    def describe(self) -> str:
        return availability.probe().describe()

    def start(self) -> None:
        self._portal = Portal()
        self._session = PortalSession(self._portal, self._with_input, self._on_closed)
        self._session.start()
        assert self._session.stream is not None
        self._frames = PipeWireFrames(self._session.open_pipewire_remote(), self._session.stream.node)
        self._frames.wait_first()
        make_current(self._session)

    def _started(self) -> PipeWireFrames:
        if self._frames is None:
            raise BackendUnavailable("the portal capture was not started")
        return self._frames

    def geometry(self) -> ScreenGeometry:
        width, height = self._started().size()
        return ScreenGeometry(0, 0, width & ~1, height & ~1)

    def grab_frame(self) -> av.VideoFrame:
        if self._session is not None and self._session.closed.is_set():
            raise BackendUnavailable("the desktop ended screen sharing")
        return self._started().frame()

    def grab(self) -> npt.NDArray[np.uint8]:
        return np.asarray(self.grab_frame().to_ndarray(format="bgra"), dtype=np.uint8)

    def watch_changes(self, on_change: Callable[[], None]) -> Callable[[], None] | None:
        """PipeWire sends a frame only when the screen changes: each one is the change event."""
        frames = self._started()
        frames.on_frame = on_change

        def stop() -> None:
            frames.on_frame = None

        return stop

    def close(self) -> None:
        if self._frames is not None:
            self._frames.close()
            self._frames = None
        if self._session is not None:
            self._session.close()  # releases what the input backend holds first
            make_current(None)
            self._session = None
        if self._portal is not None:
            self._portal.close()
            self._portal = None
