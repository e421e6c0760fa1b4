"""Choosing files to send on the host's desktop, from the tray: the desktop's own file dialog (zenity on GNOME and
most others, kdialog on KDE), on a thread of its own so the tray stays responsive while it is open."""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from proxim_tray import Host

logger = logging.getLogger(__name__)

TITLE = "Send files to the device"
DIALOGS = (
    ("zenity", ["--file-selection", "--multiple", "--separator=\n", f"--title={TITLE}"]),
    ("kdialog", ["--getopenfilename", str(Path.home()), "--multiple", "--separate-output", "--title", TITLE]),
)


def dialog_command() -> list[str] | None:
    """The command that opens a file dialog here, or None."""
    for program, arguments in DIALOGS:
        found = shutil.which(program)
        if found is not None:
            return [found, *arguments]
    return None


def pick_files(host: Host, send: Callable[[list[Path]], Coroutine[Any, Any, None]]) -> None:
    """Open the file dialog; the files chosen are handed to ``send`` on the host's loop. From any thread."""
    command = dialog_command()
    if command is None:
        logger.error("no file dialog on this desktop (install zenity); type send PATH in a terminal instead")
        return

    def run() -> None:
        chosen = subprocess.run(command, capture_output=True, text=True, check=False)
        paths = [Path(line) for line in chosen.stdout.splitlines() if line]
        if chosen.returncode == 0 and paths:
            host.call_soon(send(paths))

    threading.Thread(target=run, name="proxim-files-dialog", daemon=True).start()
