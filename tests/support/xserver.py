"""Starting a private Xvfb: the X server number is whatever is free, announced through ``-displayfd``."""

from __future__ import annotations

import os
import subprocess


def start_xvfb(width: int, height: int) -> tuple[subprocess.Popen[bytes], str]:
    """A new Xvfb of ``width`` x ``height``, and its DISPLAY value; the caller ends it."""
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdin=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    if not number:
        proc.kill()
        proc.wait()
        raise RuntimeError("Xvfb did not start")
    return proc, f":{number}"
