"""The host's options, each declared once: the declaration makes its command-line option, its key in the configuration
file (checked when the file is read, and written commented out in the file's template) and its row in
docs/configuration.md (a test keeps the two in step)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from proxim_tray import iceservers, media_options
from proxim_tray.config import (
    DEFAULT_APPROVE_TIMEOUT,
    DEFAULT_INPUT,
    DEFAULT_LINK_TTL,
    DEFAULT_MEDIA_PORT,
    DEFAULT_PORT,
    DEFAULT_RESUME_WINDOW,
)


@dataclass(frozen=True)
class Option:
    """``name`` is the key in the configuration file and the option's destination; ``default`` is written as the file
    writes it (``bitrate = "500-8000"``); ``unset`` is the file's way to say "none" (then the option is None)."""

    name: str
    kind: type
    default: Any
    help: str
    dest: str = ""
    inverted: bool = False  # the flag says the opposite (``tray = false`` is ``--no-tray``)
    is_list: bool = False
    unset: Any = None
    convert: Callable[[str], Any] | None = None  # the option's own parser, for values written as text
    choices: tuple[str, ...] = ()
    metavar: str | None = None
    path: bool = False  # a file or directory: ``~`` expands
    flag_help: str = ""  # what an inverted flag does

    @property
    def option(self) -> str:
        """The argparse destination."""
        return self.dest or self.name

    @property
    def flag(self) -> str:
        return "--" + self.option.replace("_", "-")

    def parsed_default(self) -> Any:
        """The default as the command line holds it once parsed."""
        if self.is_list:
            return []
        if self.inverted:
            return False
        if self.unset is not None and self.default == self.unset:
            return None
        if self.convert is not None and isinstance(self.default, str):
            return self.convert(self.default)
        return self.default

    def add_to(self, parser: argparse.ArgumentParser) -> None:
        if self.inverted:
            parser.add_argument(self.flag, action="store_true", help=self.flag_help)
            return
        item_type = self.convert or (Path if self.path else self.kind)
        kwargs: dict[str, Any] = {"type": item_type, "metavar": self.metavar, "help": self.help}
        if self.choices:
            kwargs.update(choices=self.choices, metavar=None)
        shown = self.default if not self.is_list and self.default != self.unset else None
        if shown is not None:
            kwargs["help"] += f" (default: {shown:g})" if isinstance(shown, float) else f" (default: {shown})"
        if self.is_list:
            parser.add_argument(self.flag, action="append", default=[], **kwargs)
        else:
            parser.add_argument(self.flag, default=self.parsed_default(), **kwargs)


def _option(name: str, kind: type, default: Any, help: str, **more: Any) -> Option:
    return Option(name, kind, default, help, **more)


HOST_OPTIONS = [
    _option(
        "tray",
        bool,
        True,
        "show a tray icon; false runs in the terminal",
        dest="no_tray",
        inverted=True,
        flag_help="run in the terminal without a tray icon",
    ),
    _option(
        "bind",
        str,
        "",
        'listen only on this address ("0.0.0.0": IPv4 only, "::": IPv6 only); empty: every address',
        metavar="ADDR",
    ),
    _option("port", int, DEFAULT_PORT, "port to listen on; one host runs per user and port", metavar="N"),
    _option(
        "media_port",
        int,
        DEFAULT_MEDIA_PORT,
        "UDP port for video and input, the one to open in a firewall; 0: a random port",
        convert=media_options.media_port,
        metavar="N",
    ),
    _option(
        "advertise_addr",
        str,
        "",
        "address put in the pairing link; empty: the best address that answers",
        unset="",
        metavar="ADDR",
    ),
    _option(
        "qr_png",
        str,
        "",
        "also write the pairing QR code to this PNG file; empty: no file",
        unset="",
        path=True,
        metavar="PATH",
    ),
    _option(
        "approve_timeout",
        float,
        DEFAULT_APPROVE_TIMEOUT,
        "seconds to approve a request before it is rejected",
        metavar="SECONDS",
    ),
    _option("link_ttl", float, DEFAULT_LINK_TTL, "seconds before an unused pairing link is renewed", metavar="SECONDS"),
    _option(
        "resume_window",
        float,
        DEFAULT_RESUME_WINDOW,
        "seconds a session whose network dropped waits for the device to come back; 0: it ends at once",
        metavar="SECONDS",
    ),
    _option("capture", str, "mss", "screen-capture backend", metavar="NAME"),
    _option("input", str, DEFAULT_INPUT, "input backend", metavar="NAME"),
    _option("monitor", int, 1, "monitor to share, from 1; 0: all monitors together", metavar="N"),
    _option(
        "region",
        str,
        "",
        'share only this rectangle of the monitor, "X,Y,W,H"; empty: all of it',
        unset="",
        convert=media_options.region,
        metavar="X,Y,W,H",
    ),
    _option(
        "max_size",
        int,
        0,
        "scale the picture so its longer side fits this many pixels; 0: full size",
        unset=0,
        convert=media_options.max_size,
        metavar="PIXELS",
    ),
    _option("fps", int, 30, "frame-rate cap, 1 to 120", convert=media_options.fps, metavar="N"),
    _option(
        "codec",
        str,
        "auto",
        "video codec: auto (H264 when the client has it), h264 or vp8",
        choices=media_options.CODECS,
    ),
    _option(
        "bitrate",
        str,
        "500-8000",
        'video bitrate range in kbit/s, "MIN-MAX"; it follows the client\'s estimate inside it',
        convert=media_options.bitrate_range,
        metavar="MIN-MAX",
    ),
    _option(
        "local_priority",
        float,
        2.0,
        "seconds remote input pauses after local mouse or keyboard use; 0: never",
        metavar="SECONDS",
    ),
    _option(
        "stun",
        str,
        [],
        'STUN servers, for example ["stun:stun.example.org:3478"]; the flag is repeatable',
        is_list=True,
        convert=iceservers.stun_url,
        metavar="URL",
    ),
    _option(
        "turn",
        str,
        [],
        'TURN servers, for example ["turn:turn.example.org:3478?transport=udp"]; they need credentials; the flag is '
        "repeatable",
        is_list=True,
        convert=iceservers.turn_url,
        metavar="URL",
    ),
    _option("turn_user", str, "", "TURN user name (static credentials); empty: none", unset="", metavar="NAME"),
    _option("turn_password", str, "", "TURN password (static credentials); empty: none", unset="", metavar="PASSWORD"),
    _option(
        "turn_secret", str, "", "secret shared with coturn (use-auth-secret); empty: none", unset="", metavar="SECRET"
    ),
    _option(
        "turn_secret_file",
        str,
        "",
        "read the secret shared with coturn from this file; empty: none",
        unset="",
        path=True,
        metavar="PATH",
    ),
]

# accepted by every command, since they choose the plugins (and so the other options) and say where the file is
PLUGIN_OPTIONS = [
    _option(
        "disable_plugin", str, [], "plugins not to load, by name; the flag is repeatable", is_list=True, metavar="NAME"
    ),
    _option(
        "plugins_dir",
        str,
        "",
        "also load plugin modules from this directory; empty: none",
        unset="",
        path=True,
        metavar="DIR",
    ),
]

OPTIONS = [*HOST_OPTIONS, *PLUGIN_OPTIONS]
BY_NAME = {option.name: option for option in OPTIONS}


def add_arguments(parser: argparse.ArgumentParser, options: Sequence[Option]) -> None:
    for option in options:
        option.add_to(parser)
