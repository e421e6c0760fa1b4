"""The configuration file: TOML in the user's config directory; its values become the command line's defaults."""

from __future__ import annotations

import argparse
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from proxim_tray import iceservers, media_options
from proxim_tray.config import (
    DEFAULT_APPROVE_TIMEOUT,
    DEFAULT_LINK_TTL,
    DEFAULT_MEDIA_PORT,
    DEFAULT_PORT,
    DEFAULT_RESUME_WINDOW,
)
from proxim_tray.errors import ProximError
from proxim_tray.session_type import DEFAULT_INPUT

CONFIG_ENV = "PROXIM_CONFIG"


class ConfigFileError(ProximError):
    """The configuration file cannot be read or holds a wrong value."""


@dataclass(frozen=True)
class Key:
    name: str
    kind: type
    default: Any
    help: str
    dest: str = ""
    inverted: bool = False  # the flag says the opposite (``tray = false`` is ``--no-tray``)
    is_list: bool = False
    unset: Any = None  # the value that means "not set" (the option's default is None)
    convert: Callable[[str], Any] | None = None  # the option's own parser, for values written as text
    choices: tuple[str, ...] = ()

    @property
    def option(self) -> str:
        return self.dest or self.name


KEYS = [
    Key("tray", bool, True, "show a tray icon; false runs in the terminal", dest="no_tray", inverted=True),
    Key("bind", str, "", 'listen only on this address ("0.0.0.0": IPv4 only, "::": IPv6 only); empty: every address'),
    Key("port", int, DEFAULT_PORT, "port to listen on; one host runs per user and port"),
    Key(
        "media_port",
        int,
        DEFAULT_MEDIA_PORT,
        "UDP port for video and input, the one to open in a firewall; 0: a random port",
        convert=media_options.media_port,
    ),
    Key(
        "advertise_addr",
        str,
        "",
        "address put in the pairing link; empty: the best address that answers",
        unset="",
    ),
    Key("approve_timeout", float, DEFAULT_APPROVE_TIMEOUT, "seconds to approve a request before it is rejected"),
    Key("link_ttl", float, DEFAULT_LINK_TTL, "seconds before an unused pairing link is renewed"),
    Key(
        "resume_window",
        float,
        DEFAULT_RESUME_WINDOW,
        "seconds a session whose network dropped waits for the device to come back; 0: it ends at once",
    ),
    Key("qr_png", str, "", "also write the pairing QR code to this PNG file; empty: no file", unset=""),
    Key("capture", str, "", "screen-capture backend; empty: portal on a Wayland session, else mss", unset=""),
    Key("input", str, "", f"input backend; empty: portal on a Wayland session, else {DEFAULT_INPUT}", unset=""),
    Key("monitor", int, 1, "monitor to share, from 1; 0: all monitors together"),
    Key(
        "region",
        str,
        "",
        'share only this rectangle of the monitor, "X,Y,W,H"; empty: all of it',
        unset="",
        convert=media_options.region,
    ),
    Key(
        "max_size",
        int,
        0,
        "scale the picture so its longer side fits this many pixels; 0: full size",
        unset=0,
        convert=media_options.max_size,
    ),
    Key("fps", int, 30, "frame-rate cap, 1 to 120", convert=media_options.fps),
    Key(
        "codec",
        str,
        "auto",
        "video codec: auto (H264 when the client has it), h264 or vp8",
        choices=media_options.CODECS,
    ),
    Key("bitrate", str, "500-8000", 'video bitrate range in kbit/s, "MIN-MAX"', convert=media_options.bitrate_range),
    Key("local_priority", float, 2.0, "seconds remote input pauses after local mouse or keyboard use; 0: never"),
    Key(
        "stun",
        str,
        [],
        'STUN servers, for example ["stun:stun.example.org:3478"]',
        is_list=True,
        convert=iceservers.stun_url,
    ),
    Key(
        "turn",
        str,
        [],
        'TURN servers, for example ["turn:turn.example.org:3478?transport=udp"]; they need credentials',
        is_list=True,
        convert=iceservers.turn_url,
    ),
    Key("turn_user", str, "", "TURN user name (static credentials); empty: none", unset=""),
    Key("turn_password", str, "", "TURN password (static credentials); empty: none", unset=""),
    Key("turn_secret", str, "", "secret shared with coturn (use-auth-secret); empty: none", unset=""),
    Key("turn_secret_file", str, "", "read the secret shared with coturn from this file; empty: none", unset=""),
    Key("disable_plugin", str, [], "plugins not to load, by name", is_list=True),
    Key("plugins_dir", str, "", "also load plugin modules from this directory; empty: none", unset=""),
]
PATH_KEYS = {"qr_png", "plugins_dir", "turn_secret_file"}


def default_path() -> Path:
    """``$PROXIM_CONFIG``, or ``config.toml`` in the platform's user config directory."""
    override = os.environ.get(CONFIG_ENV)
    if override:
        return Path(override)
    return Path(platformdirs.user_config_dir("proxim", appauthor=False)) / "config.toml"


def load(path: Path) -> dict[str, Any]:
    """The file's settings as argparse defaults (by destination); a missing file means no settings."""
    try:
        with path.open("rb") as file:
            data = tomllib.load(file)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigFileError(f"cannot read the configuration file {path}: {exc}") from exc
    keys = {key.name: key for key in KEYS}
    defaults: dict[str, Any] = {}
    for name, value in data.items():
        key = keys.get(name)
        if key is None:
            raise ConfigFileError(f"{path}: unknown key {name!r}; the keys are {', '.join(keys)}")
        defaults[key.option] = _checked(path, key, value)
    return defaults


def _checked(path: Path, key: Key, value: Any) -> Any:
    def fail(expected: str) -> ConfigFileError:
        return ConfigFileError(f"{path}: {key.name} must be {expected}, not {value!r}")

    if key.is_list:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise fail("a list of strings")
        return [_converted(path, key, item) for item in value]
    if key.kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, key.kind) or (key.kind is int and isinstance(value, bool)):
        raise fail(f"a{'n' if key.kind is int else ''} {key.kind.__name__}")
    if key.choices and value not in key.choices:
        raise fail("one of " + ", ".join(key.choices))
    if key.inverted:
        return not value
    if key.unset is not None and value == key.unset:
        return None
    if key.convert is not None:
        return _converted(path, key, str(value))
    return Path(str(value)).expanduser() if key.name in PATH_KEYS else value


def _converted(path: Path, key: Key, text: str) -> Any:
    if key.convert is None:
        return text
    try:
        return key.convert(text)
    except argparse.ArgumentTypeError as exc:
        raise ConfigFileError(f"{path}: {key.name}: {exc}") from None


def template() -> str:
    """A configuration file with every key commented out at its default."""
    lines = ["# Proxim configuration. Uncomment a key to change it; command-line flags override this file.", ""]
    for key in KEYS:
        lines.append(f"# {key.help}")
        lines.append(f"# {key.name} = {_toml(key.default)}")
        lines.append("")
    return "\n".join(lines)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    return f"{value:g}" if isinstance(value, float) else str(value)


def ensure_exists(path: Path) -> Path:
    """Create the file from :func:`template` if it is missing, so there is something to edit."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template(), encoding="utf-8")
    return path
