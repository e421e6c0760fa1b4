"""Pairing display: the QR code in the terminal (console mode) and as a PNG file (``--qr-png``)."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import tempfile
from pathlib import Path

import segno

from proxim_tray import Host, Pairing, hookimpl

__version__ = "0.2.0"

logger = logging.getLogger(__name__)


def terminal_qr(url: str) -> str:
    buffer = io.StringIO()
    segno.make(url, error="m", micro=False).terminal(out=buffer, compact=True, border=2)
    return buffer.getvalue()


def write_png(url: str, path: Path) -> None:
    """Write the PNG (it holds the pairing secret) readable by this user only, atomically, through a temporary file
    that ``mkstemp`` creates with O_EXCL and mode 0600 under an unpredictable name: nothing planted beforehand (a
    symlink, say) can redirect the write, and the rename replaces ``path`` itself, never what a symlink there names."""
    png = io.BytesIO()
    segno.make(url, error="m", micro=False).save(png, kind="png", scale=8, border=4)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(png.getvalue())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


@hookimpl
def proxim_show_pairing(app: Host, pairing: Pairing) -> None:
    if app.config.qr_png is not None:
        try:
            write_png(pairing.url, app.config.qr_png)
        except OSError as exc:
            logger.error("cannot write the QR code to %s: %s", app.config.qr_png, exc)
    if app.config.console:
        minutes = round(pairing.ttl / 60)
        print(terminal_qr(pairing.url), end="", flush=True)
        print(
            f"Scan the QR code with your phone, or open this link on the device that will connect:\n"
            f"  {pairing.url}\n(the link works once and is renewed every {minutes} min)",
            flush=True,
        )
        if pairing.alternative_urls:
            print(f"Phone cannot open it? Try: {', '.join(pairing.alternative_urls)}", flush=True)
        if app.config.qr_png is not None:
            print(f"QR code also written to {app.config.qr_png}", flush=True)
        sys.stdout.flush()


@hookimpl
def proxim_pairing_unavailable(app: Host, reason: str) -> None:
    if app.config.qr_png is not None:  # a QR code that leads nowhere is worse than none
        with contextlib.suppress(FileNotFoundError):
            app.config.qr_png.unlink()
    if app.config.console:
        print(f"No pairing link: {reason}. Proxim keeps checking and shows a QR code once it can.", flush=True)
