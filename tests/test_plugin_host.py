"""The plugin host: loading plugins (entry points, ``--plugins-dir``), refusing broken ones, disabling, calling hooks
with failures isolated, and the ``proxim`` commands that report on plugins. Nothing here needs a display."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, cast

import pytest
from aiohttp import test_utils, web

import proxim_tray
from proxim_tray import BackendUnavailable, MenuItem, hookimpl, hookspecs
from proxim_tray.app import App
from proxim_tray.cli import _config_from, build_parser, main
from proxim_tray.config import HostConfig
from proxim_tray.plugins import PluginHost, load_plugin_host
from tests.support.hostkit import serve_links

SAMPLES = Path(__file__).parent / "plugin_samples"
ANY_APP = cast(Any, None)  # hooks called directly, with stand-ins for what the host would pass
BUILT_IN = {"signaling", "webclient", "qr", "console", "capture_mss", "input_x11", "tray", "audit"}
DISPLAY_VARIABLES = ("DISPLAY", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE")
SUBPROCESS_TIMEOUT = 30
STRICT = "PROXIM_STRICT_PLUGINS"
CONFIG = "PROXIM_CONFIG"  # a missing file: the user's own configuration must not change what the tests see


# -- helpers -----------------------------------------------------------------------------------------------------


def plugins_dir(parent: Path, *samples: str) -> Path:
    """A fresh plugins directory holding copies of the named files or packages from tests/plugin_samples."""
    directory = parent / "plugins"
    directory.mkdir()
    for sample in samples:
        source = SAMPLES / sample
        if source.is_dir():
            shutil.copytree(source, directory / sample, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, directory / sample)
    return directory


def headless_env(workdir: Path, **extra: str) -> dict[str, str]:
    """The current environment without a display, strict plugin loading or the user's configuration file."""
    env = {key: value for key, value in os.environ.items() if key not in (*DISPLAY_VARIABLES, STRICT)}
    return env | {CONFIG: str(workdir / "no-config.toml")} | extra


def proxim_command() -> list[str]:
    script = Path(sys.executable).with_name("proxim")
    return [str(script)] if script.exists() else [sys.executable, "-m", "proxim_tray"]


def run_proxim(*args: str | Path, cwd: Path, **extra_env: str) -> subprocess.CompletedProcess[str]:
    """Run the installed ``proxim`` command without a display, from ``cwd`` (not the source tree)."""
    return subprocess.run(
        [*proxim_command(), *map(str, args)],
        cwd=cwd,
        env=headless_env(cwd, **extra_env),
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
    )


def failed_names(host: PluginHost) -> set[str]:
    return {failure.name for failure in host.failures}


def by_name(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {entry["name"]: entry for entry in entries}


def hookimpl_names(module: object) -> list[str]:
    """The hooks a plugin module implements, read from its ``@hookimpl`` markers."""
    return sorted(name for name in dir(module) if hasattr(getattr(module, name), "proxim_impl"))


@pytest.fixture(autouse=True)
def _forget_local_plugin_modules() -> Iterator[None]:
    """Plugins loaded from a directory are imported as ``proxim_local_plugin_<name>``; do not leak them."""
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name.startswith("proxim_local_plugin_"):
            del sys.modules[name]


@pytest.fixture
def no_display(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for variable in (*DISPLAY_VARIABLES, STRICT):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv(CONFIG, str(tmp_path / "no-config.toml"))


@pytest.fixture
def sample_host(tmp_path: Path, no_display: None) -> PluginHost:
    """The built-in plugins through their entry points, plus the well-behaved sample plugin."""
    host = load_plugin_host(plugins_dir=plugins_dir(tmp_path, "sample_plugin.py"))
    assert "sample_plugin" not in failed_names(host)
    return host


def sample_module(host: PluginHost) -> Any:
    module = host.plugin_object("sample_plugin")
    assert isinstance(module, ModuleType)
    return module


# -- loading through entry points --------------------------------------------------------------------------------


def test_built_in_plugins_load_through_their_entry_points(no_display: None) -> None:
    host = load_plugin_host()

    assert host.failures == []
    loaded = {info.name: info for info in host.plugins()}
    assert set(loaded) >= BUILT_IN
    for name in BUILT_IN:
        info = loaded[name]
        assert info.source.startswith("entry point "), info
        assert info.source.endswith("(proxim)"), info  # the distribution that declares it
        assert info.version == proxim_tray.__version__
        assert info.hooks == hookimpl_names(host.plugin_object(name)), name
        assert info.hooks, f"{name} implements no hook"


@pytest.fixture(scope="module")
def listing_with_samples(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """One ``proxim plugins --json`` run with a plugins directory holding good, broken and misspelt plugins."""
    workdir = tmp_path_factory.mktemp("listing")
    directory = plugins_dir(
        workdir,
        "sample_plugin.py",
        "sample_package",
        "sample_broken.py",
        "sample_misspelt.py",
        "sample_unprefixed.py",
    )
    return directory, run_proxim("plugins", "--json", "--plugins-dir", directory, cwd=workdir)


def test_proxim_plugins_json_lists_built_ins_and_says_which_need_a_display(tmp_path: Path) -> None:
    result = run_proxim("plugins", "--json", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["failed"] == []
    plugins = by_name(report["plugins"])
    assert set(plugins) >= BUILT_IN
    for name in BUILT_IN:
        assert plugins[name]["source"].startswith("entry point"), plugins[name]
        assert plugins[name]["hooks"], plugins[name]
    assert "XTEST" in plugins["input_x11"]["about"]
    assert "synthetic events" in plugins["input_pynput"]["about"]  # the truth about pynput on X11
    for name in ("capture_mss", "input_x11", "input_pynput"):
        assert plugins[name]["usable"] is False, plugins[name]
        assert "DISPLAY is not set" in plugins[name]["why_not"], plugins[name]
    for name in ("signaling", "webclient", "qr", "console"):
        assert plugins[name]["usable"] is True, plugins[name]
        assert plugins[name]["why_not"] is None


# -- --plugins-dir -----------------------------------------------------------------------------------------------


def test_plugins_dir_module_and_package_are_listed_with_their_file(
    listing_with_samples: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    directory, result = listing_with_samples

    assert result.returncode == 1, result.stderr  # the broken samples failed
    plugins = by_name(json.loads(result.stdout)["plugins"])
    module = plugins["sample_plugin"]
    assert module["source"] == f"file {directory / 'sample_plugin.py'}"
    assert module["version"] == "1.2.3"
    assert module["usable"] is True
    assert "proxim_web_routes" in module["hooks"]
    assert "proxim_register_capture_sources" in module["hooks"]
    package = plugins["sample_package"]
    assert package["source"] == f"file {directory / 'sample_package'}"
    assert package["hooks"] == ["proxim_tray_menu_items"]


def test_broken_plugin_is_reported_and_the_others_still_load(
    listing_with_samples: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    directory, result = listing_with_samples

    assert result.returncode == 1, result.stderr  # a plugin failed: scripts and CI notice
    report = json.loads(result.stdout)
    failed = by_name(report["failed"])
    broken = failed["sample_broken"]
    assert broken["source"] == f"file {directory / 'sample_broken.py'}"
    assert broken["error"].startswith("import failed: ImportError:")
    assert "frobnicate" in broken["error"]
    assert set(by_name(report["plugins"])) >= BUILT_IN | {"sample_plugin", "sample_package"}
    assert "sample_broken" in result.stderr  # logged as well as listed
    assert "Traceback" not in result.stderr


def test_misspelt_or_unprefixed_hook_is_refused_as_unknown(
    listing_with_samples: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    _, result = listing_with_samples

    report = json.loads(result.stdout)
    failed = by_name(report["failed"])
    assert "unknown hook" in failed["sample_misspelt"]["error"]
    assert "proxim_sesion_started (did you mean proxim_session_started?)" in failed["sample_misspelt"]["error"]
    assert "unknown hook" in failed["sample_unprefixed"]["error"]
    assert "session_ended" in failed["sample_unprefixed"]["error"]
    # refused whole: its correctly spelt hook is not registered either
    assert "sample_misspelt" not in by_name(report["plugins"])


def test_unknown_hook_never_reaches_the_hook_table(tmp_path: Path, no_display: None) -> None:
    host = load_plugin_host(plugins_dir=plugins_dir(tmp_path, "sample_misspelt.py", "sample_unprefixed.py"))

    assert failed_names(host) >= {"sample_misspelt", "sample_unprefixed"}
    assert host.plugin_object("sample_misspelt") is None
    assert not hasattr(host.pm.hook, "proxim_sesion_started")
    host.check()  # nothing pending: the host is usable


def test_strict_mode_makes_a_broken_plugin_fatal(tmp_path: Path) -> None:
    directory = plugins_dir(tmp_path, "sample_plugin.py", "sample_broken.py")

    result = run_proxim("plugins", "--json", "--plugins-dir", directory, cwd=tmp_path, **{STRICT: "1"})

    assert result.returncode != 0
    assert result.stdout == ""
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith("proxim: plugin sample_broken (file "), result.stderr
    assert "import failed: ImportError" in message
    assert "frobnicate" in message
    assert "Traceback" not in result.stderr


def test_strict_mode_refuses_an_unknown_hook(
    tmp_path: Path, no_display: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(STRICT, "1")

    status = main(["plugins", "--plugins-dir", str(plugins_dir(tmp_path, "sample_misspelt.py"))])

    assert status == 2
    assert "unknown hook(s) proxim_sesion_started" in capsys.readouterr().err


def test_plugins_dir_that_is_not_a_directory_is_a_clear_error(
    tmp_path: Path, no_display: None, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["plugins", "--plugins-dir", str(tmp_path / "missing")])

    assert status == 2
    assert "is not a directory" in capsys.readouterr().err


def test_plugin_name_taken_by_an_entry_point_is_refused(tmp_path: Path, no_display: None) -> None:
    directory = plugins_dir(tmp_path)
    shutil.copy(SAMPLES / "sample_package" / "__init__.py", directory / "qr.py")

    host = load_plugin_host(plugins_dir=directory)

    refused = [failure for failure in host.failures if failure.name == "qr"]
    assert [failure.source for failure in refused] == [f"file {directory / 'qr.py'}"]
    assert "registration failed" in refused[0].error
    assert next(info for info in host.plugins() if info.name == "qr").source.startswith("entry point")


# -- --disable-plugin --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("before_command", [False, True], ids=["after-command", "before-command"])
def test_disable_plugin_blocks_built_ins_and_directory_plugins(
    tmp_path: Path, no_display: None, capsys: pytest.CaptureFixture[str], before_command: bool
) -> None:
    directory = plugins_dir(tmp_path, "sample_plugin.py", "sample_package")
    disable = ["--disable-plugin", "qr", "--disable-plugin", "console", "--disable-plugin", "sample_plugin"]
    rest = ["--plugins-dir", str(directory), "--json"]
    argv = [*disable, "plugins", *rest] if before_command else ["plugins", *rest, *disable]

    assert main(argv) == 0

    report = json.loads(capsys.readouterr().out)
    names = set(by_name(report["plugins"]))
    assert names >= {"signaling", "webclient", "tray", "sample_package"}
    assert not names & {"qr", "console", "sample_plugin"}
    assert not set(by_name(report["failed"])) & {"qr", "console", "sample_plugin"}  # blocked, not failed


def test_disabling_a_plugin_that_does_not_exist_warns(
    tmp_path: Path, no_display: None, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plugins", "--disable-plugin", "qrwindw", "--json"]) == 0
    assert "--disable-plugin qrwindw: no plugin has that name (did you mean qrwindow?)" in caplog.messages


def test_disabled_plugin_is_neither_loaded_nor_called(tmp_path: Path, no_display: None) -> None:
    host = load_plugin_host(blocked=["tray", "sample_plugin"], plugins_dir=plugins_dir(tmp_path, "sample_plugin.py"))

    assert host.plugin_object("tray") is None
    assert host.plugin_object("sample_plugin") is None
    implementers = {impl.plugin_name for impl in host.pm.hook.proxim_make_tray.get_hookimpls()}
    assert not implementers & {"tray", "sample_plugin"}
    app = App(HostConfig(), host)
    tray = host.call_first_sync(hookspecs.proxim_make_tray, app=app)
    assert type(tray).__name__ not in {"PystrayTray", "SampleTray"}
    assert "sample" not in app.capture_sources.factories


def test_registering_a_blocked_name_directly_is_a_no_op() -> None:
    class Menu:
        @hookimpl
        def proxim_tray_menu_items(self, app: Any) -> list[MenuItem]:
            return [MenuItem("should not appear")]

    host = PluginHost(blocked=["menu"])
    host.register(Menu(), "menu", "test")

    assert host.plugins() == []
    assert host.failures == []
    assert host.call_sync(hookspecs.proxim_tray_menu_items, app=ANY_APP) == []


# -- hooks, called through the host with real plugins -------------------------------------------------------------


def test_proxim_add_options_reaches_the_command_line(
    sample_host: PluginHost, capsys: pytest.CaptureFixture[str]
) -> None:
    """``build_parser`` calls ``proxim_add_options`` for the top-level and the ``host`` parsers."""
    parser = build_parser(sample_host)

    assert parser.parse_args(["host", "--sample-backends"]).sample_backends is True
    assert parser.parse_args(["--sample-backends"]).sample_backends is True  # "host" is the default command
    assert parser.parse_args(["host"]).sample_backends is False
    # and it is documented in ``proxim host --help``, through the real entry point
    with pytest.raises(SystemExit) as exit_info:
        main(["host", "--plugins-dir", str(Path(sample_module(sample_host).__file__).parent), "--help"])
    assert exit_info.value.code == 0
    help_text = capsys.readouterr().out
    assert "--sample-backends" in help_text
    assert "--audit-log" in help_text  # the built-in audit plugin's option

    added: list[str] = []

    class Recorder:
        def add_argument(self, *names: str, **options: Any) -> None:
            added.extend(names)

    sample_host.call_sync(hookspecs.proxim_add_options, parser=cast(Any, Recorder()))
    assert {"--audit-log", "--sample-backends"} <= set(added)


def test_proxim_configure_switches_to_the_plugins_backends(sample_host: PluginHost, tmp_path: Path) -> None:
    audit_log = tmp_path / "audit.jsonl"
    argv = ["host", "--sample-backends", "--fps", "12", "--audit-log", str(audit_log)]
    args = build_parser(sample_host).parse_args(argv)
    config = _config_from(args)
    assert (config.capture, config.input) == ("mss", "x11")

    sample_host.call_sync(hookspecs.proxim_configure, config=config, args=args)

    assert sample_module(sample_host).seen["configured"] == [config]
    assert config.plugin_settings["sample_plugin"] == {"backends": True}
    assert config.plugin_settings["audit_log"] == audit_log  # the built-in audit plugin read its option too
    assert (config.capture, config.input, config.fps) == ("sample", "sample", 12)
    app = App(config, sample_host)
    source = app.capture_sources.create(config.capture, config)
    frame = source.grab()
    assert frame.shape == (48, 64, 4)
    assert source.geometry().to_pixels(1.0, 1.0) == (63, 47)
    backend = app.input_backend()
    backend.type_text("hi")
    assert vars(backend)["events"] == [("text", "hi")]


def test_proxim_register_capture_sources_and_input_backends(sample_host: PluginHost) -> None:
    app = App(HostConfig(), sample_host)

    assert set(app.capture_sources.factories) >= {"mss", "sample"}  # built-in and from the plugins directory
    assert set(app.input_backends.factories) >= {"x11", "pynput", "sample"}
    with pytest.raises(BackendUnavailable, match="DISPLAY is not set"):
        app.capture_sources.create("mss", app.config)
    with pytest.raises(BackendUnavailable, match="DISPLAY is not set"):
        app.input_backends.create("x11", app.config)
    with pytest.raises(BackendUnavailable, match=r"no capture backend named 'vnc' \(installed: .*\bsample\b"):
        app.capture_sources.create("vnc", app.config)

    registered: list[str] = []
    sample_host.call_sync(
        hookspecs.proxim_register_capture_sources, register=lambda name, factory: registered.append(name)
    )
    assert {"mss", "sample"} <= set(registered)
    registered.clear()
    sample_host.call_sync(
        hookspecs.proxim_register_input_backends, register=lambda name, factory: registered.append(name)
    )
    assert {"x11", "pynput", "sample"} <= set(registered)


def test_proxim_register_commands_offers_only_available_commands(sample_host: PluginHost) -> None:
    from proxim_tray.commands import CommandContext

    app = App(HostConfig(), sample_host)

    offered = {command.name: command for command in app.commands.available()}
    assert "sample_hello" in offered
    assert "sample_never" not in offered  # registered, but its available() says no
    assert app.commands.get("sample_never") is not None
    backend = app.input_backends.create("sample", app.config)
    assert offered["sample_hello"].run(CommandContext(backend)) is None
    assert vars(backend)["events"] == [("text", "hello")]

    registered: list[str] = []
    sample_host.call_sync(hookspecs.proxim_register_commands, register=lambda command: registered.append(command.name))
    assert {"sample_hello", "sample_never"} <= set(registered)


def test_proxim_make_tray_is_first_result_and_built_in_tray_comes_last(sample_host: PluginHost) -> None:
    app = App(HostConfig(), sample_host)
    tray = sample_host.call_first_sync(hookspecs.proxim_make_tray, app=app)
    assert tray is not None and type(tray).__name__ == "SampleTray"  # the built-in tray is trylast: a plugin's wins
    assert tray.unavailable_reason() is None
    ready: list[bool] = []
    tray.run(lambda: ready.append(True))
    assert ready == [True]

    built_in_only = load_plugin_host()
    tray = built_in_only.call_first_sync(hookspecs.proxim_make_tray, app=App(HostConfig(), built_in_only))
    assert tray is not None and type(tray).__name__ == "PystrayTray"
    assert tray.unavailable_reason() == "no display"


def test_proxim_tray_menu_items_collects_one_group_per_plugin(tmp_path: Path, no_display: None) -> None:
    host = load_plugin_host(plugins_dir=plugins_dir(tmp_path, "sample_plugin.py", "sample_package"))
    app = App(HostConfig(), host)

    groups = host.call_sync(hookspecs.proxim_tray_menu_items, app=app)

    assert all(isinstance(item, MenuItem) for group in groups for item in group)
    texts = [[item.text for item in group] for group in groups]
    # the directory is loaded in name order and the last registered is called first: the module, then the package
    sample_groups = [group for group in texts if group and group[0].startswith(("Sample:", "From a package"))]
    assert sample_groups == [["Sample: say hello"], ["From a package plugin"]]
    items = {item.text: item for group in groups for item in group}
    assert items["From a package plugin"].enabled is False
    assert items["Sample: say hello"].action is not None
    items["Sample: say hello"].action()
    assert sample_module(host).seen["menu_clicks"] == [app]


async def test_proxim_web_routes_serve_the_web_client_and_plugin_pages(sample_host: PluginHost) -> None:
    app = App(HostConfig(), sample_host)
    web_app = web.Application()

    sample_host.call_sync(hookspecs.proxim_web_routes, app=app, router=web_app.router)

    async with test_utils.TestClient(test_utils.TestServer(web_app)) as client:
        page = await client.get("/p/some-session-id")
        assert page.status == 200
        assert page.headers["Cache-Control"] == "no-store"
        assert "<html" in (await page.text()).lower()
        script = await client.get("/static/app.js")
        assert script.status == 200
        hello = await client.get("/sample/hello")
        assert hello.status == 200
        assert await hello.text() == "hello from the sample plugin"
        assert (await client.get("/nothing-here")).status == 404


async def test_proxim_show_pairing_and_hide_pairing_follow_the_link(
    tmp_path: Path, no_display: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real session manager calls proxim_show_pairing for each new link and proxim_hide_pairing when it retires."""
    from PIL import Image

    from tests.support.desktop import qr_texts

    host = load_plugin_host(plugins_dir=plugins_dir(tmp_path, "sample_plugin.py"))
    qr_png = tmp_path / "pairing.png"
    app = App(HostConfig(link_ttl=0.2, qr_png=qr_png, stun_servers=[]), host)
    serve_links(app, "http://192.0.2.7:47600")
    seen = sample_module(host).seen

    first = await app.sessions.new_pairing()
    assert first is not None
    assert seen["shown"] == [first.session_id]
    assert seen["hidden"] == []
    # the built-in qr plugin wrote the link as a PNG
    assert qr_texts(Image.open(qr_png)) == [first.url]

    # the unused link expires and is renewed: the old one is hidden (its async hook awaited), then the new one shown
    renewed = asyncio.Event()
    monkeypatch.setattr(app, "state_changed", renewed.set)  # what the tray is told after every change
    await asyncio.wait_for(renewed.wait(), 5)
    second = app.sessions.pairing
    assert second is not None and second is not first
    assert seen["shown"] == [first.session_id, second.session_id]
    assert seen["hidden"] == [first.session_id]

    await app.sessions.close()  # the host stops: the live link is hidden too
    assert seen["hidden"] == [first.session_id, second.session_id]
    assert seen["shown"] == [first.session_id, second.session_id]
    assert app.sessions.pairing is None


# -- calling: failures isolated, awaitables awaited ---------------------------------------------------------------


class Shows:
    def __init__(self, result: str) -> None:
        self.result = result

    @hookimpl
    def proxim_show_pairing(self, app: Any, pairing: Any) -> str:
        return self.result


class ShowsLater:
    @hookimpl
    async def proxim_show_pairing(self, app: Any, pairing: Any) -> str:
        await asyncio.sleep(0)
        return "awaited"


class FailsToShow:
    @hookimpl
    def proxim_show_pairing(self, app: Any, pairing: Any) -> str:
        raise RuntimeError("no screen to show it on")


class FailsToShowLater:
    @hookimpl
    async def proxim_show_pairing(self, app: Any, pairing: Any) -> str:
        await asyncio.sleep(0)
        raise RuntimeError("failed after awaiting")


class ShowsNothing:
    @hookimpl
    def proxim_show_pairing(self, app: Any, pairing: Any) -> None:
        return None


def host_with(*plugins: object) -> PluginHost:
    host = PluginHost()
    for number, plugin in enumerate(plugins):
        host.register(plugin, f"{type(plugin).__name__.lower()}{number}", "test")
    assert host.failures == []
    return host


async def test_call_isolates_failures_and_awaits_awaitables(caplog: pytest.LogCaptureFixture) -> None:
    host = host_with(Shows("first registered"), FailsToShow(), ShowsLater(), FailsToShowLater(), ShowsNothing())

    with caplog.at_level(logging.ERROR, logger="proxim_tray.plugins"):
        results = await host.call(hookspecs.proxim_show_pairing, app=ANY_APP, pairing=cast(Any, None))

    # last registered is called first (pluggy's order); None results are dropped
    assert results == ["awaited", "first registered"]
    failed = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert [record.getMessage() for record in failed] == [
        "plugin failstoshowlater3 failed in proxim_show_pairing",
        "plugin failstoshow1 failed in proxim_show_pairing",
    ]
    assert all(record.exc_info for record in failed)  # with the traceback


def test_call_sync_isolates_failures(caplog: pytest.LogCaptureFixture) -> None:
    host = host_with(Shows("a"), FailsToShow(), Shows("b"), ShowsNothing())

    with caplog.at_level(logging.ERROR, logger="proxim_tray.plugins"):
        assert host.call_sync(hookspecs.proxim_show_pairing, app=ANY_APP, pairing=cast(Any, None)) == ["b", "a"]
    assert "plugin failstoshow1 failed in proxim_show_pairing" in caplog.messages


def test_call_first_sync_returns_the_first_non_none_and_skips_failures(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[str] = []

    class NamedTray:
        def __init__(self, name: str) -> None:
            self.name = name

        @hookimpl
        def proxim_make_tray(self, app: Any) -> str:
            calls.append(self.name)
            return self.name

    class NoTray:
        @hookimpl
        def proxim_make_tray(self, app: Any) -> None:
            calls.append("none")

    class BrokenTray:
        @hookimpl(tryfirst=True)
        def proxim_make_tray(self, app: Any) -> str:
            calls.append("broken")
            raise RuntimeError("no tray library")

    host = host_with(NamedTray("never asked"), NamedTray("chosen"), NoTray(), BrokenTray())

    with caplog.at_level(logging.ERROR, logger="proxim_tray.plugins"):
        assert cast(Any, host.call_first_sync(hookspecs.proxim_make_tray, app=ANY_APP)) == "chosen"
    assert calls == ["broken", "none", "chosen"]  # stops at the first result
    assert "plugin brokentray3 failed in proxim_make_tray" in caplog.messages
    assert host_with(NoTray()).call_first_sync(hookspecs.proxim_make_tray, app=ANY_APP) is None


def test_implementation_may_take_fewer_arguments_than_the_spec() -> None:
    class OnlyPairing:
        @hookimpl
        def proxim_show_pairing(self, pairing: Any) -> Any:
            return pairing

    assert host_with(OnlyPairing()).call_sync(
        hookspecs.proxim_show_pairing, app=cast(Any, "app"), pairing=cast(Any, "pairing")
    ) == ["pairing"]


# -- the proxim command ------------------------------------------------------------------------------------------


def test_version(tmp_path: Path) -> None:
    result = run_proxim("--version", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"proxim {proxim_tray.__version__}"


def test_doctor_without_a_display_says_what_to_fix(tmp_path: Path) -> None:
    result = run_proxim("doctor", cwd=tmp_path)

    assert result.returncode != 0
    lines = result.stdout.splitlines()
    display = [line for line in lines if "display server" in line]
    assert len(display) == 1, result.stdout
    assert display[0].startswith("FIX")
    assert "DISPLAY is not set" in display[0]
    capture = next(line for line in lines if "screen capture" in line)
    assert capture.startswith("FIX") and "DISPLAY is not set" in capture


def test_doctor_reports_plugins_that_failed_to_load(
    tmp_path: Path, no_display: None, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["doctor", "--plugins-dir", str(plugins_dir(tmp_path, "sample_broken.py"))])

    assert status == 1
    plugin_lines = [line for line in capsys.readouterr().out.splitlines() if "sample_broken" in line]
    assert len(plugin_lines) == 1
    assert plugin_lines[0].split()[:2] == ["FIX", "plugin"]
    assert "sample_broken failed to load: import failed: ImportError" in plugin_lines[0]
