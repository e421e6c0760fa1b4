"""Loading plugins and calling their hooks.

Built-in plugins register through the ``proxim`` entry-point group exactly as third-party plugins do. A plugin that
fails to import or register is recorded in :attr:`PluginHost.failures` and skipped, unless ``PROXIM_STRICT_PLUGINS=1``
makes that fatal (useful while writing a plugin).
"""

from __future__ import annotations

import difflib
import importlib.metadata
import importlib.util
import inspect
import logging
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, ParamSpec, TypeVar, cast

import pluggy

from proxim_tray import hookspecs
from proxim_tray.errors import PluginLoadError
from proxim_tray.settings import PluginSettings, Setting

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

ENTRY_POINT_GROUP = "proxim"
STRICT_ENV = "PROXIM_STRICT_PLUGINS"


@dataclass(frozen=True)
class PluginFailure:
    name: str
    source: str
    error: str


@dataclass(frozen=True)
class PluginInfo:
    name: str
    version: str | None
    source: str
    hooks: list[str] = field(default_factory=list)


HOOK_NAMES = sorted(name for name in dir(hookspecs) if name.startswith("proxim_"))


def _with_suggestion(name: str) -> str:
    """An unknown hook's name, and the hook it was probably meant to be (or why it may be unknown)."""
    candidates = difflib.get_close_matches(name, HOOK_NAMES, n=1, cutoff=0.6)
    if not candidates and not name.startswith("proxim_"):
        candidates = difflib.get_close_matches(f"proxim_{name}", HOOK_NAMES, n=1, cutoff=0.6)
    if candidates:
        return f"{name} (did you mean {candidates[0]}?)"
    return f"{name} (misspelt, or made for another version of the hook API?)"


def _strict() -> bool:
    return os.environ.get(STRICT_ENV, "") not in ("", "0")


class PluginHost:
    """The pluggy manager plus what Proxim knows about each plugin: where it came from, what failed."""

    def __init__(self, blocked: Iterable[str] = ()) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self.pm.add_hookspecs(hookspecs)
        self.failures: list[PluginFailure] = []
        self.blocked: set[str] = set(blocked)
        self._info: dict[str, PluginInfo] = {}
        self._settings: PluginSettings | None = None
        # every plugin name found, loaded or not: a --disable-plugin naming none of them is a typo
        self.found: set[str] = set()
        for name in self.blocked:
            self.pm.set_blocked(name)

    # -- loading ---------------------------------------------------------------------------------------------------

    def load_entry_points(self) -> None:
        for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            self.found.add(ep.name)
            if ep.name in self.blocked:
                logger.info("plugin %s is disabled", ep.name)
                continue
            dist = ep.dist
            source = f"entry point {ep.value}" + (f" ({dist.name})" if dist else "")
            try:
                plugin = ep.load()
                if isinstance(plugin, type):  # a plugin class: its instance keeps the plugin's state
                    plugin = plugin()
            except Exception as exc:
                self._fail(ep.name, source, f"import failed: {type(exc).__name__}: {exc}")
                continue
            self.register(plugin, ep.name, source, dist.version if dist else None)

    def load_directory(self, directory: Path) -> None:
        """Load every ``*.py`` module and package in ``directory`` as a plugin named after the file."""
        if not directory.is_dir():
            raise PluginLoadError(f"--plugins-dir {directory} is not a directory")
        for path in sorted(directory.iterdir()):
            if path.name.startswith(("_", ".")):
                continue
            if path.suffix == ".py":
                name, init = path.stem, path
            elif (path / "__init__.py").is_file():
                name, init = path.name, path / "__init__.py"
            else:
                continue
            self.found.add(name)
            if name in self.blocked:
                logger.info("plugin %s is disabled", name)
                continue
            source = f"file {path}"
            try:
                module = self._import_file(f"proxim_local_plugin_{name}", init)
            except Exception as exc:
                self._fail(name, source, f"import failed: {type(exc).__name__}: {exc}")
                continue
            self.register(module, name, source, getattr(module, "__version__", None))

    @staticmethod
    def _import_file(module_name: str, path: Path) -> ModuleType:
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot import {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[module_name]
            raise
        return module

    def register(self, plugin: object, name: str, source: str, version: str | None = None) -> None:
        # every @hookimpl, whatever its name: one naming no known hook (e.g. no ``proxim_`` prefix) would otherwise
        # be registered and make ``check()`` raise for the whole host instead of skipping this plugin
        unknown = []
        for attr in dir(plugin):
            opts = self.pm.parse_hookimpl_opts(plugin, attr)
            if opts is not None and not hasattr(self.pm.hook, opts.get("specname") or attr):
                unknown.append(attr)
        if unknown:
            self._fail(name, source, f"unknown hook(s) {', '.join(_with_suggestion(hook) for hook in unknown)}")
            return
        try:
            registered = self.pm.register(plugin, name=name)
        except Exception as exc:
            self._fail(name, source, f"registration failed: {type(exc).__name__}: {exc}")
            return
        if registered is None:  # pluggy refuses a blocked name without raising
            logger.info("plugin %s is disabled", name)
            return
        hooks = sorted(caller.name for caller in self.pm.get_hookcallers(plugin) or [])
        self._info[name] = PluginInfo(name, version, source, hooks)
        logger.debug("plugin %s loaded from %s", name, source)

    def check(self) -> None:
        """Fail loudly if any registered implementation names no known hook (pluggy's ``check_pending``)."""
        self.pm.check_pending()

    def _fail(self, name: str, source: str, error: str) -> None:
        if _strict():
            raise PluginLoadError(f"plugin {name} ({source}): {error}")
        logger.error("plugin %s skipped: %s (%s)", name, error, source)
        self.failures.append(PluginFailure(name, source, error))

    # -- introspection -----------------------------------------------------------------------------------------------

    def plugins(self) -> list[PluginInfo]:
        return [self._info[name] for name in sorted(self._info)]

    def plugin_object(self, name: str) -> object | None:
        return self.pm.get_plugin(name)

    def settings(self) -> PluginSettings:
        """Every plugin's declared settings (``proxim_register_settings``, each plugin's ``register`` bound to its
        name); collected once."""
        if self._settings is None:
            self._settings = PluginSettings()
            hook = hookspecs.proxim_register_settings.__name__
            for impl in self._impls(hook):

                def register(setting: Setting, plugin: str = impl.plugin_name) -> None:
                    assert self._settings is not None
                    self._settings.register(plugin, setting)

                self._call_one_sync(impl, hook, {"register": register})
        return self._settings

    # -- calling -----------------------------------------------------------------------------------------------------

    def _impls(self, hook_name: str) -> Sequence[pluggy.HookImpl]:
        # pluggy calls the last registered first; keep its order (tryfirst/trylast included)
        return list(reversed(getattr(self.pm.hook, hook_name).get_hookimpls()))

    def _call_one(self, impl: pluggy.HookImpl, kwargs: dict[str, Any]) -> Any:
        return impl.function(*(kwargs[arg] for arg in impl.argnames))

    def _call_one_sync(self, impl: pluggy.HookImpl, hook_name: str, kwargs: dict[str, Any]) -> Any:
        """Call one implementation of a synchronous hook; None if it failed (logged) or wrongly returned a coroutine."""
        try:
            result = self._call_one(impl, kwargs)
        except Exception:
            logger.exception("plugin %s failed in %s", impl.plugin_name, hook_name)
            return None
        if inspect.isawaitable(result):
            if inspect.iscoroutine(result):
                result.close()
            logger.error(
                "plugin %s: %s is synchronous; its async implementation was not run", impl.plugin_name, hook_name
            )
            return None
        return result

    # The host calls hooks by their spec (``call(hookspecs.proxim_startup, app=app)``), not by name: mypy checks the
    # arguments against the spec, and a misspelt hook is an error where it is written.

    def call_sync(self, hook: Callable[P, object], *args: P.args, **kwargs: P.kwargs) -> list[Any]:
        """Call every implementation of a synchronous observer hook, isolating failures."""
        name = _hook_name(hook, args)
        results = (self._call_one_sync(impl, name, kwargs) for impl in self._impls(name))
        return [result for result in results if result is not None]

    def call_first_sync(self, hook: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R | None:
        name = _hook_name(hook, args)
        for impl in self._impls(name):
            result = self._call_one_sync(impl, name, kwargs)
            if result is not None:
                return cast(R, result)
        return None

    async def call(self, hook: Callable[P, object], *args: P.args, **kwargs: P.kwargs) -> list[Any]:
        """Call every implementation, awaiting those that return awaitables; one failure never stops the rest."""
        name = _hook_name(hook, args)
        results = []
        for impl in self._impls(name):
            try:
                result = self._call_one(impl, kwargs)
                if inspect.isawaitable(result):
                    result = await result
            except Exception:
                logger.exception("plugin %s failed in %s", impl.plugin_name, name)
                continue
            if result is not None:
                results.append(result)
        return results


def _hook_name(hook: Callable[..., object], args: tuple[object, ...]) -> str:
    assert not args, "hooks are called with keyword arguments"
    assert getattr(hookspecs, hook.__name__, None) is hook, f"{hook.__name__} is not a hook spec"
    return str(hook.__name__)


def load_plugin_host(blocked: Iterable[str] = (), plugins_dir: Path | None = None) -> PluginHost:
    host = PluginHost(blocked)
    host.load_entry_points()
    if plugins_dir is not None:
        host.load_directory(plugins_dir)
    host.check()
    for name in sorted(host.blocked - host.found):
        suggestion = difflib.get_close_matches(name, sorted(host.found), n=1)
        hint = f"did you mean {suggestion[0]}?" if suggestion else "`proxim plugins` lists them"
        logger.warning("--disable-plugin %s: no plugin has that name (%s)", name, hint)
    return host
