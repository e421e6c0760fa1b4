"""Capture backends on a real X server: monitors, regions, change events, scaling; clear errors without a display."""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest
from proxim_capture_mss.source import MssCaptureSource, shared_area
from proxim_capture_testpattern.pattern import TestPatternSource, pattern_size

from proxim_tray import media_options
from proxim_tray.backends import BackendRegistry, ScreenGeometry
from proxim_tray.canvas import scaled_size, to_video_frame
from proxim_tray.config import HostConfig
from proxim_tray.errors import BackendUnavailable
from tests.conftest import SCREEN
from tests.support.processes import XWitness

# what mss reports for a display with two monitors side by side: all of them first, then each
TWO_MONITORS = [
    {"left": 0, "top": 0, "width": 3200, "height": 1080},
    {"left": 0, "top": 0, "width": 1920, "height": 1080},
    {"left": 1920, "top": 0, "width": 1280, "height": 1024},
]


@pytest.fixture
def mss_source(xvfb: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[MssCaptureSource]:
    """A capture source in this process, on the test X server."""
    monkeypatch.setenv("DISPLAY", xvfb)
    source = MssCaptureSource(monitor=1)
    yield source
    source.close()


def bgr(rgb: str) -> list[int]:
    return [int(rgb[4:6], 16), int(rgb[2:4], 16), int(rgb[0:2], 16)]


def until(condition: object, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.01)
    return False


def test_each_monitor_all_monitors_and_a_region_inside_one() -> None:
    assert shared_area(TWO_MONITORS, 0, None) == ScreenGeometry(0, 0, 3200, 1080)
    assert shared_area(TWO_MONITORS, 2, None) == ScreenGeometry(1920, 0, 1280, 1024)
    # a region is relative to its monitor
    assert shared_area(TWO_MONITORS, 2, (100, 50, 640, 480)) == ScreenGeometry(2020, 50, 640, 480)
    with pytest.raises(BackendUnavailable, match="monitor 3 does not exist: this display has 2"):
        shared_area(TWO_MONITORS, 3, None)
    with pytest.raises(BackendUnavailable, match=r"region 1000,0,640,480 does not fit monitor 2 \(1280x1024\)"):
        shared_area(TWO_MONITORS, 2, (1000, 0, 640, 480))


def test_grabs_the_whole_screen_and_a_region_with_what_is_painted(
    mss_source: MssCaptureSource, witness: XWitness
) -> None:
    witness.paint("2040C0")
    whole = MssCaptureSource(monitor=0)
    region = MssCaptureSource(monitor=1, region=(100, 50, 320, 240))
    try:
        assert whole.unavailable_reason() is None
        assert whole.geometry() == ScreenGeometry(0, 0, *SCREEN)
        assert whole.grab().shape == (SCREEN[1], SCREEN[0], 4)
        assert region.geometry() == ScreenGeometry(100, 50, 320, 240)
        pixels = region.grab()
        assert pixels.shape == (240, 320, 4)
        assert pixels[-1, -1, :3].tolist() == bgr("2040C0")
    finally:
        whole.close()
        region.close()


def test_a_monitor_or_region_that_is_not_there_is_refused_clearly(mss_source: MssCaptureSource) -> None:
    registry: BackendRegistry[MssCaptureSource] = BackendRegistry("capture")
    registry.register("mss", lambda config: MssCaptureSource(config.monitor, config.region))
    with pytest.raises(BackendUnavailable, match="monitor 2 does not exist: this display has 1"):
        registry.create("mss", HostConfig(monitor=2))
    with pytest.raises(BackendUnavailable, match="does not fit monitor 1"):
        registry.create("mss", HostConfig(region=(1200, 0, 200, 200)))


def test_without_a_display_the_backend_says_why() -> None:
    code = (
        "from proxim_capture_mss.source import MssCaptureSource as S;"
        "print(S().unavailable_reason());"
        "print(S().watch_changes(lambda: None))"
    )
    env = {"PATH": "/usr/bin:/bin"}
    no_display = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert no_display.stdout.splitlines() == [
        "no X display (DISPLAY is not set); run Proxim inside a desktop session",
        "None",
    ]
    gone = subprocess.run(
        [sys.executable, "-c", code.split(";print(S().watch")[0]],
        env=env | {"DISPLAY": ":4242"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert gone.stdout.startswith("cannot open the display :4242 for capture (")
    assert gone.stdout.rstrip().endswith("check that DISPLAY names a running X server")


def test_drawing_and_pointer_moves_are_reported_as_changes(mss_source: MssCaptureSource, witness: XWitness) -> None:
    changes = threading.Semaphore(0)
    stop = mss_source.watch_changes(changes.release)
    assert stop is not None, "Xvfb has DAMAGE: changes must be watched, not polled"
    try:
        while changes.acquire(timeout=0.3):
            pass  # whatever was drawn before now
        witness.paint("00FF00")
        assert changes.acquire(timeout=2)
        while changes.acquire(timeout=0.3):
            pass
        subprocess.run(["xdotool", "mousemove", "300", "200"], check=True)
        assert changes.acquire(timeout=2)
        # and nothing while nothing happens
        while changes.acquire(timeout=0.3):
            pass
        assert not changes.acquire(timeout=0.5)
    finally:
        stop()


def test_scaling_down_keeps_the_shape_and_even_sizes() -> None:
    assert scaled_size(1920, 1080, 1280) == (1280, 720)
    assert scaled_size(1080, 1920, 640) == (360, 640)
    assert scaled_size(1366, 768, None) == (1366, 768)
    assert scaled_size(1366, 768, 1000) == (1000, 562)
    grab = np.zeros((1080, 1920, 4), dtype=np.uint8)
    grab[..., 2] = 255  # red, in BGRA
    frame = to_video_frame(grab, 640)
    assert (frame.width, frame.height, frame.format.name) == (640, 360, "yuv420p")
    rgb = frame.to_ndarray(format="rgb24", src_colorspace="ITU601")
    assert np.abs(rgb[180, 320].astype(int) - [255, 0, 0]).max() <= 4


def test_odd_widths_convert_without_padding_artefacts() -> None:
    grab = np.full((101, 203, 4), 128, dtype=np.uint8)
    frame = to_video_frame(grab, None)
    assert (frame.width, frame.height) == (202, 100)


def test_the_test_pattern_changes_at_its_rate_and_reports_it() -> None:
    source = TestPatternSource((640, 360), rate=50)
    first = source.grab()
    assert first.shape == (360, 640, 4)
    changes = threading.Semaphore(0)
    stop = source.watch_changes(changes.release)
    assert stop is not None
    try:
        assert changes.acquire(timeout=2)
        assert until(lambda: source.changes >= 5)
        assert not np.array_equal(source.grab(), first)
    finally:
        stop()
    still = TestPatternSource((640, 360), rate=0)
    still_stop = still.watch_changes(changes.release)
    assert still_stop is not None
    assert np.array_equal(still.grab(), still.grab())
    still_stop()


@pytest.mark.parametrize(
    ("parse", "text", "message"),
    [
        (media_options.fps, "0", "frame rate 0 is out of range; give 1 to 120"),
        (media_options.fps, "fast", "frame rate 'fast' is not a whole number"),
        (media_options.bitrate_range, "900-300", "bitrate range '900-300' is wrong"),
        (media_options.max_size, "8", "maximum size 8 is too small"),
        (media_options.region, "1,2,3", "region '1,2,3' is wrong; give X,Y,WIDTH,HEIGHT"),
        (media_options.region, "0,0,-5,10", "WIDTH and HEIGHT at least 2"),
        (pattern_size, "big", "size 'big' is wrong; give WIDTHxHEIGHT"),
    ],
)
def test_bad_stream_options_get_a_clear_message(parse: object, text: str, message: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=message.replace("(", r"\(")):
        parse(text)  # type: ignore[operator]


def test_good_stream_options_parse() -> None:
    assert media_options.bitrate_range("300-6000") == (300, 6000)
    assert media_options.bitrate_range("2000") == (2000, 2000)
    assert media_options.region("0,0,640,480") == (0, 0, 640, 480)
    assert pattern_size("1920x1080") == (1920, 1080)
