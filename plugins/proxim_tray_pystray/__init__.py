"""The system-tray icon and menu (pystray; GTK, AppIndicator, or the plain X11 fallback without menus)."""

from __future__ import annotations

from proxim_tray import Host, Tray, hookimpl
from proxim_tray_pystray.icon import PystrayTray

__version__ = "0.2.0"


@hookimpl(trylast=True)
def proxim_make_tray(app: Host) -> Tray:
    return PystrayTray(app)
