"""Capture as on Windows and macOS: grabs compared on a sample by a thread of their own, the pointer drawn into the
picture (mss leaves it out there). The comparison and the drawing are checked directly; the polling path runs on a
real X server with the X11-only parts (DAMAGE, mss's own pointer) switched off."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import numpy as np
import pytest
from proxim_capture_mss import source as mss_source_module
from proxim_capture_mss.changes import SampledComparison
from proxim_capture_mss.cursor import OUTLINE, draw_pointer
from proxim_capture_mss.source import MssCaptureSource

from proxim_tray.backends import ScreenGeometry
from tests.support.processes import XWitness


def test_a_sampled_comparison_sees_every_change() -> None:
    comparison = SampledComparison()
    still = np.zeros((40, 60, 4), dtype=np.uint8)
    assert comparison.changed(still)  # the first grab
    assert not any(comparison.changed(still.copy()) for _ in range(8))
    glyph = still.copy()
    glyph[10:12, 20:22] = 255  # 2x2 pixels: seen at once, whatever the phase
    assert comparison.changed(glyph)
    dot = glyph.copy()
    dot[31, 41] = 7  # one pixel: seen within four grabs
    assert any(comparison.changed(dot.copy()) for _ in range(4))
    assert not comparison.changed(dot.copy())
    assert comparison.changed(np.zeros((20, 60, 4), dtype=np.uint8))  # another size


def test_the_pointer_is_drawn_where_it_is_at_the_pictures_scale() -> None:
    # a Retina display: the area is 100 x 50 points, its grab 200 x 100 pixels
    area = ScreenGeometry(1000, 0, 100, 50)
    frame = draw_pointer(np.full((100, 200, 4), 128, dtype=np.uint8), area, 1010, 5)
    tip = frame[10:, 20:]
    height, width = OUTLINE.shape
    assert (tip[:2, :2] == [0, 0, 0, 255]).all(), "the tip, two pixels a point"
    drawn = np.argwhere((frame != 128).any(axis=2))
    assert drawn.min(axis=0).tolist() == [10, 20]
    assert drawn.max(axis=0).tolist() == [10 + 2 * height - 1, 20 + 2 * width - 1]
    # at the edge it is clipped; outside the area nothing is drawn
    edge = draw_pointer(np.full((50, 100, 4), 128, dtype=np.uint8), ScreenGeometry(0, 0, 100, 50), 98, 45)
    assert (edge[45, 98] == [0, 0, 0, 255]).all()
    untouched = np.full((50, 100, 4), 128, dtype=np.uint8)
    assert (draw_pointer(untouched, ScreenGeometry(0, 0, 100, 50), -5, 10) == 128).all()


@pytest.fixture
def polling_source(xvfb: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[MssCaptureSource]:
    monkeypatch.setenv("DISPLAY", xvfb)
    monkeypatch.setattr(mss_source_module, "USES_X11", False)
    source = MssCaptureSource(monitor=1, fps=30)
    yield source
    source.close()


def test_polled_grabs_report_changes_and_hand_over_the_changed_picture(
    polling_source: MssCaptureSource, witness: XWitness
) -> None:
    changes = threading.Semaphore(0)
    stop = polling_source.watch_changes(changes.release)
    assert stop is not None
    try:
        while changes.acquire(timeout=0.3):
            polling_source.grab()  # whatever was drawn before now
        witness.paint("00FF00")
        assert changes.acquire(timeout=2)
        frame = polling_source.grab()
        assert frame[frame.shape[0] // 2, frame.shape[1] // 2, :3].tolist() == [0, 255, 0]  # BGR
        while changes.acquire(timeout=0.3):
            polling_source.grab()
        assert not changes.acquire(timeout=0.5), "a still screen is reported as changing"
    finally:
        stop()
