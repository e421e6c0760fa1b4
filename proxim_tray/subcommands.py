"""``proxim`` subcommands a plugin adds (``proxim_register_cli_commands``), as llm's ``register_commands`` does."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class CliCommand:
    """``proxim NAME ...``: ``add_arguments`` fills its parser, ``run(args)`` returns the exit status."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
