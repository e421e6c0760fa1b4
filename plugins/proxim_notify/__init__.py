"""Desktop notifications: each connection request with a button per access level and Reject; a session starting, with
buttons to change its access, dropping, coming back and ending. Where buttons are impossible the notification points to
the tray or the QR window."""

from __future__ import annotations

import asyncio
import contextlib
import functools

from proxim_notify.notifier import Action, Notifier
from proxim_tray import ACCESS_LEVELS, ApprovalRequest, Host, Permission, Session, access_of, hookimpl

__version__ = "0.1.0"


ENDINGS = {
    "rejected": "you rejected it",
    "timeout": "nobody answered in time",
    "client_left": "the device disconnected",
    "connection_lost": "the device's connection dropped and did not come back",
    "no_network_path": "no network path to the device: put both on the same network, or give Proxim a TURN server",
    "host_stopped": "you stopped sharing",
    "host_shutdown": "Proxim is quitting",
    "error": "an error happened; see the log",
}


async def _ask(notifier: Notifier, request: ApprovalRequest) -> None:
    device = request.device
    code = f"{request.code[:3]} {request.code[3:]}"
    title = f"{device.quoted_name} asks to control this desktop"
    message = f"From {device.address}. Verification code {code}: check that the device shows the same digits."
    if notifier.has_buttons:
        full = ACCESS_LEVELS[0]
        actions = [
            *(
                Action(level.button, functools.partial(request.approve, level.permissions, by="notification"))
                for level in ACCESS_LEVELS
            ),
            # a plugin permission is off unless chosen: with the first level, as its own button
            *(
                Action(
                    f"{full.button} with {spec.label.lower()}",
                    functools.partial(request.approve, full.permissions | {spec.name}, by="notification"),
                )
                for spec in request.optional
            ),
            Action("Reject", lambda: request.reject(by="notification")),
        ]
    else:
        actions = []
        message += " Approve or reject from the Proxim tray icon."
    identifier = await notifier.send(title, message, actions, urgent=True)
    with contextlib.suppress(asyncio.CancelledError):  # withdrawn: the device left or the host stops
        await request.decided()
    if identifier is not None:
        await notifier.clear(identifier)


class NotifyPlugin:
    """The plugin object (one per host): its notifier and the requests it is showing."""

    def __init__(self) -> None:
        self.notifier: Notifier | None = None
        self.pending: set[asyncio.Task[None]] = set()

    @hookimpl
    async def proxim_startup(self, app: Host) -> None:
        notifier = Notifier()
        await notifier.start()
        self.notifier = notifier

    @hookimpl
    def proxim_shutdown(self, app: Host) -> None:
        self.notifier = None
        for task in list(self.pending):
            task.cancel()

    @hookimpl
    def proxim_request_approval(self, app: Host, request: ApprovalRequest) -> None:
        notifier = self.notifier
        if notifier is not None and notifier.available:
            task = asyncio.get_running_loop().create_task(_ask(notifier, request))
            self.pending.add(task)
            task.add_done_callback(self.pending.discard)

    @hookimpl
    async def proxim_session_started(self, app: Host, session: Session) -> None:
        notifier = self.notifier
        if notifier is not None:
            access = "sees and controls" if Permission.CONTROL in session.permissions else "sees"
            # the other access levels as buttons: the host's user can change the grant from here too
            actions = [
                Action(level.label, functools.partial(app.set_access_soon, level))
                for level in ACCESS_LEVELS
                if level != access_of(session.permissions)
            ]
            await notifier.send(
                f"{session.device.quoted_name} {access} this desktop",
                f"Connected from {session.device.address}. Disconnect from the Proxim tray icon at any time.",
                actions,
            )

    @hookimpl
    async def proxim_session_reconnecting(self, app: Host, session: Session) -> None:
        notifier = self.notifier
        if notifier is not None:
            await notifier.send(
                f"Reconnecting to {session.device.name}",
                f"The connection dropped: input is paused while Proxim waits up to {app.config.resume_window:g} s for "
                "the device to come back. Disconnect from the Proxim tray icon to end the session now.",
            )

    @hookimpl
    async def proxim_session_reconnected(self, app: Host, session: Session) -> None:
        notifier = self.notifier
        if notifier is not None:
            await notifier.send(f"{session.device.name} reconnected", "The session goes on as before.")

    @hookimpl
    async def proxim_session_ended(self, app: Host, session: Session, reason: str) -> None:
        notifier = self.notifier
        if notifier is not None and reason not in ("rejected", "host_shutdown"):
            await notifier.send(
                f"Session with {session.device.quoted_name} ended",
                ENDINGS.get(reason, reason.replace("_", " ")).capitalize(),
            )
