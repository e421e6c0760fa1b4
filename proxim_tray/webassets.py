"""Scripts and styles a plugin adds to the web client's page (see the ``proxim_register_web_assets`` hook)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_NAME = re.compile(r"[A-Za-z0-9_-]+")
_FILE = re.compile(r"[A-Za-z0-9_.-]+\.(js|css)")


@dataclass(frozen=True)
class WebAsset:
    """``directory`` is served at ``/plugins/<plugin>/``; ``scripts`` load (deferred) after the page's own, before it
    starts the session, and ``styles`` after its stylesheet."""

    plugin: str
    directory: Path
    scripts: tuple[str, ...] = ()
    styles: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return f"/plugins/{self.plugin}/"


class WebAssetRegistry:
    def __init__(self) -> None:
        self._assets: dict[str, WebAsset] = {}

    def register(self, asset: WebAsset) -> None:
        if not _NAME.fullmatch(asset.plugin):
            raise ValueError(f"web asset prefix {asset.plugin!r}: use letters, digits, - and _")
        if asset.plugin in self._assets:
            raise ValueError(f"web assets for {asset.plugin!r} are already registered")
        for name in (*asset.scripts, *asset.styles):
            if not _FILE.fullmatch(name) or not (asset.directory / name).is_file():
                raise ValueError(f"web asset {name!r} is not a .js or .css file in {asset.directory}")
        self._assets[asset.plugin] = asset

    def all(self) -> list[WebAsset]:
        return list(self._assets.values())
