"""Whether PyGObject is here (the ``proxim[gtk]`` extra, or the system's), and what to install when it is not.

PyGObject has no wheels: pip builds it, which needs a compiler and the GObject and cairo headers. Everything else
Proxim requires installs from wheels, so the base install needs no compiler and GTK is optional."""

from __future__ import annotations

import importlib.util
import sys

ADDS = "tray menus, the GTK pairing window and sharing a Wayland session (the desktop portal, GStreamer)"
# what pip needs to build PyGObject (<3.51), and the system's own PyGObject, on each family of distributions
BUILD_PACKAGES = {
    "Debian/Ubuntu": "libgirepository1.0-dev libcairo2-dev pkg-config python3-dev gcc gir1.2-gtk-3.0",
    "Fedora": "gobject-introspection-devel cairo-gobject-devel pkgconf-pkg-config python3-devel gcc gtk3",
    "Arch": "gobject-introspection cairo pkgconf base-devel gtk3",
}
SYSTEM_PACKAGES = {
    "Debian/Ubuntu": "python3-gi gir1.2-gtk-3.0",
    "Fedora": "python3-gobject gtk3",
    "Arch": "python-gobject gtk3",
}


def missing() -> str | None:
    """What installing GTK support would add and how, when PyGObject cannot be imported here; None when it can (or
    off Linux, where the tray and the pairing window need no GTK)."""
    if sys.platform != "linux" or importlib.util.find_spec("gi") is not None:
        return None
    return f"PyGObject is not installed, so there are no {ADDS}: {install_advice()}"


def install_advice() -> str:
    build = "; ".join(f"{family}: {packages}" for family, packages in BUILD_PACKAGES.items())
    system = "; ".join(f"{family}: {packages}" for family, packages in SYSTEM_PACKAGES.items())
    return (
        f"install proxim[gtk] (pip builds PyGObject, which needs {build}), or use the system's PyGObject "
        f"({system}) from an environment made with --system-site-packages"
    )
