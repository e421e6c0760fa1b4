"""The system-tray icon and menu (pystray; GTK, AppIndicator, or the plain X11 fallback)."""

from __future__ import annotations

from proxim_tray import hookimpl
from proxim_tray.app import App
from proxim_tray.tray import MenuItem, Tray
from proxim_tray_pystray.icon import PystrayTray

__version__ = "0.1.0"


@hookimpl(trylast=True)
def proxim_make_tray(app: App) -> Tray:
    return PystrayTray(app)


@hookimpl
def proxim_tray_menu_items(app: App) -> list[MenuItem]:
    session = app.sessions.session
    items = [MenuItem(f"Proxim: {app.sessions.state.value}", enabled=False)]
    if session is not None and session.is_live:
        items.append(MenuItem(f"Connected: {session.device.describe()}", enabled=False))
        items.append(MenuItem("Stop sharing", lambda: app.call_soon(app.sessions.stop_session())))
    elif app.sessions.pairing is not None:
        url = app.sessions.pairing.url
        items.append(MenuItem("Pairing link (printed in the terminal)", lambda: print(url, flush=True)))
    items.append(MenuItem("Quit Proxim", app.request_stop))
    return items
