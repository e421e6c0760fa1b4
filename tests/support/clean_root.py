"""A clean Debian system to install a package into, as a user's fresh machine: debootstrap (minbase) of this machine's
release from the archive this machine's apt uses, entered with chroot. Mounts are undone, and checked undone, before
the tree is removed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

SOURCES = (Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*")))
# what a program run inside the root sees: nothing of this machine's environment
BASE_ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root", "LANG": "C.UTF-8", "PYTHONUNBUFFERED": "1"}


def release() -> str:
    """This machine's release codename (``bookworm``)."""
    found = re.search(r"^VERSION_CODENAME=(\S+)$", Path("/etc/os-release").read_text(), re.MULTILINE)
    assert found, "/etc/os-release names no release"
    return found.group(1)


def archive() -> str:
    """The Debian archive this machine's apt installs from (the main one, not the security archive)."""
    for path in SOURCES:
        if path.is_file():
            for url in re.findall(r"^(?:URIs:|deb)\s+(?:\[[^]]*\]\s+)?(\S+)", path.read_text(), re.MULTILINE):
                if url.rstrip("/").endswith("/debian"):
                    return str(url)
    raise AssertionError("no Debian archive in this machine's apt sources")


class CleanRoot:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._mounts: list[Path] = []
        _run(["debootstrap", "--variant=minbase", release(), str(path), archive()])
        self.mount(["-t", "proc", "proc"], "proc")

    def mount(self, how: Sequence[str], inside: str, read_only: bool = False) -> None:
        target = self.path / inside
        target.mkdir(parents=True, exist_ok=True)
        _run(["mount", *how, str(target)])
        self._mounts.append(target)
        if read_only:
            _run(["mount", "-o", "remount,bind,ro", str(target)])

    def argv(self, argv: Sequence[str]) -> list[str]:
        return ["/usr/sbin/chroot", str(self.path), *argv]

    def run(self, argv: Sequence[str], env: dict[str, str] | None = None) -> str:
        return _run(self.argv(argv), env=BASE_ENV | (env or {}))

    def close(self) -> None:
        for target in reversed(self._mounts):
            subprocess.run(["umount", "--lazy", str(target)], check=False)
        self._mounts.clear()
        with open("/proc/self/mounts") as mounts:
            inside = [line for line in mounts if f" {self.path}/" in line]
        assert not inside, f"still mounted, so the tree is kept: {inside}"
        shutil.rmtree(self.path)


def _run(argv: Sequence[str], env: dict[str, str] | None = None) -> str:
    result = subprocess.run(list(argv), env=env, capture_output=True, text=True, check=False, timeout=900)
    assert result.returncode == 0, f"{argv} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def can_make() -> str | None:
    """Why a clean root cannot be made here, or None."""
    if os.geteuid() != 0:
        return "making a clean root (debootstrap, chroot, mount) needs root; CI runs as root"
    if shutil.which("debootstrap") is None:
        return "debootstrap is missing: run scripts/setup.sh --test"
    return None
