"""Plugin settings: declared once by a plugin, each is a key of its ``[plugins.NAME]`` table in the configuration file
and a ``--NAME-KEY`` command-line option; the command line overrides the file."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from proxim_tray.errors import ConfigError

TABLE = "plugins"


class SettingsError(ConfigError):
    """A plugin's table in the configuration file holds an unknown key or a wrong value."""


@dataclass(frozen=True)
class Setting:
    """One setting of a plugin. ``kind`` is ``bool``, ``int``, ``float``, ``str``, ``Path`` or ``list`` (of
    strings); ``convert`` parses a value written as text (raise ``argparse.ArgumentTypeError`` saying what is wrong)."""

    name: str
    kind: type
    default: Any
    help: str
    metavar: str | None = None
    choices: tuple[str, ...] = ()
    convert: Callable[[str], Any] | None = None


def _dest(plugin: str, setting: Setting) -> str:
    return f"{plugin}_{setting.name}".replace("-", "_")


def _flag(plugin: str, setting: Setting) -> str:
    return f"--{plugin}-{setting.name}".replace("_", "-")


class PluginSettings:
    """Every plugin's declared settings, by plugin name."""

    def __init__(self) -> None:
        self.declared: dict[str, dict[str, Setting]] = {}

    def register(self, plugin: str, setting: Setting) -> None:
        if setting.kind not in (bool, int, float, str, Path, list):
            raise ValueError(f"setting {setting.name!r}: kind must be bool, int, float, str, Path or list")
        self.declared.setdefault(plugin, {})[setting.name] = setting

    # -- the command line --------------------------------------------------------------------------------------------

    def add_arguments(self, parser: argparse.ArgumentParser, plugins: tuple[str, ...] | None = None) -> None:
        """Add ``--PLUGIN-SETTING`` for every setting (of ``plugins`` only, when given), one group per plugin."""
        for plugin, settings in self.declared.items():
            if plugins is not None and plugin not in plugins:
                continue
            group = parser.add_argument_group(f"plugin {plugin} (also [{TABLE}.{plugin}] in the configuration file)")
            for setting in settings.values():
                self._add_argument(group, plugin, setting)

    @staticmethod
    def _add_argument(group: argparse._ArgumentGroup, plugin: str, setting: Setting) -> None:
        flag, dest = _flag(plugin, setting), _dest(plugin, setting)
        default_text = f" (default: {setting.default})" if setting.default not in (None, "", []) else ""
        if setting.kind is bool:
            group.add_argument(
                flag, dest=dest, action=argparse.BooleanOptionalAction, default=setting.default, help=setting.help
            )
            return
        kwargs: dict[str, Any] = {
            "dest": dest,
            "default": setting.default,
            "metavar": setting.metavar or setting.name.upper(),
            "help": setting.help + default_text,
        }
        if setting.choices:
            kwargs["choices"] = setting.choices
        item = setting.convert or (Path if setting.kind is Path else str if setting.kind is list else setting.kind)
        if setting.kind is list:
            group.add_argument(flag, action="append", type=item, **kwargs)
        else:
            group.add_argument(flag, type=item, **kwargs)

    def values(self, args: argparse.Namespace) -> dict[str, Mapping[str, Any]]:
        """Each plugin's settings from the parsed command line (the file's values are its defaults)."""
        return {
            plugin: MappingProxyType({name: getattr(args, _dest(plugin, s), s.default) for name, s in settings.items()})
            for plugin, settings in self.declared.items()
        }

    def defaults(self) -> dict[str, Mapping[str, Any]]:
        """Each plugin's settings at their declared defaults (a host built without a command line)."""
        return {
            plugin: MappingProxyType({name: setting.default for name, setting in settings.items()})
            for plugin, settings in self.declared.items()
        }

    # -- the configuration file --------------------------------------------------------------------------------------

    def file_defaults(self, path: Path, tables: Any) -> tuple[dict[str, Any], list[str]]:
        """The ``[plugins.*]`` tables as argparse defaults, and the names of tables no loaded plugin declares (a
        disabled plugin's table is no error)."""
        if not isinstance(tables, dict):
            raise SettingsError(f"{path}: [{TABLE}] must be a table of tables, one per plugin")
        defaults: dict[str, Any] = {}
        unclaimed = []
        for plugin, table in tables.items():
            settings = self.declared.get(plugin)
            if settings is None:
                unclaimed.append(plugin)
                continue
            if not isinstance(table, dict):
                raise SettingsError(f"{path}: [{TABLE}.{plugin}] must be a table")
            for key, value in table.items():
                setting = settings.get(key)
                if setting is None:
                    known = ", ".join(settings) or "none"
                    raise SettingsError(f"{path}: [{TABLE}.{plugin}] unknown key {key!r}; its keys are {known}")
                defaults[_dest(plugin, setting)] = _checked(f"{path}: [{TABLE}.{plugin}] {key}", setting, value)
        return defaults, unclaimed


def _checked(where: str, setting: Setting, value: Any) -> Any:
    def fail(expected: str) -> SettingsError:
        return SettingsError(f"{where} must be {expected}, not {value!r}")

    if setting.kind is list:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise fail("a list of strings")
        return [_converted(where, setting, item) for item in value]
    if setting.kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    expected = str if setting.kind is Path else setting.kind
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        raise fail(f"a{'n' if expected is int else ''} {expected.__name__}")
    if setting.choices and value not in setting.choices:
        raise fail("one of " + ", ".join(setting.choices))
    if setting.kind is Path:
        return Path(str(value)).expanduser()
    return _converted(where, setting, value) if isinstance(value, str) else value


def _converted(where: str, setting: Setting, text: str) -> Any:
    if setting.convert is None:
        return text
    try:
        return setting.convert(text)
    except (argparse.ArgumentTypeError, ValueError) as exc:
        raise SettingsError(f"{where}: {exc}") from None
