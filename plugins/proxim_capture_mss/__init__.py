"""Screen capture with mss (X11 through XCB and MIT-SHM, Windows, macOS)."""

from __future__ import annotations

from collections.abc import Callable

from proxim_capture_mss.source import MssCaptureSource
from proxim_tray import CaptureSource, hookimpl
from proxim_tray.config import HostConfig

__version__ = "0.1.0"


@hookimpl
def proxim_register_capture_sources(
    register: Callable[[str, Callable[[HostConfig], CaptureSource]], None],
) -> None:
    register("mss", lambda config: MssCaptureSource(config.monitor, config.region, config.fps))
