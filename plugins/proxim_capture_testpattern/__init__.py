"""A synthetic capture source: colour bars and a moving block, for tests and benchmarks where no display exists."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from proxim_capture_testpattern.pattern import TestPatternSource, pattern_size
from proxim_tray import CaptureSource, HostConfig, hookimpl

__version__ = "0.1.0"

SETTINGS_KEY = "testpattern"


@hookimpl
def proxim_add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--pattern-size",
        type=pattern_size,
        default=(1280, 720),
        metavar="WxH",
        help="size of the testpattern capture source's picture (default: 1280x720)",
    )
    parser.add_argument(
        "--pattern-rate",
        type=float,
        default=30.0,
        metavar="N",
        help="how often per second the testpattern picture changes; 0 keeps it still (default: 30)",
    )


@hookimpl
def proxim_configure(config: HostConfig, args: argparse.Namespace) -> None:
    config.plugin_settings[SETTINGS_KEY] = {"size": args.pattern_size, "rate": args.pattern_rate}


@hookimpl
def proxim_register_capture_sources(
    register: Callable[[str, Callable[[HostConfig], CaptureSource]], None],
) -> None:
    def create(config: HostConfig) -> CaptureSource:
        settings = config.plugin_settings.get(SETTINGS_KEY, {})
        return TestPatternSource(settings.get("size", (1280, 720)), settings.get("rate", 30.0))

    register("testpattern", create)
