"""The tray's own menu entries: the request to decide, the session to control, and the host's settings."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from proxim_tray.approval import ACCESS_LEVELS, ApprovalRequest
from proxim_tray.permissions import Grant
from proxim_tray.session import SessionState
from proxim_tray.tray import MenuItem
from proxim_tray_pystray import autostart, desktop
from proxim_tray_pystray.states import DESCRIPTIONS, TrayState

if TYPE_CHECKING:
    from proxim_tray.app import App


def _connection_label(app: App) -> str:
    return "Reconnecting to" if app.sessions.state is SessionState.RECONNECTING else "Connected:"


def status_items(app: App, state: TrayState, unavailable: str | None) -> list[MenuItem]:
    items = [MenuItem(f"Proxim: {DESCRIPTIONS[state]}", enabled=False)]
    for problem in (unavailable, app.sessions.no_link_reason):
        if problem:
            items.append(MenuItem(problem, enabled=False))
    session = app.sessions.session
    if session is not None and session.is_live and app.sessions.state is SessionState.PENDING:
        request = session.approval
        code = f"{session.code[:3]} {session.code[3:]}"
        items.append(MenuItem(f"{session.device.describe()} asks to connect, code {code}", enabled=False))
        if request is not None:
            items += [
                *(
                    MenuItem(level.button, functools.partial(_decide, request, level.permissions))
                    for level in ACCESS_LEVELS
                ),
                MenuItem("Reject", lambda: _decide(request, None)),
            ]
    elif session is not None and session.is_live:
        items += [
            MenuItem(f"{_connection_label(app)} {session.device.describe()}", enabled=False),
            *(
                MenuItem(
                    level.label,
                    functools.partial(app.grant_soon, level.permissions),
                    checked=session.permissions == level.permissions,
                )
                for level in ACCESS_LEVELS
            ),
            MenuItem("Pause sharing", lambda: _set_paused(app, not session.paused), checked=session.paused),
            MenuItem("Disconnect", lambda: app.call_soon(app.sessions.stop_session())),
        ]
    elif app.sessions.pairing is not None:
        url = app.sessions.pairing.url
        items.append(MenuItem("Copy pairing link", lambda: _copy(url)))
    return items


def settings_items(app: App) -> list[MenuItem]:
    return [
        MenuItem("Start at login", lambda: _toggle_start_at_login(app), checked=autostart.is_enabled()),
        MenuItem("Open config file", lambda: desktop.open_config_file(app)),
        MenuItem("Quit Proxim", app.request_stop),
    ]


def _decide(request: ApprovalRequest, permissions: Grant | None) -> None:
    """Approve with ``permissions``, or reject with None (thread-safe; the first surface to decide wins)."""
    if permissions is None:
        request.reject(by="tray")
    else:
        request.approve(permissions, by="tray")


def _toggle_start_at_login(app: App) -> None:
    autostart.set_enabled(not autostart.is_enabled())
    app.state_changed()  # redraws the menu with the new check mark


def _copy(text: str) -> None:
    desktop.copy_to_clipboard(text)


def _set_paused(app: App, paused: bool) -> None:
    async def apply() -> None:
        app.sessions.set_paused(paused)

    app.call_soon(apply())


def show_pairing(app: App) -> None:
    """Ask the pairing displays (the QR window) to show the current link again."""

    async def show() -> None:
        pairing = app.sessions.pairing
        if pairing is not None:
            await app.plugins.call("proxim_show_pairing", app=app, pairing=pairing)

    app.call_soon(show())
