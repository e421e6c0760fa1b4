"""What the person at the host should know at a glance: the host's state as the tray shows it."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from proxim_tray import Permission, SessionState

if TYPE_CHECKING:
    from proxim_tray import Host


class TrayState(enum.StrEnum):
    STARTING = "starting"  # no pairing link yet
    READY = "ready"  # a pairing link is live, nobody is connected
    PENDING = "pending"  # someone asks to connect
    CONNECTING = "connecting"  # approved, the peer connection is being set up
    RECONNECTING = "reconnecting"  # the session's connection dropped; waiting for the device to resume
    VIEWED = "viewed"  # someone sees the screen
    CONTROLLED = "controlled"  # someone sees the screen and drives mouse and keyboard
    PAUSED = "paused"  # a session is live but sharing is paused
    UNAVAILABLE = "unavailable"  # capture or input cannot work here (Wayland, no display)
    OFFLINE = "offline"  # no address of this computer answers: no link to show


DESCRIPTIONS = {
    TrayState.STARTING: "preparing a pairing link",
    TrayState.READY: "ready: scan the pairing QR code to connect",
    TrayState.PENDING: "a device asks to connect",
    TrayState.CONNECTING: "connecting",
    TrayState.RECONNECTING: "connection lost, waiting for the device to reconnect",
    TrayState.VIEWED: "your screen is being viewed",
    TrayState.CONTROLLED: "your screen is being viewed AND controlled",
    TrayState.PAUSED: "sharing is paused",
    TrayState.UNAVAILABLE: "sharing cannot work here",
    TrayState.OFFLINE: "no network a phone can reach",
}


def tray_state(app: Host, unavailable: bool = False) -> TrayState:
    session = app.sessions.session
    state = app.sessions.state
    if state is SessionState.PENDING:
        return TrayState.PENDING
    if session is not None and session.is_live and state is not SessionState.WAITING:
        if session.paused:
            return TrayState.PAUSED
        if state is SessionState.CONNECTED:
            return TrayState.CONTROLLED if Permission.CONTROL in session.permissions else TrayState.VIEWED
        if state is SessionState.RECONNECTING:
            return TrayState.RECONNECTING
        return TrayState.CONNECTING
    if unavailable:
        return TrayState.UNAVAILABLE
    if app.sessions.no_link_reason is not None:
        return TrayState.OFFLINE
    return TrayState.READY if app.sessions.pairing is not None else TrayState.STARTING
