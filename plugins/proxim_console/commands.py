"""Commands typed in the terminal while the host runs."""

from __future__ import annotations

import inspect
import logging
from typing import TYPE_CHECKING

from proxim_console.prompt import CHOICES
from proxim_tray import ACCESS_LEVELS, with_access

if TYPE_CHECKING:
    from proxim_tray import Host

logger = logging.getLogger(__name__)
ACCESS_COMMANDS = {level.command: level for level in ACCESS_LEVELS}
HELP = (
    f"Commands: disconnect, pause, resume, {', '.join(ACCESS_COMMANDS)}, new link, quit, help "
    f"(while a device asks to connect, answer {CHOICES})."
)


def _allow(app: Host, name: str, allow: bool) -> None:
    """Grant or withdraw a plugin permission of the live session."""
    spec = app.permissions.get(name)
    session = app.sessions.live_session
    assert spec is not None
    if session is None:
        print("Nobody is connected.", flush=True)
        return
    granted = session.permissions | {name} if allow else session.permissions - {name}
    app.sessions.set_permissions(granted)
    print(f"{spec.label}: {'allowed' if allow else 'not allowed'}.", flush=True)


def _help(app: Host) -> str:
    added = "".join(f"\n  {command.usage}: {command.help}" for command in app.console_commands.all())
    allow = "".join(f"\n  allow {spec.name}, deny {spec.name}: {spec.label}" for spec in app.permissions.optional())
    return HELP + (f"\nFrom plugins:{added}{allow}" if added or allow else "")


async def run_command(app: Host, line: str) -> None:
    """Run one typed command and say what happened; a mistyped one changes nothing."""
    command = " ".join(line.lower().split())
    sessions = app.sessions
    first, _, rest = line.strip().partition(" ")
    added = app.console_commands.get(first)
    if added is not None:
        try:
            result = added.run(app, rest.strip())
            if inspect.isawaitable(result):
                await result
        except Exception as exc:
            logger.exception("console command %s failed", added.name)
            print(f"{added.name} failed: {exc}", flush=True)
    elif command in ("help", "?"):
        print(_help(app), flush=True)
    elif command == "quit":
        print("Quitting.", flush=True)
        app.request_stop()
    elif command == "new link":
        if sessions.session is not None and sessions.session.is_live:
            print("A device is connected: disconnect it first, then ask for a new link.", flush=True)
        else:
            await sessions.new_pairing()
    elif command == "disconnect":
        if not await sessions.stop_session():
            print("Nobody is connected.", flush=True)
    elif command in ("pause", "resume"):
        session = sessions.session
        if session is None or not session.is_live:
            print("Nobody is connected.", flush=True)
        elif not sessions.set_paused(command == "pause"):
            print(f"Sharing is already {command}d.", flush=True)
        elif command == "pause":
            print("Sharing paused: the picture is frozen and remote input is refused.", flush=True)
        else:
            print("Sharing resumed.", flush=True)
    elif command in ACCESS_COMMANDS:
        access = ACCESS_COMMANDS[command]
        session = sessions.live_session
        if session is not None and sessions.set_permissions(with_access(session.permissions, access)):
            print(f"{access.label}: {access.effect}.", flush=True)
        else:
            print("Nobody is connected.", flush=True)
    elif first.lower() in ("allow", "deny") and app.permissions.get(rest.strip().lower()) is not None:
        _allow(app, rest.strip().lower(), first.lower() == "allow")
    else:
        print(f"Unknown command {line!r}. {_help(app)}", flush=True)
