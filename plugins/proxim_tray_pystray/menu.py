"""The tray's own menu entries: the request to decide, the session to control, and the host's settings."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from proxim_tray import ACCESS_LEVELS, ApprovalRequest, Grant, MenuItem, SessionState, access_of, configfile
from proxim_tray_pystray import autostart, desktop
from proxim_tray_pystray.states import DESCRIPTIONS, TrayState

if TYPE_CHECKING:
    from proxim_tray import Host


def _connection_label(app: Host) -> str:
    return "Reconnecting to" if app.sessions.state is SessionState.RECONNECTING else "Connected:"


def status_items(app: Host, state: TrayState, unavailable: str | None) -> list[MenuItem]:
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
                    MenuItem(
                        f"Also allow: {spec.label}",
                        functools.partial(_tick, app, request, spec.name),
                        checked=spec.name in request.ticked,
                    )
                    for spec in request.optional
                ),
                *(
                    MenuItem(level.button, functools.partial(_decide, request, level.permissions))
                    for level in ACCESS_LEVELS
                ),
                MenuItem("Reject", lambda: _decide(request, None)),
            ]
    elif session is not None and session.is_live:
        current = access_of(session.permissions)
        items += [
            MenuItem(f"{_connection_label(app)} {session.device.describe()}", enabled=False),
            *(
                MenuItem(level.label, functools.partial(app.set_access_soon, level), checked=current == level)
                for level in ACCESS_LEVELS
            ),
            *(
                MenuItem(
                    f"Allow: {spec.label}",
                    functools.partial(app.toggle_permission_soon, spec.name),
                    checked=spec.name in session.permissions,
                )
                for spec in app.permissions.optional()
            ),
            MenuItem("Pause sharing", lambda: _set_paused(app, not session.paused), checked=session.paused),
            MenuItem("Disconnect", lambda: app.call_soon(app.sessions.stop_session())),
        ]
    elif app.sessions.pairing is not None:
        url = app.sessions.pairing.url
        items.append(MenuItem("Copy pairing link", lambda: _copy(url)))
    return items


def settings_items(app: Host) -> list[MenuItem]:
    return [
        MenuItem("Start at login", lambda: _toggle_start_at_login(app), checked=autostart.is_enabled()),
        MenuItem("Open config file", lambda: desktop.open_config_file(app)),
        MenuItem("Quit Proxim", app.request_stop),
    ]


def _decide(request: ApprovalRequest, permissions: Grant | None) -> None:
    """Approve with ``permissions`` and the ticked plugin permissions, or reject with None (thread-safe; the first
    surface to decide wins)."""
    if permissions is None:
        request.reject(by="tray")
    else:
        request.approve(permissions | request.ticked, by="tray")


def _tick(app: Host, request: ApprovalRequest, name: str) -> None:
    request.tick(name)
    app.state_changed()  # redraws the menu with the new check mark


def _toggle_start_at_login(app: Host) -> None:
    # at login the host reads the file this one reads
    autostart.set_enabled(not autostart.is_enabled(), configfile.chosen_path(app.config.config_file))
    app.state_changed()  # redraws the menu with the new check mark


def _copy(text: str) -> None:
    desktop.copy_to_clipboard(text)


def _set_paused(app: Host, paused: bool) -> None:
    async def apply() -> None:
        app.sessions.set_paused(paused)

    app.call_soon(apply())


def show_pairing(app: Host) -> None:
    """Ask the pairing displays (the QR window) to show the current link again."""
    app.call_soon(app.show_pairing_again())
