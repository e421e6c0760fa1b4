"""The ``proxim`` command: ``host`` (the default), ``connect``, ``plugins``, ``doctor``."""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from proxim_tray import __version__, configfile, connect, desktop_install, doctor, iceservers, instance
from proxim_tray import media_options as options
from proxim_tray.app import App
from proxim_tray.config import (
    DEFAULT_APPROVE_TIMEOUT,
    DEFAULT_LINK_TTL,
    DEFAULT_MEDIA_PORT,
    DEFAULT_PORT,
    DEFAULT_RESUME_WINDOW,
    HostConfig,
)
from proxim_tray.errors import ConfigError, ProximError
from proxim_tray.media_options import CODECS
from proxim_tray.plugins import PluginHost, load_plugin_host
from proxim_tray.session_type import DEFAULT_INPUT, default_capture, default_input

logger = logging.getLogger(__name__)


def _add_plugin_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, metavar="PATH", help="configuration file (default: see the README)")
    parser.add_argument("--plugins-dir", type=Path, metavar="DIR", help="also load plugin modules from DIR")
    parser.add_argument(
        "--disable-plugin",
        action="append",
        default=[],
        metavar="NAME",
        help="do not load plugin NAME (repeatable)",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log more (-v: info, -vv: debug)")


def _add_media_port_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--media-port",
        type=options.media_port,
        default=DEFAULT_MEDIA_PORT,
        metavar="N",
        help=f"UDP port for video and input, the one to open in a firewall; 0: random (default: {DEFAULT_MEDIA_PORT})",
    )


def _add_host_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-tray", action="store_true", help="run in the terminal without a tray icon")
    parser.add_argument(
        "--bind", default="", metavar="ADDR", help="listen only on ADDR (default: every address, IPv6 and IPv4)"
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port to listen on (default: {DEFAULT_PORT})")
    _add_media_port_option(parser)
    parser.add_argument(
        "--advertise-addr",
        metavar="ADDR",
        help="address put in the pairing link (default: the best address that answers)",
    )
    parser.add_argument("--qr-png", type=Path, metavar="PATH", help="also write the pairing QR code to PATH")
    parser.add_argument(
        "--approve-timeout",
        type=float,
        default=DEFAULT_APPROVE_TIMEOUT,
        metavar="SECONDS",
        help=f"reject a request nobody answered after SECONDS (default: {DEFAULT_APPROVE_TIMEOUT:g})",
    )
    parser.add_argument(
        "--link-ttl",
        type=float,
        default=DEFAULT_LINK_TTL,
        metavar="SECONDS",
        help=f"renew an unused pairing link after SECONDS (default: {DEFAULT_LINK_TTL:g})",
    )
    parser.add_argument(
        "--resume-window",
        type=float,
        default=DEFAULT_RESUME_WINDOW,
        metavar="SECONDS",
        help="how long a session whose network dropped waits for the device to come back without a new approval; "
        f"0 ends it at once (default: {DEFAULT_RESUME_WINDOW:g})",
    )
    parser.add_argument(
        "--capture", default=None, metavar="NAME", help="screen-capture backend (default: portal on Wayland, else mss)"
    )
    parser.add_argument(
        "--input",
        default=None,
        metavar="NAME",
        help=f"input backend (default: portal on Wayland, else {DEFAULT_INPUT})",
    )
    parser.add_argument("--monitor", type=int, default=1, help="monitor to share, from 1 (default: 1)")
    parser.add_argument("--fps", type=options.fps, default=30, help="frame-rate cap, 1 to 120 (default: 30)")
    parser.add_argument(
        "--codec", choices=CODECS, default="auto", help="video codec; auto prefers H264 when the client has it"
    )
    parser.add_argument(
        "--bitrate",
        type=options.bitrate_range,
        default=(500, 8000),
        metavar="MIN-MAX",
        help="video bitrate range in kbit/s; it follows the client's estimate inside it (default: 500-8000)",
    )
    parser.add_argument(
        "--max-size", type=options.max_size, metavar="PIXELS", help="scale the picture so its longer side fits PIXELS"
    )
    parser.add_argument(
        "--region", type=options.region, metavar="X,Y,W,H", help="share only this rectangle of the monitor"
    )
    parser.add_argument(
        "--local-priority",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="pause remote input for SECONDS after local mouse or keyboard use; 0 never pauses (default: 2)",
    )
    parser.add_argument(
        "--stun",
        action="append",
        type=iceservers.stun_url,
        default=[],
        metavar="URL",
        help="STUN server, given to both ends (default: none)",
    )
    parser.add_argument(
        "--turn",
        action="append",
        type=iceservers.turn_url,
        default=[],
        metavar="URL",
        help="TURN server relaying when no direct path exists, turn:HOST[:PORT][?transport=udp|tcp] (default: none)",
    )
    parser.add_argument("--turn-user", metavar="NAME", help="TURN user name (static credentials)")
    parser.add_argument("--turn-password", metavar="PASSWORD", help="TURN password (static credentials)")
    parser.add_argument(
        "--turn-secret", metavar="SECRET", help="secret shared with coturn (use-auth-secret): short-lived credentials"
    )
    parser.add_argument("--turn-secret-file", type=Path, metavar="PATH", help="read --turn-secret from PATH")


def build_parser(plugins: PluginHost | None = None, defaults: dict[str, Any] | None = None) -> argparse.ArgumentParser:
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
            plugins.call_sync("proxim_add_options", parser=host_parser)
    for host_parser in (parser, host):
        host_parser.set_defaults(**copy.deepcopy(defaults or {}))
    for name, text in (("show", "show the running host's pairing QR code"), ("stop", "stop sharing (keep running)")):
        command = sub.add_parser(name, help=text)
        command.add_argument("--port", type=int, default=(defaults or {}).get("port", DEFAULT_PORT))
    connect.add_arguments(sub.add_parser("connect", help="control another computer that runs Proxim, in a window"))
    listing = sub.add_parser("plugins", help="list loaded plugins and those that failed")
    _add_plugin_options(listing)
    listing.add_argument("--json", action="store_true", help="print JSON")
    checkup = sub.add_parser("doctor", help="check what works on this machine")
    _add_plugin_options(checkup)
    checkup.add_argument("--port", type=int, default=DEFAULT_PORT, help="the signaling port to check")
    _add_media_port_option(checkup)
    desktop = sub.add_parser("install-desktop", help="add Proxim to the applications menu, with its icons")
    desktop.add_argument("--remove", action="store_true", help="take the menu entry and icons out again")
    checkup.set_defaults(**{key: value for key, value in (defaults or {}).items() if key in ("port", "media_port")})
    return parser


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
    try:
        defaults = configfile.load(early.config or configfile.default_path())
        early = _early_plugin_args(argv, defaults)
        plugins = load_plugin_host(early.disable_plugin, early.plugins_dir)
    except ProximError as exc:
        print(f"proxim: {exc}", file=sys.stderr)
        return 2
    args = build_parser(plugins, defaults).parse_args(argv)
    if args.command in ("show", "stop"):
        return _tell_running_host(args.port, args.command)
    if args.command == "plugins":
        return print_plugins(plugins, as_json=args.json)
    if args.command == "install-desktop":
        return desktop_install.run(remove_them=args.remove)
    try:
        config = _config_from(args)
        iceservers.IceSettings.from_config(config)
    except ProximError as exc:
        print(f"proxim: {exc}", file=sys.stderr)
        return 2
    if args.command == "doctor":
        return doctor.run(plugins, config)
    plugins.call_sync("proxim_configure", config=config, args=args)
    return run_host(config, plugins)


def _about(plugins: PluginHost, name: str) -> str:
    """The first paragraph of a plugin's docstring, on one line: what it does, and its limits."""
    doc = getattr(plugins.plugin_object(name), "__doc__", None) or ""
    return " ".join(doc.strip().split("\n\n")[0].split())


def print_plugins(plugins: PluginHost, as_json: bool) -> int:
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
        return 0
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
    return 0


def run_host(config: HostConfig, plugins: PluginHost) -> int:
    reply = instance.send_command(config.port, "show")
    if reply is not None:
        print(f"Proxim is already running on port {config.port}: {reply.removeprefix('ok: ')}", flush=True)
        return 0 if reply.startswith("ok") else 1
    app = App(config, plugins)
    tray = plugins.call_first_sync("proxim_make_tray", app=app) if config.tray else None
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
