"""The hooks a Proxim plugin can implement, grouped by phase.

Every hook is called with keyword arguments. Unless a spec says ``firstresult``, every implementation is called and
one that raises is logged and skipped, so a failing plugin cannot stop the others or the host. Hooks called while the
event loop runs (startup and shutdown, pairing, approval, session) may return an awaitable, which the host awaits;
the others (options, configuration, registration, tray, web routes) are synchronous, and an async implementation of
one is reported and not run. ``docs/plugin_hooks.md`` is the reference for each hook.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from aiohttp import web

    from proxim_tray.approval import ApprovalRequest, Decision, PairingAttempt
    from proxim_tray.backends import CaptureSource, InputBackend
    from proxim_tray.channels import Channel
    from proxim_tray.commands import Command
    from proxim_tray.config import HostConfig
    from proxim_tray.console_commands import ConsoleCommand
    from proxim_tray.host import Host
    from proxim_tray.pairing import Pairing
    from proxim_tray.permissions import PermissionSpec
    from proxim_tray.session import Session
    from proxim_tray.settings import Setting
    from proxim_tray.subcommands import CliCommand
    from proxim_tray.tray import MenuItem, Tray
    from proxim_tray.webassets import WebAsset

    RegisterCapture = Callable[[str, Callable[[HostConfig], CaptureSource]], None]
    RegisterInput = Callable[[str, Callable[[HostConfig], InputBackend]], None]
    RegisterCommand = Callable[[Command], None]

PROJECT_NAME = "proxim"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


# -- lifecycle ---------------------------------------------------------------------------------------------------


@hookspec
def proxim_add_options(parser: argparse.ArgumentParser) -> None:
    """Add command-line options to ``proxim host``. Called once, before arguments are parsed."""


@hookspec
def proxim_configure(config: HostConfig, args: argparse.Namespace) -> None:
    """Read or adjust the host configuration after the command line is parsed, before anything starts.
    ``args`` holds the parsed options, those added through ``proxim_add_options`` included; keep a plugin's own
    settings in ``config.plugin_settings``."""


@hookspec
def proxim_startup(app: Host) -> Any:
    """The event loop is running: start servers and tasks. May return an awaitable."""


@hookspec
def proxim_shutdown(app: Host) -> Any:
    """The host is stopping: release what ``proxim_startup`` took. May return an awaitable."""


# -- backends ----------------------------------------------------------------------------------------------------


@hookspec
def proxim_register_capture_sources(register: RegisterCapture) -> None:
    """Register screen-capture backends: ``register(name, factory)``; ``factory(config)`` builds one.
    The configuration picks one by name."""


@hookspec
def proxim_register_input_backends(register: RegisterInput) -> None:
    """Register input-injection backends: ``register(name, factory)``; ``factory(config)`` builds one.
    The configuration picks one by name."""


@hookspec
def proxim_register_commands(register: RegisterCommand) -> None:
    """Register system commands: ``register(Command(...))``. A session is offered those whose ``available()``
    is true when its control channel opens, and may run them if granted the command's permission."""


# -- pairing and approval ----------------------------------------------------------------------------------------


@hookspec
def proxim_show_pairing(app: Host, pairing: Pairing) -> Any:
    """A new pairing link is live: display it (terminal QR, PNG, window, tray), and ``pairing.alternative_urls``, the
    same link through the host's other addresses that answered. Called again on every renewal."""


@hookspec
def proxim_hide_pairing(app: Host, pairing: Pairing) -> Any:
    """The pairing link is no longer valid (used, expired, or the host is stopping): stop displaying it."""


@hookspec
def proxim_pairing_unavailable(app: Host, reason: str) -> Any:
    """No pairing link can be shown: none of the host's addresses answers (``reason`` says why and what to do, for
    people). Display that instead of a QR code; the host keeps looking, and ``proxim_show_pairing`` follows once an
    address answers. Called again only when the reason changes."""


@hookspec
def proxim_request_approval(app: Host, request: ApprovalRequest) -> Any:
    """A client asks to connect. Every approval surface is told; the first to call ``request.approve(...)`` or
    ``request.reject()`` decides. Await ``request.decided()`` to learn the outcome and close the prompt.
    With no decision before ``request.deadline`` the host rejects."""


@hookspec
def proxim_pairing_attempt(app: Host, attempt: PairingAttempt) -> Any:
    """A client presented a pairing link; ``attempt.outcome`` says what became of it (``accepted``, ``bad_secret``,
    ``unknown_session``, ``busy``, ``rate_limited``)."""


@hookspec
def proxim_approval_decided(app: Host, request: ApprovalRequest, decision: Decision) -> Any:
    """A request was approved or rejected (``decision.by`` names the surface, or ``timeout``)."""


# -- session -----------------------------------------------------------------------------------------------------


@hookspec
def proxim_session_started(app: Host, session: Session) -> Any:
    """A client is connected: media flows and input is accepted as granted."""


@hookspec
def proxim_session_reconnecting(app: Host, session: Session) -> Any:
    """A connected session's connection dropped (a network blip): everything it held is released and input is
    refused while the host waits up to ``resume_window`` seconds (30) for its client to resume, without a new
    approval."""


@hookspec
def proxim_session_reconnected(app: Host, session: Session) -> Any:
    """A reconnecting session's client resumed: media flows and input is accepted again, as granted before."""


@hookspec
def proxim_session_ended(app: Host, session: Session, reason: str) -> Any:
    """A session ended. ``reason`` is one of ``rejected``, ``timeout``, ``client_left``, ``connection_lost`` (its
    client did not resume in time after a drop), ``no_network_path``, ``host_stopped``, ``host_shutdown``, ``error``;
    ``session.end_message`` may say more, for people."""


# -- building a feature ------------------------------------------------------------------------------------------


@hookspec
def proxim_register_settings(register: Callable[[Setting], None]) -> None:
    """Declare the plugin's settings: ``register(Setting(...))``. Each is a key of the ``[plugins.NAME]`` table of the
    configuration file and a ``--NAME-KEY`` option (NAME: the plugin's name); read them with ``app.settings(NAME)``."""


@hookspec
def proxim_register_permissions(register: Callable[[PermissionSpec], None]) -> None:
    """Declare permissions: ``register(PermissionSpec(name, label))``. Each is off unless the host's user grants it;
    every approval surface offers it as an extra choice."""


@hookspec
def proxim_register_channels(register: Callable[[Channel], None]) -> None:
    """Declare data channels: ``register(Channel(label, permission, open, kinds, ordered, binary))``. The host opens
    each on a session's connection while the session holds its permission, and hands its messages to ``open(port)``'s
    handler in order."""


@hookspec
def proxim_register_console_commands(register: Callable[[ConsoleCommand], None]) -> None:
    """Add commands to the terminal of a host in console mode: ``register(ConsoleCommand(name, usage, help, run))``."""


@hookspec
def proxim_register_cli_commands(register: Callable[[CliCommand], None]) -> None:
    """Add ``proxim`` subcommands: ``register(CliCommand(name, help, add_arguments, run))``."""


@hookspec
def proxim_register_web_assets(register: Callable[[WebAsset], None]) -> None:
    """Add scripts and styles to the web client's page: ``register(WebAsset(plugin, directory, scripts, styles))``."""


@hookspec
def proxim_audit_record(app: Host, record: dict[str, Any]) -> Any:
    """A plugin handed a record to the audit log with ``app.audit(event, **fields)``: ``record`` is
    ``{"event": event, **fields}``. The audit plugin writes it; may return an awaitable."""


# -- tray and web ------------------------------------------------------------------------------------------------


@hookspec(firstresult=True)
def proxim_make_tray(app: Host) -> Tray | None:
    """firstresult: return the system-tray front end that will own the main thread, or None."""
    return None


@hookspec
def proxim_tray_menu_items(app: Host) -> list[MenuItem]:
    """Contribute entries to the tray menu; called each time the menu is rebuilt."""
    return []


@hookspec
def proxim_web_routes(app: Host, router: web.UrlDispatcher) -> None:
    """Add pages or endpoints to the embedded web server (the web client adds itself this way)."""
