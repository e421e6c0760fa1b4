"""Sending files the way the README says: ``proxim host`` in a terminal, approved with ``y +files``; the page's
*Send files…* puts a file in the user's Downloads folder (the XDG user directory), ``send PATH`` typed in the terminal
offers a file the page saves."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from tests.support.webclient import approve_next, wait_for_text


def test_a_file_each_way_with_the_host_as_a_user_runs_it(
    start_host: Any, page: Any, display_env: dict[str, str], tmp_path: Path
) -> None:
    downloads = tmp_path / "Incoming"  # where this user's Downloads folder is (xdg-user-dirs)
    config = Path(display_env["XDG_CONFIG_HOME"])
    config.mkdir(parents=True, exist_ok=True)
    (config / "user-dirs.dirs").write_text(f'XDG_DOWNLOAD_DIR="{downloads}"\n')
    report = tmp_path / "report.pdf"
    report.write_bytes(os.urandom(3 * 1024 * 1024))
    host = start_host("--capture", "testpattern")

    approve_next(host, page)
    host.send("y +files")
    page.wait_for_selector("body[data-state=live]", timeout=20_000)
    page.click("#menu-toggle")
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Send files…").click()
    chooser.value.set_files(report)
    wait_for_text(page, ".files-row", "Saved on the computer as report.pdf", timeout=30)
    host.wait_for(rf"Received 'report\.pdf' \(3\.1 MB\) from .* saved as {downloads / 'report.pdf'}$", 10)
    assert (downloads / "report.pdf").read_bytes() == report.read_bytes()

    host.send(f"send {report}")
    host.wait_for(r"^Offering 'report\.pdf' \(3\.1 MB\) to ", 10)
    host.wait_for(r"^Sent 'report\.pdf' \(3\.1 MB\) to ", 30)
    with page.expect_download() as saving:
        page.get_by_role("link", name="Save report.pdf").click()
    saved = Path(saving.value.path())
    assert hashlib.sha256(saved.read_bytes()).digest() == hashlib.sha256(report.read_bytes()).digest()
    assert sorted(p.name for p in downloads.iterdir()) == ["report.pdf"]
