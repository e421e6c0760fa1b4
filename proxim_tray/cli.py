"""The ``proxim`` command: ``host`` (the default), ``connect``, ``plugins``, ``doctor``."""

from __future__ import annotations

import argparse
import asyncio
import copy
import inspect
import json
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from proxim_tray import (
    __version__,
    configfile,
    connect,
    desktop_install,
    doctor,
    hookspecs,
    iceservers,
    instance,
    options,
)
from proxim_tray.app import App
from proxim_tray.config import (
    DEFAULT_PORT,
    HostConfig,
)
from proxim_tray.errors import ConfigError, ProximError
from proxim_tray.plugins import PluginHost, load_plugin_host
from proxim_tray.session_type import default_capture, default_input
from proxim_tray.subcommands import CliCommand

logger = logging.getLogger(__name__)

BUILT_IN_COMMANDS = ("host", "show", "stop", "plugins", "doctor")


def _add_plugin_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, metavar="PATH", help="configuration file (default: see the README)")
    options.add_arguments(parser, options.PLUGIN_OPTIONS)
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log more (-v: info, -vv: debug)")


def _add_host_options(parser: argparse.ArgumentParser) -> None:
    options.add_arguments(parser, options.HOST_OPTIONS)


def build_parser(
    plugins: PluginHost | None = None,
    defaults: dict[str, Any] | None = None,
    commands: dict[str, CliCommand] | None = None,
) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="proxim", description="Share this desktop with a phone or another computer.")
    parser.add_argument("--version", action="version", version=f"proxim {__version__}")
    _add_plugin_options(parser)
    _add_host_options(parser)
    sub = parser.add_subparsers(dest="command")
    host = sub.add_parser("host", help="run the host (the default)")
    _add_plugin_options(host)
    _add_host_options(host)
    if plugins is not None:
        for host_parser in (parser, host):
            plugins.call_sync(hookspecs.proxim_add_options, parser=host_parser)
            plugins.settings().add_arguments(host_parser)
    for host_parser in (parser, host):
        host_parser.set_defaults(**copy.deepcopy(defaults or {}))
    for plugin_command in (commands or {}).values():
        command_parser = sub.add_parser(plugin_command.name, help=plugin_command.help)
        _add_plugin_options(command_parser)
        assert plugins is not None
        plugins.settings().add_arguments(command_parser)
        plugin_command.add_arguments(command_parser)
        command_parser.set_defaults(**copy.deepcopy(defaults or {}))
    for name, text in (("show", "show the running host's pairing QR code"), ("stop", "stop sharing (keep running)")):
        command = sub.add_parser(name, help=text)
        command.add_argument("--port", type=int, default=(defaults or {}).get("port", DEFAULT_PORT))
    connect.add_arguments(sub.add_parser("connect", help="control another computer that runs Proxim, in a window"))
    listing = sub.add_parser("plugins", help="list loaded plugins and those that failed")
    _add_plugin_options(listing)
    listing.add_argument("--json", action="store_true", help="print JSON")
    checkup = sub.add_parser("doctor", help="check what works on this machine")
    _add_plugin_options(checkup)
    options.add_arguments(checkup, [options.BY_NAME["port"], options.BY_NAME["media_port"]])
    desktop = sub.add_parser("install-desktop", help="add Proxim to the applications menu, with its icons")
    desktop.add_argument("--remove", action="store_true", help="take the menu entry and icons out again")
    checkup.set_defaults(**{key: value for key, value in (defaults or {}).items() if key in ("port", "media_port")})
    return parser


def plugin_commands(plugins: PluginHost | None) -> dict[str, CliCommand]:
    """The ``proxim`` subcommands plugins add; one that takes a built-in command's name is refused (logged)."""
    commands: dict[str, CliCommand] = {}
    if plugins is None:
        return commands

    def register(command: CliCommand) -> None:
        if command.name in BUILT_IN_COMMANDS or command.name in commands:
            raise ValueError(f"the command name {command.name!r} is taken")
        commands[command.name] = command

    plugins.call_sync(hookspecs.proxim_register_cli_commands, register=register)
    return commands


def _early_plugin_args(argv: Sequence[str], defaults: dict[str, Any] | None = None) -> argparse.Namespace:
    early = argparse.ArgumentParser(add_help=False)
    _add_plugin_options(early)
    early.set_defaults(**copy.deepcopy(defaults or {}))
    known, _ = early.parse_known_args(argv)
    return known


def _config_from(args: argparse.Namespace) -> HostConfig:
    return HostConfig(
        bind=args.bind,
        port=args.port,
        advertise_addr=args.advertise_addr,
        approve_timeout=args.approve_timeout,
        link_ttl=args.link_ttl,
        resume_window=args.resume_window,
        qr_png=args.qr_png,
        tray=not args.no_tray,
        capture=args.capture or default_capture(),
        input=args.input or default_input(),
        monitor=args.monitor,
        fps=args.fps,
        codec=args.codec,
        min_bitrate=args.bitrate[0] * 1000,
        max_bitrate=args.bitrate[1] * 1000,
        max_size=args.max_size,
        region=args.region,
        local_priority=args.local_priority,
        media_port=args.media_port,
        stun_servers=list(args.stun),
        turn_servers=list(args.turn),
        turn_user=args.turn_user,
        turn_password=args.turn_password,
        turn_secret=_turn_secret(args),
        disabled_plugins=list(args.disable_plugin),
        plugins_dir=args.plugins_dir,
        config_file=args.config,
    )


def _turn_secret(args: argparse.Namespace) -> str | None:
    if args.turn_secret_file is None:
        return str(args.turn_secret) if args.turn_secret else None
    if args.turn_secret:
        raise ConfigError("give the TURN secret either in --turn-secret or in --turn-secret-file, not both")
    return iceservers.read_secret_file(args.turn_secret_file)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["connect"]:
        return connect.main(argv[1:])  # a client: no plugins, no host configuration
    early = _early_plugin_args(argv)
    logging.basicConfig(
        level=[logging.WARNING, logging.INFO, logging.DEBUG][min(early.verbose, 2)],
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    config_path = early.config or configfile.default_path()
    try:
        defaults = configfile.load(config_path)
        early = _early_plugin_args(argv, defaults)
        plugins = load_plugin_host(early.disable_plugin, early.plugins_dir)
        settings = plugins.settings()
        plugin_defaults, unclaimed = settings.file_defaults(config_path, configfile.plugin_tables(config_path))
    except ProximError as exc:
        print(f"proxim: {exc}", file=sys.stderr)
        return 2
    for name in unclaimed:
        logger.warning("%s: [plugins.%s]: no loaded plugin declares settings by that name; ignored", config_path, name)
    commands = plugin_commands(plugins)
    args = build_parser(plugins, defaults | plugin_defaults, commands).parse_args(argv)
    if args.command in ("show", "stop"):
        return _tell_running_host(args.port, args.command)
    if args.command == "plugins":
        return print_plugins(plugins, as_json=args.json)
    if args.command == "install-desktop":
        return desktop_install.run(remove_them=args.remove)
    if args.command in commands:
        return commands[args.command].run(args)
    try:
        config = _config_from(args)
        iceservers.IceSettings.from_config(config)
    except ProximError as exc:
        print(f"proxim: {exc}", file=sys.stderr)
        return 2
    config.plugin_settings.update(settings.values(args))
    if args.command == "doctor":
        return doctor.run(plugins, config)
    plugins.call_sync(hookspecs.proxim_configure, config=config, args=args)
    return run_host(config, plugins)


def _about(plugins: PluginHost, name: str) -> str:
    """The first paragraph of a plugin's module docstring, on one line: what it does, and its limits (a plugin class's
    module says it, not the class)."""
    doc = getattr(inspect.getmodule(plugins.plugin_object(name)), "__doc__", None) or ""
    return " ".join(doc.strip().split("\n\n")[0].split())


def print_plugins(plugins: PluginHost, as_json: bool) -> int:
    """List the plugins; the status is 1 when one failed to load, so a script or CI notices."""
    app = App(HostConfig(), plugins)
    usable = doctor.plugin_usability(app)
    loaded = [
        asdict(info)
        | {
            "about": _about(plugins, info.name),
            "usable": usable.get(info.name) is None,
            "why_not": usable.get(info.name),
        }
        for info in plugins.plugins()
    ]
    failed = [asdict(failure) for failure in plugins.failures]
    if as_json:
        print(json.dumps({"plugins": loaded, "failed": failed}, indent=2))
        return 1 if failed else 0
    for entry in loaded:
        status = "usable" if entry["usable"] else f"not usable here: {entry['why_not']}"
        print(f"{entry['name']} {entry['version'] or ''}  [{status}]")
        if entry["about"]:
            print(f"    {entry['about']}")
        print(f"    from {entry['source']}")
        print(f"    hooks: {', '.join(entry['hooks'])}")
    for failure in failed:
        print(f"{failure['name']}  [FAILED TO LOAD: {failure['error']}]")
        print(f"    from {failure['source']}")
    return 1 if failed else 0


def run_host(config: HostConfig, plugins: PluginHost) -> int:
    reply = instance.send_command(config.port, "show")
    if reply is not None:
        print(f"Proxim is already running on port {config.port}: {reply.removeprefix('ok: ')}", flush=True)
        return 0 if reply.startswith("ok") else 1
    app = App(config, plugins)
    tray = plugins.call_first_sync(hookspecs.proxim_make_tray, app=app) if config.tray else None
    if config.tray:
        reason = "no tray plugin is loaded" if tray is None else tray.unavailable_reason()
        if reason:
            print(f"No system tray here ({reason}); running in console mode.", flush=True)
            tray = None
    if tray is None:
        config.console = True
        return asyncio.run(_run_console(app))
    app.tray = tray
    return _run_with_tray(app)


async def _run_console(app: App) -> int:
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, app.request_stop)
        except NotImplementedError:  # Windows' event loops have none: a plain handler hands the stop to the loop
            signal.signal(signum, lambda *_: loop.call_soon_threadsafe(app.request_stop))
    return await _serve(app)


async def _serve(app: App) -> int:
    async with instance.InstanceServer(app):
        return await app.run()


def _tell_running_host(port: int, command: str) -> int:
    reply = instance.send_command(port, command)
    if reply is None:
        print(f"proxim: no Proxim host is running on port {port}; start one with `proxim`", file=sys.stderr)
        return 1
    print(reply.removeprefix("ok: "))
    return 0 if reply.startswith("ok") else 1


def _run_with_tray(app: App) -> int:
    """The tray owns the main thread; the event loop runs in a worker started once the icon is up."""
    assert app.tray is not None
    tray = app.tray
    status = [0]

    def loop_thread() -> None:
        try:
            status[0] = asyncio.run(_serve(app))
        finally:
            tray.stop()

    def on_ready() -> None:
        threading.Thread(target=loop_thread, name="proxim-loop").start()

    def on_signal(signum: int, frame: object) -> None:
        app.request_stop()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    tray.run(on_ready)
    return status[0]
