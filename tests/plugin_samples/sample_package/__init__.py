"""A plugin shipped as a package directory rather than a single module."""

from proxim_tray import MenuItem, hookimpl

__version__ = "0.0.1"


@hookimpl
def proxim_tray_menu_items(app):
    return [MenuItem("From a package plugin", enabled=False)]
