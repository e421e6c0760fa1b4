"""The plugin's settings as the host's user writes them: sizes with a unit."""

from __future__ import annotations

import argparse
import re

_UNITS = {"": 1, "K": 1000, "M": 1000**2, "G": 1000**3, "T": 1000**4, "KI": 1024, "MI": 1024**2, "GI": 1024**3}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]i?)?b?\s*", re.IGNORECASE)


def parse_size(value: str | int) -> int:
    """Bytes in ``"2G"``, ``"500M"``, ``"1.5GiB"`` or ``1000000``; raises argparse.ArgumentTypeError."""
    if isinstance(value, int):
        return value
    match = _SIZE.fullmatch(value)
    if match is None:
        raise argparse.ArgumentTypeError(f"{value!r} is not a size: write bytes, or a number with K, M, G (500M, 2G)")
    return int(float(match.group(1)) * _UNITS[(match.group(2) or "").upper()])
