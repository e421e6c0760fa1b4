"""The configuration file: TOML in the user's config directory; its values become the command line's defaults."""

from __future__ import annotations

import argparse
import os
import tomllib
from pathlib import Path
from typing import Any

import platformdirs

from proxim_tray.errors import ProximError
from proxim_tray.options import OPTIONS, Option
from proxim_tray.settings import TABLE as PLUGINS_TABLE

CONFIG_ENV = "PROXIM_CONFIG"


class ConfigFileError(ProximError):
    """The configuration file cannot be read or holds a wrong value."""


def platform_path() -> Path:
    """``config.toml`` in the platform's user config directory."""
    return Path(platformdirs.user_config_dir("proxim", appauthor=False)) / "config.toml"


def default_path() -> Path:
    """``$PROXIM_CONFIG``, or the platform's path."""
    override = os.environ.get(CONFIG_ENV)
    return Path(override) if override else platform_path()


def chosen_path(given: Path | None) -> Path | None:
    """The file in use (``--config``, else ``$PROXIM_CONFIG``) when it is not the platform's, as an absolute path: what
    a host started elsewhere (at login) must be told to read the same file; None for the platform's own."""
    path = (given or default_path()).expanduser().absolute()
    return None if path == platform_path().absolute() else path


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigFileError(f"cannot read the configuration file {path}: {exc}") from exc


def plugin_tables(path: Path) -> Any:
    """The file's ``[plugins]`` table: one table per plugin, checked against what each declares (settings.py)."""
    return _read(path).get(PLUGINS_TABLE, {})


def load(path: Path) -> dict[str, Any]:
    """The file's settings as argparse defaults (by destination); a missing file means no settings."""
    data = _read(path)
    keys = {key.name: key for key in OPTIONS}
    defaults: dict[str, Any] = {}
    for name, value in data.items():
        if name == PLUGINS_TABLE:
            continue
        key = keys.get(name)
        if key is None:
            raise ConfigFileError(
                f"{path}: unknown key {name!r}; the keys are {', '.join(keys)}, and [{PLUGINS_TABLE}.NAME] tables"
            )
        defaults[key.option] = _checked(path, key, value)
    return defaults


def _checked(path: Path, key: Option, value: Any) -> Any:
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
    return Path(str(value)).expanduser() if key.path else value


def _converted(path: Path, key: Option, text: str) -> Any:
    if key.convert is None:
        return text
    try:
        return key.convert(text)
    except argparse.ArgumentTypeError as exc:
        raise ConfigFileError(f"{path}: {key.name}: {exc}") from None


def template() -> str:
    """A configuration file with every key commented out at its default."""
    lines = ["# Proxim configuration. Uncomment a key to change it; command-line flags override this file.", ""]
    for key in OPTIONS:
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
