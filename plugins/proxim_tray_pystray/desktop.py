"""Small desktop actions for the tray menu: the clipboard and opening the configuration file."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from typing import TYPE_CHECKING

from proxim_tray import configfile

if TYPE_CHECKING:
    from proxim_tray import Host

logger = logging.getLogger(__name__)

CLIPBOARD_TOOLS = (["wl-copy"], ["xclip", "-selection", "clipboard"], ["xsel", "--clipboard", "--input"], ["pbcopy"])


def copy_to_clipboard(text: str) -> bool:
    """Copy with the platform's clipboard tool (the X tools keep serving the text after we return)."""
    if sys.platform == "win32":
        tools = [["clip"]]
    else:
        tools = [tool for tool in CLIPBOARD_TOOLS if shutil.which(tool[0])]
    for tool in tools:
        try:
            subprocess.run(tool, input=text.encode(), check=True, timeout=5, stdout=subprocess.DEVNULL)
            logger.info("pairing link copied with %s", tool[0])
            return True
        except (OSError, subprocess.SubprocessError) as exc:
            logger.warning("copying with %s failed: %s", tool[0], exc)
    logger.error("cannot copy the link: install xclip (X11) or wl-clipboard (Wayland)")
    return False


def open_config_file(app: Host) -> None:
    """Open the configuration file in the desktop's editor, creating it with every key at its default."""
    path = configfile.ensure_exists(app.config.config_file or configfile.default_path())
    try:
        if sys.platform == "win32":
            os.startfile(path)  # type: ignore[attr-defined]
        else:
            opener = "open" if sys.platform == "darwin" else "xdg-open"
            subprocess.Popen([opener, str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError as exc:
        logger.error("cannot open %s (%s); edit it with any text editor", path, exc)
