"""The whole path, all real: Xvfb, the host in console mode, zxing-cpp reading its QR code, Chromium as the phone."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.support.desktop import qr_texts
from tests.support.processes import XWitness
from tests.support.webclient import PHONE, VIDEO_CONTENT_BOX

READ_PIXEL = """() => {
  const video = document.querySelector('#screen');
  if (!video || !video.videoWidth) return null;
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth; canvas.height = video.videoHeight;
  const context = canvas.getContext('2d');
  context.drawImage(video, 0, 0);
  // away from the centre, where the X server's cursor starts (the host draws the cursor into the video)
  const data = context.getImageData(Math.round(canvas.width * 0.1), Math.round(canvas.height * 0.9), 1, 1).data;
  return [data[0], data[1], data[2]];
}"""


def decode_qr(path: Path) -> str:
    results = qr_texts(Image.open(path))
    assert len(results) == 1, f"expected one QR code in {path}, found {len(results)}"
    return results[0]


def wait_for_colour(page: Any, expected: tuple[int, int, int], timeout: float = 10.0, tolerance: int = 12) -> None:
    deadline = time.monotonic() + timeout
    seen = None
    while time.monotonic() < deadline:
        seen = page.evaluate(READ_PIXEL)
        if seen and all(abs(a - b) <= tolerance for a, b in zip(seen, expected, strict=True)):
            return
        time.sleep(0.1)
    pytest.fail(f"the video never showed {expected}; last seen {seen}")


def pair(host: Any, page: Any) -> str:
    """Open the link the host's QR code carries, as a phone would; return it."""
    link = host.next_link()
    host.wait_for("QR code also written")
    assert decode_qr(host.qr_png) == link
    page.goto(link)
    return str(link)


KEEPING_REFRESH = """document.getAnimations().filter(
  (a) => a.animationName === 'keep-refreshing' && a.playState === 'running').length"""


def test_phone_browser_sees_and_controls_the_host(
    start_host: Any, page: Any, witness: XWitness, artifacts: Path
) -> None:
    host = start_host()
    pair(host, page)
    host.wait_for(r"Approve connection from .+\? \[y/N\]")
    assert page.evaluate("document.body.dataset.state") == "pending"
    assert page.evaluate(KEEPING_REFRESH) == 0, "no animation before the picture is live"
    host.send("y")
    page.wait_for_selector("body[data-state=live]", timeout=20_000)
    host.wait_for("Connected: ")
    # the compositor is kept drawing while live, so each video frame shows at the next refresh (performance.md)
    assert page.evaluate(KEEPING_REFRESH) == 1

    wait_for_colour(page, (255, 0, 0))
    witness.paint("00C000")
    wait_for_colour(page, (0, 192, 0))
    page.screenshot(path=str(artifacts / "live.png"))

    box = page.evaluate(VIDEO_CONTENT_BOX)
    for rel_x, rel_y in ((0.25, 0.75), (0.8, 0.2)):
        page.mouse.click(box["x"] + rel_x * box["width"], box["y"] + rel_y * box["height"])
        press = witness.next_event("button_press")
        assert press["button"] == 1
        assert abs(press["x"] - rel_x * (witness.width - 1)) <= 3
        assert abs(press["y"] - rel_y * (witness.height - 1)) <= 3
        assert witness.next_event("button_release")["button"] == 1

    witness.focus()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    text = "Hello, Proxim 42!"
    page.keyboard.type(text)
    assert witness.typed_text(len(text)) == text


def test_rejection_is_shown_and_a_new_link_follows(start_host: Any, page: Any) -> None:
    host = start_host()
    first = pair(host, page)
    host.wait_for(r"Approve connection from .+\? \[y/N\]")
    host.send("n")
    page.wait_for_selector("body[data-state=rejected]", timeout=10_000)
    assert "declined" in page.inner_text("#status")
    second = host.next_link()
    assert second != first
    assert decode_qr(host.qr_png) == second
    # the used link is refused for good
    page.goto("about:blank")
    page.goto(first)
    page.wait_for_selector("body[data-state=expired]", timeout=10_000)


def test_no_answer_times_out(start_host: Any, page: Any) -> None:
    host = start_host("--approve-timeout", "2")
    first = pair(host, page)
    host.wait_for(r"Approve connection from .+\? \[y/N\]")
    page.wait_for_selector("body[data-state=timeout]", timeout=10_000)
    assert host.next_link() != first
    host.saw("No answer in time")


def test_phone_profile_pairs_and_taps(start_host: Any, chromium: Any, witness: XWitness, artifacts: Path) -> None:
    context = chromium.new_context(**PHONE)
    try:
        phone = context.new_page()
        host = start_host()
        pair(host, phone)
        device = host.wait_for(r"Approve connection from (.+)\? \[y/N\]").group(1)
        assert "Android" in device
        code = host.saw(r"Verification code: (\d{3}) (\d{3})")
        phone.wait_for_selector("body[data-state=pending]")
        assert code.group(1) + code.group(2) in phone.inner_text("#code").replace(" ", "")
        phone.screenshot(path=str(artifacts / "phone-pending.png"))
        host.send("yes")
        phone.wait_for_selector("body[data-state=live]", timeout=20_000)
        wait_for_colour(phone, (255, 0, 0))
        witness.paint("1565C0")
        wait_for_colour(phone, (21, 101, 192))
        phone.screenshot(path=str(artifacts / "phone-live.png"))
        box = phone.evaluate(VIDEO_CONTENT_BOX)
        phone.touchscreen.tap(box["x"] + 0.6 * box["width"], box["y"] + 0.4 * box["height"])
        press = witness.next_event("button_press")
        assert abs(press["x"] - 0.6 * (witness.width - 1)) <= 6
        assert abs(press["y"] - 0.4 * (witness.height - 1)) <= 6
    finally:
        context.close()
