"""Only what changed is grabbed and converted: the patched picture must equal a whole grab converted, pointer too."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from proxim_capture_mss.source import MssCaptureSource
from Xlib import X, display

from proxim_tray.canvas import WHOLE_SHARE, ScreenCanvas, to_video_frame
from proxim_tray.media import ScreenVideoTrack


def planes(frame: Any) -> np.ndarray:
    return np.asarray(frame.to_ndarray())


def same_picture(a: Any, b: Any) -> bool:
    """Equal but for swscale's rounding, which differs by one level at a few edges of its SIMD blocks."""
    difference = np.abs(planes(a).astype(int) - planes(b).astype(int))
    return bool(difference.max() <= 1 and np.count_nonzero(difference) <= difference.size // 1000)


def test_patches_convert_exactly_as_a_whole_grab_would() -> None:
    rng = np.random.default_rng(3)
    before = rng.integers(0, 256, (360, 640, 4), dtype=np.uint8)
    canvas = ScreenCanvas(None)
    canvas.replace(before)
    after = before.copy()
    changed = [(5, 7, 33, 21), (300, 101, 1, 1), (600, 300, 40, 60), (101, 200, 16, 9), (0, 0, 2, 2)]
    for left, top, width, height in changed:
        after[top : top + height, left : left + width] = rng.integers(0, 256, (height, width, 4), dtype=np.uint8)
    patches = canvas.patches(changed)
    assert patches is not None
    for left, top, width, height in patches:
        assert left % 2 == top % 2 == width % 2 == height % 2 == 0, "patches keep to the 2x2 chroma grid"
        assert left + width <= 640 and top + height <= 360, "patches are clipped to the picture"
        canvas.patch((left, top, width, height), np.ascontiguousarray(after[top : top + height, left : left + width]))
    assert canvas.frame is not None
    assert same_picture(canvas.frame, to_video_frame(after, None))


def test_big_changes_and_scaled_pictures_are_converted_whole() -> None:
    canvas = ScreenCanvas(None)
    canvas.replace(np.zeros((100, 200, 4), dtype=np.uint8))
    assert canvas.patches([(0, 0, 200, int(100 * WHOLE_SHARE) + 2)]) is None
    assert canvas.patches([(0, 0, 20, 20)]) == [(0, 0, 20, 20)]
    assert canvas.patches([(195, 95, 1, 1)]) == [(184, 84, 16, 16)], "a tiny change is grown, inside the picture"
    # near rectangles become one patch: a word typed is converted once, not glyph by glyph
    assert canvas.patches([(10, 10, 8, 16), (20, 10, 8, 16), (30, 10, 8, 16)]) == [(10, 10, 36, 16)]
    scaled = ScreenCanvas(120)
    scaled.replace(np.zeros((100, 200, 4), dtype=np.uint8))
    assert scaled.patches([(0, 0, 10, 10)]) is None, "a scaled picture has no pixel-for-pixel patch"
    odd = ScreenCanvas(None)
    odd.replace(np.zeros((101, 201, 4), dtype=np.uint8))
    assert odd.patches([(0, 0, 10, 10)]) is None


class Painter:
    """An X client drawing small rectangles on a window covering the screen."""

    def __init__(self) -> None:
        self.display = display.Display()
        screen = self.display.screen()
        self.window = screen.root.create_window(
            0, 0, screen.width_in_pixels, screen.height_in_pixels, 0, screen.root_depth,
            X.InputOutput, X.CopyFromParent, background_pixel=0x203040, override_redirect=True,
        )  # fmt: skip
        self.window.map()
        self.display.sync()
        self.rng = random.Random(5)

    def scribble(self, count: int) -> None:
        for _ in range(count):
            gc = self.window.create_gc(foreground=self.rng.randrange(1 << 24))
            x, y = self.rng.randrange(0, 1200), self.rng.randrange(0, 700)
            self.window.fill_rectangle(gc, x, y, self.rng.randrange(1, 60), self.rng.randrange(1, 40))
            self.window.draw_text(gc, self.rng.randrange(1200), self.rng.randrange(20, 700), "Proxim 42")
        self.display.sync()

    def change_pointer(self, glyph: int) -> None:
        """Give the window another pointer shape from the X cursor font (the pointer is over the window)."""
        font = self.display.open_font("cursor")
        cursor = font.create_glyph_cursor(font, glyph, glyph + 1, (0, 0, 0), (65535, 65535, 65535))
        self.window.change_attributes(cursor=cursor)
        self.display.sync()

    def move_pointer(self, x: int, y: int) -> None:
        self.display.screen().root.warp_pointer(x, y)
        self.display.sync()

    def close(self) -> None:
        self.window.destroy()
        self.display.close()


@pytest.fixture(scope="module")
def server_kept(xvfb: str) -> Iterator[None]:
    """A connection open for the whole module: Xvfb resets when its last client leaves, and a test connecting
    during the reset would be turned away."""
    connection = display.Display(xvfb)
    yield
    connection.close()


@pytest.fixture
def painter(xvfb: str, server_kept: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Painter]:
    monkeypatch.setenv("DISPLAY", xvfb)
    painter = Painter()
    yield painter
    painter.close()


async def test_the_streamed_picture_is_patched_where_the_screen_changed_and_equals_a_whole_grab(
    painter: Painter,
) -> None:
    source, reference = MssCaptureSource(monitor=1), MssCaptureSource(monitor=1)
    track = ScreenVideoTrack(source)
    patched = 0
    original = source.grab_region

    def counted(rect: Any) -> Any:
        nonlocal patched
        patched += 1
        return original(rect)

    source.grab_region = counted  # type: ignore[method-assign]
    loop = asyncio.get_running_loop()
    try:
        await track.recv()  # the first picture is grabbed whole
        for step in range(15):
            if step % 5 == 4:
                painter.change_pointer(60 + 2 * step)  # a pointer of another shape where it stands
            elif step % 3 == 2:
                painter.move_pointer(100 + step * 77, 50 + step * 41)
            else:
                painter.scribble(3)
            await asyncio.sleep(0.05)  # the change events reach the watcher
            frame = await asyncio.wait_for(track.recv(), 5)
            # the screen is still now: a whole grab converted must show exactly what the stream shows
            whole = await loop.run_in_executor(None, lambda: to_video_frame(reference.grab(), None))
            assert same_picture(frame, whole), f"step {step}: the patched picture differs"
        assert patched >= 12, "changes were grabbed as patches, not whole"
    finally:
        track.stop()
        source.close()
        reference.close()


async def test_a_screen_settling_after_patches_is_grabbed_whole_once(painter: Painter) -> None:
    source = MssCaptureSource(monitor=1)
    track = ScreenVideoTrack(source)
    wholes = 0
    grab = source.grab

    def counted() -> Any:
        nonlocal wholes
        wholes += 1
        return grab()

    source.grab = counted  # type: ignore[method-assign]
    try:
        await track.recv()
        painter.scribble(2)
        await asyncio.sleep(0.05)
        await asyncio.wait_for(track.recv(), 5)
        assert wholes == 1, "the change was patched"
        # the probe 0.1 s after the change, then 8 settling frames from 0.3 s: the first of them grabs whole
        for _ in range(9):
            await asyncio.wait_for(track.recv(), 5)
        assert wholes == 2
    finally:
        track.stop()
        source.close()
