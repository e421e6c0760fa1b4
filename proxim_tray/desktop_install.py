"""``proxim install-desktop``: the XDG menu entry and the hicolor icons, for the current user or into a package's
tree (``data_dir``: ``$XDG_DATA_HOME``, ``/usr/share`` ...)."""

from __future__ import annotations

import os
from pathlib import Path

from proxim_tray import artwork
from proxim_tray.desktop_entry import ICON_NAME, entry_text

ICON_SIZES = (16, 22, 24, 32, 48, 64, 128, 256)
ENTRY_NAME = "proxim.desktop"


def user_data_dir() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def files(data_dir: Path) -> list[Path]:
    """Every file :func:`install` writes under ``data_dir``."""
    icons = data_dir / "icons" / "hicolor"
    return [
        data_dir / "applications" / ENTRY_NAME,
        *(icons / f"{size}x{size}" / "apps" / f"{ICON_NAME}.png" for size in ICON_SIZES),
        icons / "scalable" / "apps" / f"{ICON_NAME}.svg",
    ]


def install(data_dir: Path, command: list[str] | None = None) -> list[Path]:
    entry, *pngs, svg = files(data_dir)
    for path in files(data_dir):
        path.parent.mkdir(parents=True, exist_ok=True)
    entry.write_text(entry_text(command), encoding="utf-8")
    for size, path in zip(ICON_SIZES, pngs, strict=True):
        artwork.app_icon_png(size).save(path)
    svg.write_text(artwork.app_icon_svg(), encoding="utf-8")
    return files(data_dir)


def remove(data_dir: Path) -> list[Path]:
    removed = [path for path in files(data_dir) if path.exists()]
    for path in removed:
        path.unlink()
    return removed


def run(remove_them: bool) -> int:
    data_dir = user_data_dir()
    try:
        if remove_them:
            removed = remove(data_dir)
            print(f"Removed {len(removed)} files (Proxim's menu entry and icons) from {data_dir}.")
            return 0
        written = install(data_dir)
    except OSError as exc:
        print(f"proxim: cannot write the menu entry under {data_dir}: {exc}")
        return 1
    print(f"Proxim is in the applications menu: {written[0]} (icons in {data_dir / 'icons' / 'hicolor'}).")
    print("Some desktops show it after the next login. `proxim install-desktop --remove` takes it out.")
    return 0
