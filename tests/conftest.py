"""Shared fixtures: a real X server (Xvfb), the host as a process, and Debian's Chromium through Playwright."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.control_host import XState
from tests.support.netns import Lab, NetworkError
from tests.support.processes import LineProcess, XWitness, child_env, free_port, host_command
from tests.support.xserver import start_xvfb

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM = os.environ.get("PROXIM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--autoplay-policy=no-user-gesture-required",
]
SCREEN = (1280, 720)


@pytest.fixture(scope="session")
def xvfb() -> Iterator[str]:
    """A private Xvfb; yields its DISPLAY value."""
    if shutil.which("Xvfb") is None:
        pytest.fail("Xvfb is not installed: run the README's test command, which installs it")
    try:
        proc, display = start_xvfb(*SCREEN)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield display
    finally:
        proc.terminate()
        proc.wait(5)


@pytest.fixture
def host_display(xvfb: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """An in-process host injects into and captures the test X server (and keeps its state files in the test's)."""
    monkeypatch.setenv("DISPLAY", xvfb)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return xvfb


@pytest.fixture
def x_state(host_display: str) -> Iterator[XState]:
    """What the X server says is pressed and where the pointer is."""
    state = XState(host_display)
    yield state
    state.close()


@pytest.fixture
def display_env(xvfb: str, tmp_path: Path) -> dict[str, str]:
    """The environment of processes a test starts: its X server, and no config or state file of the developer's."""
    env = child_env(DISPLAY=xvfb, XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_STATE_HOME=str(tmp_path / "state"))
    env.pop("WAYLAND_DISPLAY", None)
    env.pop("PROXIM_CONFIG", None)
    return env


@pytest.fixture
def witness(display_env: dict[str, str]) -> Iterator[XWitness]:
    process = XWitness(display_env)
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    path = ARTIFACTS / str(request.node.name)
    path.mkdir(parents=True, exist_ok=True)
    return path


class HostProcess(LineProcess):
    def __init__(self, env: dict[str, str], workdir: Path, *extra: str) -> None:
        self.port = free_port()
        self.qr_png = workdir / "pairing.png"
        super().__init__(host_command(self.port, self.qr_png, *extra), env=env, stderr_path=workdir / "host.log")

    def next_link(self, timeout: float = 15.0) -> str:
        return self.wait_for(r"^\s+(http://\S+)$", timeout).group(1)


@pytest.fixture
def start_host(display_env: dict[str, str], artifacts: Path) -> Iterator[object]:
    started: list[HostProcess] = []

    def start(*extra: str) -> HostProcess:
        host = HostProcess(display_env, artifacts, *extra)
        started.append(host)
        return host

    yield start
    for host in started:
        host.stop()


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    """One browser per test module: Playwright's sync API keeps an event loop running on this thread while it is
    started, which would stop later asyncio tests from running theirs."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run the README's test command, which installs Debian's chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: object) -> Iterator[object]:
    context = chromium.new_context(viewport={"width": SCREEN[0], "height": SCREEN[1]})  # type: ignore[attr-defined]
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def lab() -> Iterator[Lab]:
    """Network namespaces for one test, deleted afterwards (tests/support/netns.py)."""
    try:
        network = Lab()
    except NetworkError as exc:
        pytest.fail(str(exc))
    with network:
        yield network
