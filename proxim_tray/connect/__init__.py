"""`proxim connect LINK`: this computer controls another one that runs Proxim, in a window of its own, with every
shortcut (the keyboard is grabbed while the window has focus). The session is the page's, over the same protocol:
``session`` pairs and receives, ``sdl_window`` shows and captures input, ``keymap`` names keys as a browser does,
``held`` keeps what is pressed, ``overlay`` draws text, ``qr_image`` reads a link from a picture of the QR code.

The window lives on the main thread (SDL's rule); the session's asyncio loop on another.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import threading
from pathlib import Path

from proxim_tray.errors import ProximError

LEAVE_SECONDS = 5.0  # to tell the host we leave, once the window is closed


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("link", nargs="?", help="the pairing link the host shows (under its QR code)")
    parser.add_argument("--qr", type=Path, metavar="FILE", help="read the link from a picture of the host's QR code")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="proxim connect", description="Control another computer that runs Proxim.")
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(link_of(args))
    except ProximError as exc:
        print(f"proxim connect: {exc}", file=sys.stderr)
        return 2


def link_of(args: argparse.Namespace) -> str:
    from proxim_tray.client import PairingLink

    if (args.link is None) == (args.qr is None):
        raise ProximError("give the host's pairing link, or --qr FILE with a picture of its QR code")
    if args.qr is not None:
        from proxim_tray.connect.qr_image import link_from_image

        return link_from_image(args.qr)
    PairingLink.parse(args.link)  # says what is wrong with it before any window opens
    return str(args.link)


def run(link: str) -> int:
    from proxim_tray.connect.sdl_window import RemoteWindow
    from proxim_tray.connect.session import ConnectSession, Shown
    from proxim_tray.connect.terminal import StatePrinter

    printer = StatePrinter()
    holder: list[RemoteWindow] = []

    def on_change(shown: Shown) -> None:
        printer.show(shown)
        if holder:
            holder[0].offer_state(shown)

    session = ConnectSession(
        link,
        on_change=on_change,
        on_frame=lambda frame: holder[0].offer_frame(frame),
        on_clipboard=lambda text: holder[0].offer_clipboard(text),
    )
    try:
        window = RemoteWindow(
            f"Proxim: {session.client.link.base_url.split('//')[1]}", session.send, session.ask_clipboard
        )
    except RuntimeError as exc:
        raise ProximError(f"{exc}; `proxim connect` needs a graphical desktop") from exc
    holder.append(window)
    thread = threading.Thread(target=lambda: asyncio.run(session.run()), name="proxim-connect")
    thread.start()
    signal.signal(signal.SIGTERM, lambda signum, frame: window.request_quit())
    try:
        window.run()
    except KeyboardInterrupt:
        pass
    finally:
        window.release()
        session.leave()
        thread.join(LEAVE_SECONDS)
        window.close()
    return 0 if session.shown.state in ("live", "ended") else 1
