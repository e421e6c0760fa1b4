"""Driving the web client in Chromium: browser profiles, pairing with a real host, and what the page sent."""

from __future__ import annotations

import time
from typing import Any

import pytest

PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Mobile Safari/537.36",
}

# Records every control message the page sends in window.sentLog, heartbeats as their times in window.heartbeats.
RECORD_SENT = """() => {
  const dc = window.proxim.dc;
  window.sentLog = [];
  window.heartbeats = [];
  const send = dc.send.bind(dc);
  dc.send = (data) => {
    const message = JSON.parse(data);
    if (message.t === 'hb') window.heartbeats.push(performance.now());
    else window.sentLog.push(message);
    send(data);
  };
}"""

VIDEO_CONTENT_BOX = """() => {
  const video = document.querySelector('#screen');
  const box = video.getBoundingClientRect();
  const scale = Math.min(box.width / video.videoWidth, box.height / video.videoHeight);
  const width = video.videoWidth * scale, height = video.videoHeight * scale;
  return {x: box.left + (box.width - width) / 2, y: box.top + (box.height - height) / 2, width, height};
}"""


def approve_next(host: Any, page: Any) -> None:
    """Open the host's current link in ``page`` and approve it on the host's console."""
    page.goto(host.next_link())
    host.wait_for(r"Approve connection from .+\? \[y/N\]")
    page.wait_for_selector("body[data-state=pending]")


def open_live_session(host: Any, page: Any) -> Any:
    """Pair ``page`` with ``host``, approve, wait for the picture; from then on the page's messages are recorded."""
    approve_next(host, page)
    host.send("y")
    page.wait_for_selector("body[data-state=live]", timeout=20_000)
    page.wait_for_function("window.proxim.dc && window.proxim.dc.readyState === 'open' && window.proxim.hello")
    page.evaluate(RECORD_SENT)
    return host


def sent_messages(page: Any) -> list[dict[str, Any]]:
    """The control messages the page sent since the last call."""
    return list(page.evaluate("window.sentLog.splice(0)"))


def wait_for_sent(page: Any, kind: str, timeout: float = 5.0) -> dict[str, Any]:
    """The first recorded message of type ``kind``, waiting for one to be sent."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = page.evaluate("(kind) => window.sentLog.find((m) => m.t === kind) || null", kind)
        if found:
            return dict(found)
        time.sleep(0.02)
    pytest.fail(f"the page never sent a {kind!r} message")


def video_box(page: Any) -> dict[str, float]:
    return dict(page.evaluate(VIDEO_CONTENT_BOX))


def page_point(box: dict[str, float], rel_x: float, rel_y: float) -> tuple[float, float]:
    """The page coordinates of a point of the shared screen, given as fractions of its width and height."""
    return box["x"] + rel_x * box["width"], box["y"] + rel_y * box["height"]


def wait_for_text(page: Any, selector: str, fragment: str, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = str(page.inner_text(selector))
        if fragment in text:
            return text
        time.sleep(0.05)
    pytest.fail(f"{selector} never said {fragment!r}; it says {text!r}")
