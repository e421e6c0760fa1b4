"""Console approval: ``Approve connection from <device>? [y/N]`` on the terminal, answered on standard input."""

from __future__ import annotations

from proxim_console.prompt import ConsolePrompt
from proxim_tray import ApprovalRequest, Session, hookimpl
from proxim_tray.app import App

__version__ = "0.1.0"

_prompts: dict[int, ConsolePrompt] = {}


@hookimpl
def proxim_startup(app: App) -> None:
    if app.config.console:
        _prompts[id(app)] = ConsolePrompt.start()


@hookimpl
def proxim_shutdown(app: App) -> None:
    _prompts.pop(id(app), None)


@hookimpl
def proxim_request_approval(app: App, request: ApprovalRequest) -> None:
    prompt = _prompts.get(id(app))
    if prompt is not None:
        prompt.ask(request)


@hookimpl
def proxim_session_started(app: App, session: Session) -> None:
    if app.config.console:
        access = "full control" if "control" in session.permissions else "view only"
        print(f"Connected: {session.device.describe()} ({access}). Press Ctrl+C to stop.", flush=True)


@hookimpl
def proxim_session_ended(app: App, session: Session, reason: str) -> None:
    if app.config.console:
        print(f"Session with {session.device.describe()} ended: {reason.replace('_', ' ')}.", flush=True)
