"""The QR code PNG holds the pairing secret: only its owner may read it, and nobody can redirect the write."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

import proxim_qr
import proxim_signaling

from tests.support.hostkit import Recorder, make_app


async def show_two_links(png: Path) -> None:
    recorder = Recorder()
    app = make_app(recorder, extra_plugins=(proxim_signaling.SignalingPlugin(), proxim_qr), qr_png=png, link_ttl=120.0)
    task = asyncio.create_task(app.run())
    try:
        first = await asyncio.wait_for(recorder.next_link(), 10)
        await app.sessions.new_pairing()
        await asyncio.wait_for(recorder.next_link(), 10)
        assert first is not app.sessions.pairing
    finally:
        app.request_stop()
        assert await asyncio.wait_for(task, 10) == 0


def test_the_qr_png_is_private_and_written_through_no_predictable_name(tmp_path: Path) -> None:
    png = tmp_path / "pairing.png"
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    # another local user plants a symlink where a predictable temporary name would be
    (tmp_path / ".pairing.png.tmp").symlink_to(victim)
    asyncio.run(show_two_links(png))
    assert victim.read_bytes() == b"precious", "the planted symlink redirected the write"
    mode = png.lstat().st_mode
    assert stat.S_ISREG(mode) and stat.S_IMODE(mode) == 0o600, oct(mode)
    assert png.read_bytes().startswith(b"\x89PNG")
    leftovers = sorted(p.name for p in tmp_path.iterdir())
    assert leftovers == [".pairing.png.tmp", "pairing.png", "victim.txt"], leftovers
