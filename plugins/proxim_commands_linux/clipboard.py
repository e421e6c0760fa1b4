"""The clipboard through xclip: read it for the client, or set it from the client and paste with Ctrl+V (when the
session also holds ``control``)."""

from __future__ import annotations

import os
import shutil
import subprocess

from proxim_tray import CLIPBOARD_GET, CLIPBOARD_SET, Command, CommandContext

TIMEOUT_SECONDS = 5.0


def _available() -> bool:
    return bool(os.environ.get("DISPLAY")) and shutil.which("xclip") is not None


def read_clipboard(context: CommandContext) -> str:
    result = subprocess.run(
        ["xclip", "-selection", "clipboard", "-out"],
        capture_output=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    if result.returncode != 0:
        return ""  # xclip fails when nobody owns the clipboard: it is empty
    return result.stdout.decode("utf-8", errors="replace")


def paste(context: CommandContext) -> None:
    # xclip stays in the background to serve the selection until another program takes it; its output must not be
    # a pipe, or run() would wait for that background process
    subprocess.run(
        ["xclip", "-selection", "clipboard", "-in"],
        input=context.text.encode(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=TIMEOUT_SECONDS,
        check=True,
    )
    if not context.may_type:
        return  # the session may not use the keyboard: the text is on the clipboard, for the host's user to paste
    context.input.key("Control", "ControlLeft", True)
    context.input.key("v", "KeyV", True)
    context.input.key("v", "KeyV", False)
    context.input.key("Control", "ControlLeft", False)


CLIPBOARD_COMMANDS = (
    Command(CLIPBOARD_GET, "Copy the host's clipboard", read_clipboard, available=_available),
    Command(CLIPBOARD_SET, "Paste on the host", paste, available=_available),
)
