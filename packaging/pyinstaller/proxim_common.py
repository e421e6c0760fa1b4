"""What every operating system's spec file shares: the plugins (found through entry points, so PyInstaller cannot see
their imports), the web client's files, Proxim's metadata (the entry points themselves) and the icon, drawn from
the tray's artwork."""

from __future__ import annotations

import importlib.metadata
import sys
from pathlib import Path

from PyInstaller.utils.hooks import collect_data_files, collect_submodules, copy_metadata

from proxim_tray import artwork

# pystray imports its backend by name at run time (and importing pystray needs a display, so its hook cannot look)
TRAY_BACKENDS = {
    "linux": ["pystray._appindicator", "pystray._gtk", "pystray._xorg"],
    "win32": ["pystray._win32"],
    "darwin": ["pystray._darwin"],
}


def plugin_modules() -> list[str]:
    points = importlib.metadata.distribution("proxim").entry_points
    modules = [point.value.split(":")[0] for point in points if point.group == "proxim"]
    return sorted({name for module in modules for name in collect_submodules(module)})


def hidden_imports() -> list[str]:
    return [*plugin_modules(), *collect_submodules("proxim_tray"), *TRAY_BACKENDS.get(sys.platform, [])]


def datas() -> list[tuple[str, str]]:
    return [*copy_metadata("proxim"), *collect_data_files("proxim_webclient")]


def icon(build_dir: Path, suffix: str) -> str:
    """The application icon as ``suffix`` (``.ico`` for Windows, ``.icns`` for macOS), written into ``build_dir``."""
    path = build_dir / f"proxim{suffix}"
    build_dir.mkdir(parents=True, exist_ok=True)
    artwork.app_icon_png(256).save(path)
    return str(path)
