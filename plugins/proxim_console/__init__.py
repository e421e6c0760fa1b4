"""Console mode: ``Approve connection from <device>? [y/N]`` on the terminal, and commands while the host runs."""

from __future__ import annotations

import asyncio

from proxim_console.commands import run_command
from proxim_console.prompt import ConsolePrompt
from proxim_tray import ApprovalRequest, Host, Session, hookimpl

__version__ = "0.2.0"


class ConsolePlugin:
    """The plugin object (one per host): its prompt, and the typed commands running."""

    def __init__(self) -> None:
        self.prompt: ConsolePrompt | None = None
        self.running: set[asyncio.Task[None]] = set()

    @hookimpl
    def proxim_startup(self, app: Host) -> None:
        if not app.config.console:
            return

        def on_command(line: str) -> None:
            task = asyncio.get_running_loop().create_task(run_command(app, line))
            self.running.add(task)
            task.add_done_callback(self.running.discard)

        self.prompt = ConsolePrompt.start(on_command)
        print("Type help for the commands (disconnect, pause, view only, new link, quit...).", flush=True)

    @hookimpl
    def proxim_shutdown(self, app: Host) -> None:
        self.prompt = None

    @hookimpl
    def proxim_request_approval(self, app: Host, request: ApprovalRequest) -> None:
        prompt = self.prompt
        if prompt is not None:
            prompt.ask(request)

    @hookimpl
    def proxim_session_started(self, app: Host, session: Session) -> None:
        if app.config.console:
            access = "full control" if "control" in session.permissions else "view only"
            print(
                f"Connected: {session.device.describe()} ({access}). Type disconnect or press Ctrl+C to stop.",
                flush=True,
            )

    @hookimpl
    def proxim_session_reconnecting(self, app: Host, session: Session) -> None:
        if app.config.console:
            print(
                f"Reconnecting to {session.device.describe()}... (the connection dropped; "
                f"waiting up to {app.config.resume_window:g} s for it to come back)",
                flush=True,
            )

    @hookimpl
    def proxim_session_reconnected(self, app: Host, session: Session) -> None:
        if app.config.console:
            print(f"Reconnected: {session.device.describe()}.", flush=True)

    @hookimpl
    def proxim_session_ended(self, app: Host, session: Session, reason: str) -> None:
        if app.config.console:
            why = session.end_message or reason.replace("_", " ")
            print(f"Session with {session.device.describe()} ended: {why}.", flush=True)
