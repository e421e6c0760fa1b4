"""examples/proxim-hello as its author ships it: built into a wheel, installed beside Proxim, found through its entry
point, and its own tests (on Proxim's public test kit) run against the installed copy, not the source tree."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "proxim-hello"
TIMEOUT = 180


def run(*argv: str | Path, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


def test_the_example_plugin_installs_and_passes_its_own_tests(tmp_path: Path) -> None:
    source = tmp_path / "source"  # a clean copy: the build leaves nothing in the repository
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PROXIM_STRICT_PLUGINS")}
    env["PROXIM_CONFIG"] = str(tmp_path / "config.toml")
    site = tmp_path / "site"
    # uv (which scripts/setup.sh installs) builds it in isolation from its pyproject, as pip would
    uv = Path(sys.executable).with_name("uv")
    installed = run(
        uv, "pip", "install", "--python", sys.executable, "--no-deps", "--target", site, source, cwd=tmp_path, env=env
    )
    assert installed.returncode == 0, installed.stderr
    env["PYTHONPATH"] = str(site)  # installed beside Proxim, as pip would put it

    listed = run(sys.executable, "-m", "proxim_tray", "plugins", "--json", cwd=tmp_path, env=env)
    assert listed.returncode == 0, listed.stderr
    hello = next(plugin for plugin in json.loads(listed.stdout)["plugins"] if plugin["name"] == "hello")
    assert hello["source"] == "entry point proxim_hello:HelloPlugin (proxim-hello)"
    assert hello["version"] == "1.0.0"

    (tmp_path / "config.toml").write_text('[plugins.hello]\ngreeting = "Ahoy"\n')
    greeted = run(sys.executable, "-m", "proxim_tray", "hello", "Grace", cwd=tmp_path, env=env)
    assert (greeted.returncode, greeted.stdout) == (0, "Ahoy, Grace!\n"), greeted.stderr

    tests = tmp_path / "outsider"  # its tests and its pytest settings, without the package's source beside them
    shutil.copytree(source / "tests", tests / "tests")
    shutil.copy(source / "pyproject.toml", tests / "pyproject.toml")
    tested = run(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests", cwd=tests, env=env)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "2 passed" in tested.stdout
