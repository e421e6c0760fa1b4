"""Faults in the middle of a session, on a network of namespaces: the phone's browser killed, the phone's network cut.

The host runs in its own namespace as a user runs it, Debian's Chromium in the phone's; the phone holds Shift down
(a modifier: X does not autorepeat it) when the fault strikes. What a user would see is checked: the X server's keymap
(nothing left down), the host's console (the session ends, a fresh link).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from bench._host import keys_down, vitals
from tests.conftest import CHROMIUM_ARGS
from tests.support.netns import Lab, Namespace, NamespacedHost, chromium_in, host_env, lan
from tests.support.processes import LineProcess, child_env
from tests.support.webclient import VIDEO_CONTENT_BOX

HOST_ADDRESS, PHONE_ADDRESS = "10.111.0.1/24", "10.111.0.2/24"
# after the fault, the keys the phone held must be up within this, and the host must show it is not controlled
KEYS_RELEASED_WITHIN = 5.0
# after the browser dies, the session ends and a fresh link is shown within this (a killed browser cannot say it
# leaves, so a window for the phone to come back after a Wi-Fi blip adds its length here too)
SESSION_ENDS_AFTER_KILL_WITHIN = 5.0
# after the phone's network is cut and it does not come back, the session ends with a fresh link within this (a
# window for the phone to come back after a Wi-Fi blip adds its length here)
SESSION_ENDS_AFTER_CUT_WITHIN = 5.0
# the phone's radio link goes dead: whatever either side sends vanishes on the way, with no error to the sender
# (dropped where it arrives; netem's qdisc, the other way to do it, is missing from some kernels)
CUT = """
table inet cut {
  chain input { type filter hook input priority 0; policy accept; iifname "eth0" drop; }
}
"""
# the phone stops taking what the host sends over the peer connection (video, data channel) while its WebSocket
# stays up and it keeps sending: to the host, a phone that does not read
DEAF = """
table inet deaf {
  chain input { type filter hook input priority 0; policy accept; iifname "eth0" meta l4proto udp drop; }
}
"""
DEAF_SECONDS = 8.0
DEAF_RSS_BOUND_KIB = 8 * 1024
# what the host's console shows once the phone no longer controls it
NOT_CONTROLLED = r"^Session with .+ ended: client left\.$"


def until(condition: Callable[[], Any], timeout: float, what: str) -> float:
    """Seconds until ``condition`` held, polling; fails the test after ``timeout``."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            pytest.fail(f"{what}: not within {timeout} s")
        time.sleep(0.02)
    return time.monotonic() - started


@contextmanager
def phone_holding_shift(
    lab: Lab, xvfb: str, tmp_path: Path, *host_args: str
) -> Iterator[tuple[NamespacedHost, Namespace]]:
    """A live session from Chromium in the phone's namespace, Shift held down on the host."""
    from playwright.sync_api import sync_playwright

    host_ns, phone = lan(lab, host_addresses=[HOST_ADDRESS], phone_addresses=[PHONE_ADDRESS])
    host = NamespacedHost(host_ns, tmp_path, *host_args, env=host_env(tmp_path, display=xvfb))
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium_in(phone, tmp_path), headless=True, args=CHROMIUM_ARGS
            )
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 720})
                page.goto(host.next_link())
                host.wait_for(r"Approve connection from .+\? \[y/N\]")
                host.send("y")
                page.wait_for_selector("body[data-state=live]", timeout=20_000)
                box = page.evaluate(VIDEO_CONTENT_BOX)
                page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
                page.keyboard.down("Shift")
                until(lambda: keys_down(xvfb), 5, "the host pressing Shift for the phone")
                yield host, phone
            finally:
                with contextlib.suppress(Exception):  # the test may have killed it
                    browser.close()
    finally:
        host.stop()


def kill_everything_in(namespace: Namespace) -> None:
    """SIGKILL the processes running in ``namespace`` (the test's own browser), by their ids."""
    listed = subprocess.run(["ip", "netns", "pids", namespace.name], capture_output=True, text=True, check=True)
    pids = [int(pid) for pid in listed.stdout.split()]
    assert pids, f"no process in {namespace.name}"
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def test_the_browser_killed_mid_session_releases_everything(lab: Lab, xvfb: str, tmp_path: Path) -> None:
    with phone_holding_shift(lab, xvfb, tmp_path) as (host, phone):
        kill_everything_in(phone)
        killed = time.monotonic()
        released = until(lambda: not keys_down(xvfb), KEYS_RELEASED_WITHIN, "keys released after the kill")
        host.wait_for(NOT_CONTROLLED, KEYS_RELEASED_WITHIN - (time.monotonic() - killed))
        host.next_link(SESSION_ENDS_AFTER_KILL_WITHIN - (time.monotonic() - killed))
        ended = time.monotonic() - killed
    print(f"keys released {released:.2f} s after the kill; fresh link {ended:.2f} s after it")


def test_the_network_cut_mid_session_releases_everything(lab: Lab, xvfb: str, tmp_path: Path) -> None:
    # with no resume window, a cut ends the session at once (waiting for the phone to come back is
    # tests/test_network_resume.py's business; what it held is released at the start either way)
    with phone_holding_shift(lab, xvfb, tmp_path, "--resume-window", "0") as (host, phone):
        cut = time.monotonic()
        phone.nft(CUT)
        host.namespace.nft(CUT)
        released = until(lambda: not keys_down(xvfb), KEYS_RELEASED_WITHIN, "keys released after the cut")
        host.wait_for(NOT_CONTROLLED, KEYS_RELEASED_WITHIN - (time.monotonic() - cut))
        host.next_link(SESSION_ENDS_AFTER_CUT_WITHIN - (time.monotonic() - cut))
        ended = time.monotonic() - cut
    print(f"keys released {released:.2f} s after the cut; fresh link {ended:.2f} s after it")


def test_a_phone_that_stops_reading_does_not_grow_host_memory(lab: Lab, tmp_path: Path) -> None:
    host_ns, phone = lan(lab, host_addresses=[HOST_ADDRESS], phone_addresses=[PHONE_ADDRESS])
    host = NamespacedHost(host_ns, tmp_path, "--capture", "testpattern")
    client = None
    try:
        script = Path(__file__).with_name("support") / "client_process.py"
        argv = [sys.executable, str(script), host.next_link(), "--send-bad"]
        client = LineProcess(phone.argv(argv), env=child_env())
        host.wait_for(r"Approve connection from .+\? \[y/N\]")
        host.send("y")
        client.wait_for("^connected$")
        phone.nft(DEAF)
        started = time.monotonic()
        samples = []  # from the first second on: the session's own start-up allocations are done by then
        while (elapsed := time.monotonic() - started) < DEAF_SECONDS:
            if elapsed >= 1.0:
                samples.append(vitals(host.proc.pid).rss_kib)
            time.sleep(0.5)
        ended = any("ended" in line for line in host.drain())
    finally:
        if client is not None:
            client.stop()
        host.stop()
    growth = max(samples) - samples[0]
    print(f"host memory over {DEAF_SECONDS:g} s: {samples[0]} -> max {max(samples)} KiB; session ended: {ended}")
    assert growth <= DEAF_RSS_BOUND_KIB, samples
