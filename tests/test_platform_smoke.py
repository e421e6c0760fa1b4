"""The Windows and macOS CI check (.ci/platform_smoke.py) run here on Xvfb, so the workflow runs a script known to
work: an installed host, the Python client, clicks, a key and text recorded by a Tk window."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SMOKE = Path(__file__).parent.parent / ".ci" / "platform_smoke.py"


@pytest.mark.parametrize(
    ("input_name", "text"),
    [
        ("x11", "Proxim ✓ Grüße"),
        # X11-specific: pynput's X11 path loses characters the keyboard lacks (docs/platforms.md)
        ("pynput", "Proxim, hello"),
    ],
)
def test_the_platform_check_passes_here(input_name: str, text: str, display_env: dict[str, str]) -> None:
    env = {**display_env, "PATH": os.pathsep.join([str(Path(sys.executable).parent), display_env.get("PATH", "")])}
    result = subprocess.run(
        [sys.executable, str(SMOKE), "--input", input_name, "--text", text],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok: a right click reached the window" in result.stdout
    assert f"ok: the text {text!r}, exactly reached the window" in result.stdout
