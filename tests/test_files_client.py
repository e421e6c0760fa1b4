"""File transfer with the Python client, through an in-process host (the plugin test kit): a file sent from the device
lands in the folder under a safe name, a file sent from the host arrives, a device without the permission gets no
channel, and a device that goes away mid-file leaves no partial file. What the host's user reads on the console, and
the audit log, are checked too."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from proxim_console.commands import run_command
from proxim_files.device import FilesDevice, TransferFailed
from proxim_files.plugin import FilesPlugin

from proxim_tray import FULL_CONTROL, testing
from tests.support.processes import child_env, xdotool

TIMEOUT = 20.0
WITH_FILES = FULL_CONTROL | {"files"}


def payload(path: Path, size: int) -> Path:
    path.write_bytes(os.urandom(size))
    return path


async def until(condition: Callable[[], bool], timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_files_go_both_ways_under_safe_names_and_are_audited(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    downloads, phone = tmp_path / "Downloads", tmp_path / "phone"
    phone.mkdir()
    (downloads).mkdir()
    (downloads / "bashrc").write_bytes(b"already here")
    source = payload(tmp_path / "photo.jpg", 3 * 1024 * 1024 + 17)
    settings = {"files": {"folder": downloads}}
    running = testing.running_host(FilesPlugin(), settings=settings, console=True)
    async with running as host, host.client(WITH_FILES, name="Pixel") as client:
        device = FilesDevice(await client.plugin_channel("files", TIMEOUT))
        assert await device.send_file(source, name="../../.bashrc") == "bashrc (1)"
        assert (downloads / "bashrc (1)").read_bytes() == source.read_bytes()
        assert (downloads / "bashrc").read_bytes() == b"already here"
        assert not (tmp_path / ".bashrc").exists()

        await run_command(host.app, f"send {source}")
        received = await device.receive(phone)
        assert received.path.read_bytes() == source.read_bytes()
        await until(lambda: any(r["event"] == "files_sent" for r in host.audit_records))
    out = capsys.readouterr().out
    assert f"saved as {downloads / 'bashrc (1)'}" in out
    assert "Sent 'photo.jpg' (3.1 MB) to \"Pixel\"" in out
    records = [r for r in host.audit_records if r["event"].startswith("files")]
    events = [(r["event"], r["name"], r["device"]) for r in records]
    assert events == [("files_received", "../../.bashrc", "Pixel"), ("files_sent", "photo.jpg", "Pixel")]
    assert sorted(p.name for p in downloads.iterdir()) == ["bashrc", "bashrc (1)"]


async def test_without_the_permission_there_is_no_channel_and_nothing_is_sent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = payload(tmp_path / "notes.txt", 100)
    running = testing.running_host(FilesPlugin(), settings={"files": {"folder": tmp_path / "in"}}, console=True)
    async with running as host, host.client(FULL_CONTROL) as client:
        with pytest.raises(TimeoutError):
            await client.plugin_channel("files", 2.0)
        await run_command(host.app, f"send {source}")
    assert "Cannot send files: no device is connected with the permission to transfer files" in capsys.readouterr().out
    assert not (tmp_path / "in").exists()


async def test_too_large_is_refused_and_a_device_gone_mid_file_leaves_no_partial_file(tmp_path: Path) -> None:
    downloads = tmp_path / "Downloads"
    source = payload(tmp_path / "video.mp4", 6 * 1024 * 1024)
    settings = {"files": {"folder": downloads, "max_size": "5M"}}
    async with testing.running_host(FilesPlugin(), settings=settings) as host:
        async with host.client(WITH_FILES) as client:
            device = FilesDevice(await client.plugin_channel("files", TIMEOUT))
            with pytest.raises(TransferFailed) as refused:
                await device.send_file(source)
            assert (refused.value.kind, refused.value.code) == ("refuse", "too_large")
            transfer = await device.offer("half.bin", 4 * 1024 * 1024)
            await device.send_bytes(transfer, source, 4 * 1024 * 1024, stop_after=2 * 1024 * 1024)
            await until(lambda: device.acknowledged >= 1024 * 1024)
            assert [p.name for p in downloads.iterdir()] == ["half.bin.part"]
        await until(lambda: any(r["event"] == "files_cancelled" for r in host.audit_records))
    assert list(downloads.iterdir()) == []
    cancelled = [r for r in host.audit_records if r["event"] == "files_cancelled"]
    assert cancelled[0]["name"] == "half.bin" and cancelled[0]["code"] == "session_ended"


async def test_the_tray_entry_sends_the_file_chosen_in_the_desktop_file_dialog(
    tmp_path: Path, host_display: str
) -> None:
    source = payload(tmp_path / "slides.pdf", 200_000)
    plugin = FilesPlugin()
    async with testing.running_host(plugin) as host, host.client(WITH_FILES) as client:
        device = FilesDevice(await client.plugin_channel("files", TIMEOUT))
        entry = next(item for item in plugin.proxim_tray_menu_items(host.app) if item.text.startswith("Send a file"))
        assert entry.action is not None
        entry.action()  # what clicking it in the tray menu does, on the tray's thread
        found = await asyncio.to_thread(
            subprocess.run,
            ["xdotool", "search", "--sync", "--onlyvisible", "--name", "Send files to the device"],
            env=child_env(DISPLAY=host_display),
            capture_output=True,
            text=True,
            check=True,
        )
        dialog = found.stdout.split()[0]
        try:
            # the person at the host types the file's path into the dialog and presses Enter
            await asyncio.to_thread(xdotool, host_display, "windowfocus", "--sync", dialog)
            await asyncio.to_thread(xdotool, host_display, "key", "ctrl+l")
            await asyncio.sleep(0.5)
            await asyncio.to_thread(xdotool, host_display, "type", "--delay", "30", str(source))
            await asyncio.sleep(0.5)
            await asyncio.to_thread(xdotool, host_display, "key", "Return")
            received = await device.receive(tmp_path / "phone")
        finally:
            await asyncio.to_thread(
                subprocess.run, ["xdotool", "windowkill", dialog], env=child_env(DISPLAY=host_display), check=False
            )
        assert received.path.read_bytes() == source.read_bytes()


async def test_withdrawing_the_permission_mid_file_stops_it_and_removes_the_partial_file(tmp_path: Path) -> None:
    downloads = tmp_path / "Downloads"
    source = payload(tmp_path / "archive.zip", 8 * 1024 * 1024)
    running = testing.running_host(FilesPlugin(), settings={"files": {"folder": downloads}})
    async with running as host, host.client(WITH_FILES) as client:
        channel = await client.plugin_channel("files", TIMEOUT)
        device = FilesDevice(channel)
        transfer = await device.offer("archive.zip", 8 * 1024 * 1024)
        await device.send_bytes(transfer, source, 8 * 1024 * 1024, stop_after=3 * 1024 * 1024)
        await until(lambda: device.acknowledged >= 2 * 1024 * 1024)
        host.app.toggle_permission_soon("files")
        closed = asyncio.Event()
        channel.on("close", closed.set)
        await until(lambda: closed.is_set() or channel.readyState == "closed")
        await until(lambda: listing_of(downloads) == [])
        await until(lambda: any(r["event"] == "files_cancelled" for r in host.audit_records))
    cancelled = [r for r in host.audit_records if r["event"] == "files_cancelled"]
    assert [(r["name"], r["code"]) for r in cancelled] == [("archive.zip", "permission_withdrawn")]


def listing_of(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())
