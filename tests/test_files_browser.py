"""File transfer in Chromium: the page's menu and a drop send files to the host's folder, the host's files are offered
for download, with progress, cancel on either side, many files in a row, a 200 MB file, hostile names, a full disk
(a small tmpfs), a disconnect mid-file and a session without the permission. The host runs in the test's loop (the
plugin test kit) with its real signaling server, page and WebRTC; the page is Debian's Chromium."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, async_playwright
from proxim_console.commands import run_command
from proxim_files.plugin import FilesPlugin

from proxim_tray import FULL_CONTROL, Grant, testing
from tests.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.support.tmpfs import small_tmpfs

TIMEOUT = 30.0
WITH_FILES = FULL_CONTROL | {"files"}
MB = 1024 * 1024

# drops files made in the page (names as given) on the page, as a desktop browser's drag and drop would
DROP = """([names, size]) => {
  const transfer = new DataTransfer();
  for (const name of names) transfer.items.add(new File([new Uint8Array(size).fill(7)], name));
  for (const type of ['dragenter', 'dragover', 'drop']) {
    document.body.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }
}"""


def big_file(path: Path, size: int) -> Path:
    with path.open("wb") as out:
        block = os.urandom(MB)
        for _ in range(size // MB):
            out.write(block)
        out.write(os.urandom(size % MB))
    return path


def digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as source:
        while block := source.read(4 * MB):
            sha.update(block)
    return sha.hexdigest()


async def until(condition: Callable[[], bool | Awaitable[bool]], what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if await result if isinstance(result, Awaitable) else result:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def row_text(page: Page, name: str) -> str:
    """What the transfer row of ``name`` says (empty when there is none)."""
    rows = page.locator(".files-row", has_text=name)
    return str(await rows.last.inner_text()) if await rows.count() else ""


async def wait_row(page: Page, name: str, fragment: str, timeout: float = TIMEOUT) -> str:
    async def says() -> bool:
        return fragment in await row_text(page, name)

    await until(says, f"the row of {name!r} to say {fragment!r} (it says {await row_text(page, name)!r})", timeout)
    return await row_text(page, name)


@asynccontextmanager
async def session_page(host: testing.TestHost, grant: Grant) -> AsyncIterator[Page]:
    """A desktop Chromium page paired with ``host`` and approved with ``grant``, live."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1280, "height": 720}, accept_downloads=True)
            page = await context.new_page()
            await page.goto(await host.link())
            request = await host.next_request()
            request.approve(grant, by="test")
            await page.wait_for_selector("body[data-state=live]", timeout=TIMEOUT * 1000)
            yield page
        finally:
            await browser.close()


async def open_menu(page: Page) -> None:
    if await page.locator("#menu").is_hidden():
        await page.click("#menu-toggle")


async def pick(page: Page, files: Any) -> None:
    """Send files through the menu's Send files... and the browser's file chooser."""
    await open_menu(page)
    async with page.expect_file_chooser() as chooser:
        await page.get_by_role("button", name="Send files…").click()
    await (await chooser.value).set_files(files)


def listing(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


async def test_many_files_in_a_row_from_the_menu_a_hostile_name_and_200_mb(tmp_path: Path) -> None:
    downloads = tmp_path / "Downloads"
    large = big_file(tmp_path / "large.bin", 200 * MB)
    (tmp_path / "dotfiles").mkdir()
    hostile = tmp_path / "dotfiles" / ".bashrc"
    hostile.write_bytes(b"echo pwned\n")
    async with (
        testing.running_host(FilesPlugin(), settings={"files": {"folder": downloads}}) as host,
        session_page(host, WITH_FILES) as page,
    ):
        await pick(page, [hostile, large])
        # both rows at once; the second waits for the first
        assert "Saved on the computer as bashrc" in await wait_row(page, ".bashrc", "Saved")
        moving = await wait_row(page, "large.bin", "s left", timeout=60)
        assert re.search(r"of 209\.7 MB · [\d.]+ [KM]B/s · \d+ s left", moving), moving
        assert "Saved on the computer as large.bin" in await wait_row(page, "large.bin", "Saved", timeout=180)
        started = [r for r in host.audit_records if r["event"] == "files_received"]
    assert listing(downloads) == ["bashrc", "large.bin"]
    assert (downloads / "bashrc").read_bytes() == b"echo pwned\n"
    assert digest(downloads / "large.bin") == digest(large)
    assert not (tmp_path / ".bashrc").exists()
    assert [(r["name"], r["size"]) for r in started] == [(".bashrc", 11), ("large.bin", 200 * MB)]


async def test_the_host_sends_a_file_the_page_saves_and_either_side_cancels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    downloads = tmp_path / "Downloads"
    photo = big_file(tmp_path / "photo.jpg", 5 * MB)
    movie = big_file(tmp_path / "movie.mkv", 120 * MB)
    async with (
        testing.running_host(FilesPlugin(), settings={"files": {"folder": downloads}}, console=True) as host,
        session_page(host, WITH_FILES) as page,
    ):
        await run_command(host.app, f"send {photo}")
        await wait_row(page, "photo.jpg", "Received 5.2 MB")
        async with page.expect_download() as saving:
            await page.get_by_role("link", name="Save photo.jpg").click()
        download = await saving.value
        assert download.suggested_filename == "photo.jpg"
        assert digest(Path(await download.path())) == digest(photo)

        # the page cancels its upload
        await pick(page, [movie])
        await wait_row(page, "movie.mkv", "s left", timeout=60)
        await page.locator(".files-row", has_text="movie.mkv").get_by_role("button", name="Cancel").click()
        await wait_row(page, "movie.mkv", "Cancelled")
        await until(lambda: listing(downloads) == [], "the partial file to go")

        # the host cancels its download
        await run_command(host.app, f"send {movie}")

        async def offered() -> bool:
            return await page.locator(".files-row[data-direction=down]", has_text="movie.mkv").count() > 0

        await until(offered, "the host's offer on the page")
        await wait_row(page, "↓ movie.mkv", "MB of", timeout=60)
        await run_command(host.app, "cancel")
        assert "cancelled on the host" in await wait_row(page, "↓ movie.mkv", "Cancelled")
        await until(lambda: any(r.get("direction") == "sent" for r in host.audit_records), "the audit record")
    out = capsys.readouterr().out
    assert "Sent 'photo.jpg' (5.2 MB)" in out
    assert "Receiving 'movie.mkv' from" in out and "stopped: cancelled on the device." in out
    assert "Sending 'movie.mkv' to" in out
    events = [(r["event"], r.get("direction")) for r in host.audit_records if r["event"].startswith("files")]
    assert events == [("files_sent", None), ("files_cancelled", "received"), ("files_cancelled", "sent")]


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 40 MiB disk of its own."""
    with small_tmpfs(tmp_path, 40) as mount:
        yield mount


async def test_dropped_files_a_full_disk_and_a_disconnect_mid_file(small_disk: Path, tmp_path: Path) -> None:
    downloads = small_disk / "Downloads"
    async with testing.running_host(FilesPlugin(), settings={"files": {"folder": downloads}}) as host:
        async with session_page(host, WITH_FILES) as page:
            await page.evaluate(DROP, [["../../.bashrc", "C:\\Users\\x\\CON.txt", "notes\u202etxt.exe"], 1000])
            await wait_row(page, ".bashrc", "Saved on the computer as bashrc")
            await wait_row(page, "CON.txt", "Saved on the computer as _CON.txt")
            await wait_row(page, "notes", "Saved on the computer as notestxt.exe")
            await page.evaluate(DROP, [["huge.iso"], 30 * MB])
            refused = await wait_row(page, "huge.iso", "Refused")
            assert "not enough free space" in refused
            assert listing(downloads) == ["_CON.txt", "bashrc", "notestxt.exe"]
            await page.evaluate(DROP, [["half.bin"], 20 * MB])
            await wait_row(page, "half.bin", "MB of")
            assert "half.bin.part" in listing(downloads)
            await page.click("#disconnect")
            await until(lambda: "half.bin.part" not in listing(downloads), "the partial file to go")
        await host.session_ended()
    assert listing(downloads) == ["_CON.txt", "bashrc", "notestxt.exe"]
    assert not (small_disk / ".bashrc").exists() and not (tmp_path / ".bashrc").exists()
    cancelled = [r for r in host.audit_records if r["event"] == "files_cancelled"]
    assert [(r["name"], r["direction"]) for r in cancelled] == [("half.bin", "received")]
    refused_records = [r for r in host.audit_records if r["event"] == "files_refused"]
    assert [(r["name"], r["code"]) for r in refused_records] == [("huge.iso", "no_space")]


async def test_without_the_permission_the_page_offers_no_transfer(tmp_path: Path) -> None:
    downloads = tmp_path / "Downloads"
    async with (
        testing.running_host(FilesPlugin(), settings={"files": {"folder": downloads}}) as host,
        session_page(host, FULL_CONTROL) as page,
    ):
        await open_menu(page)
        note = page.get_by_text("did not allow file transfer")
        await note.wait_for(timeout=TIMEOUT * 1000)
        assert await page.get_by_role("button", name="Send files…").count() == 0  # roles leave hidden elements out
        await page.evaluate(DROP, [["sneaky.txt"], 10])
        await asyncio.sleep(1.0)  # a drop would have made a row at once
        assert await page.locator(".files-row").count() == 0
    assert not downloads.exists()
