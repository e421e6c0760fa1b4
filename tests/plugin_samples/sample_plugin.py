"""A well-behaved plugin for the plugin-host tests, loaded with ``--plugins-dir``.

It implements every hook that can be shown without a display or a client: an option, a configuration change, a
capture source and an input backend that need no display, commands, a tray front end, a menu entry, a web route, and
the pairing display hooks. ``seen`` records what the hooks were given; every load executes the file again, so it
starts empty.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from typing import Any

import numpy as np
from aiohttp import web

from proxim_tray import CaptureSource, InputBackend, MenuItem, Pairing, ScreenGeometry, Tray, hookimpl
from proxim_tray.commands import Command, CommandContext
from proxim_tray.testing import RecordingInput

__version__ = "1.2.3"

WIDTH, HEIGHT = 64, 48

seen: dict[str, list[Any]] = {"configured": [], "shown": [], "hidden": [], "menu_clicks": []}


class SampleCapture(CaptureSource):
    """A solid mid-grey screen."""

    name = "sample"

    def geometry(self) -> ScreenGeometry:
        return ScreenGeometry(0, 0, WIDTH, HEIGHT)

    def grab(self) -> Any:
        return np.full((HEIGHT, WIDTH, 4), 128, dtype=np.uint8)


class SampleInput(RecordingInput):
    """Records the input it is asked to inject (the test kit's backend, under its own name)."""

    name = "sample"


class SampleTray(Tray):
    """A tray that needs no display: ``run`` reports ready and returns."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def run(self, on_ready: Callable[[], None]) -> None:
        on_ready()

    def stop(self) -> None:
        pass

    def refresh(self) -> None:
        pass


@hookimpl
def proxim_add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sample-backends",
        action="store_true",
        help="capture and inject with the sample plugin's display-free backends",
    )


@hookimpl
def proxim_configure(config: Any, args: argparse.Namespace) -> None:
    seen["configured"].append(config)
    config.plugin_settings["sample_plugin"] = {"backends": args.sample_backends}
    if args.sample_backends:
        config.capture = "sample"
        config.input = "sample"


@hookimpl
def proxim_register_capture_sources(register: Callable[[str, Callable[[Any], CaptureSource]], None]) -> None:
    register("sample", lambda config: SampleCapture())


@hookimpl
def proxim_register_input_backends(register: Callable[[str, Callable[[Any], InputBackend]], None]) -> None:
    register("sample", lambda config: SampleInput())


def _say_hello(context: CommandContext) -> None:
    context.input.type_text("hello")


@hookimpl
def proxim_register_commands(register: Callable[[Command], None]) -> None:
    register(Command("sample_hello", "Type hello", _say_hello))
    register(Command("sample_never", "Never offered", _say_hello, available=lambda: False))


@hookimpl
def proxim_make_tray(app: Any) -> Tray:
    return SampleTray(app)


@hookimpl
def proxim_tray_menu_items(app: Any) -> list[MenuItem]:
    return [MenuItem("Sample: say hello", lambda: seen["menu_clicks"].append(app))]


async def _hello(request: web.Request) -> web.Response:
    return web.Response(text="hello from the sample plugin")


@hookimpl
def proxim_web_routes(app: Any, router: web.UrlDispatcher) -> None:
    router.add_get("/sample/hello", _hello)


@hookimpl
def proxim_show_pairing(app: Any, pairing: Pairing) -> None:
    seen["shown"].append(pairing.session_id)


@hookimpl
async def proxim_hide_pairing(app: Any, pairing: Pairing) -> None:
    await asyncio.sleep(0)  # an awaitable the host must await
    seen["hidden"].append(pairing.session_id)
