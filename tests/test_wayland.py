"""In a Wayland session capture and input through XWayland would show and reach only X11 windows: both refuse,
and ``proxim doctor`` says why, instead of streaming a black screen."""

from __future__ import annotations

import subprocess
import sys

import pytest
from proxim_capture_mss.source import MssCaptureSource
from proxim_input_x11.backend import X11InputBackend


@pytest.fixture
def wayland_session(xvfb: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """XWayland's X server (here a real Xvfb) next to a Wayland socket name, as a Wayland desktop sets them."""
    monkeypatch.setenv("DISPLAY", xvfb)
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    return {"DISPLAY": xvfb, "WAYLAND_DISPLAY": "wayland-0"}


def test_capture_and_input_refuse_with_a_reason(wayland_session: dict[str, str]) -> None:
    capture, control = MssCaptureSource(1), X11InputBackend()
    try:
        assert "Xorg session" in (capture.unavailable_reason() or "")
        assert "Xorg session" in (control.unavailable_reason() or "")
    finally:
        capture.close()
        control.close()


def test_doctor_says_what_to_do(wayland_session: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "proxim_tray", "doctor"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 1
    lines = {line.split()[1] + " " + line.split()[2]: line for line in result.stdout.splitlines() if line.strip()}
    assert lines["display server"].startswith("FIX") and "Wayland" in lines["display server"]
    assert lines["screen capture"].startswith("FIX") and "Xorg" in lines["screen capture"]
    assert lines["input injection"].startswith("FIX") and "Xorg" in lines["input injection"]
