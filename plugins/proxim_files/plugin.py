"""The plugin object: what file transfer declares to the host, and the host's user's commands."""

from __future__ import annotations

import logging
import shlex
from collections.abc import Callable
from pathlib import Path

from proxim_files.messages import CHANNEL, KINDS, PERMISSION
from proxim_files.picker import pick_files
from proxim_files.saving import downloads_folder
from proxim_files.settings import parse_size
from proxim_files.transfer import FileChannel
from proxim_tray import (
    Channel,
    ChannelPort,
    ConsoleCommand,
    Host,
    MenuItem,
    PermissionSpec,
    Setting,
    WebAsset,
    hookimpl,
)

logger = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
NAME = "files"


class FilesPlugin:
    """The plugin object: it holds the open ``files`` channel of the session, if any."""

    name = NAME

    def __init__(self) -> None:
        self.host: Host | None = None
        self._channel: FileChannel | None = None

    # -- declarations ------------------------------------------------------------------------------------------------

    @hookimpl
    def proxim_register_permissions(self, register: Callable[[PermissionSpec], None]) -> None:
        register(
            PermissionSpec(
                PERMISSION, "Send and receive files", "the device may send files to this computer's Downloads folder"
            )
        )

    @hookimpl
    def proxim_register_settings(self, register: Callable[[Setting], None]) -> None:
        register(
            Setting(
                "folder", Path, None, "the folder received files are saved in (default: your Downloads folder)", "DIR"
            )
        )
        register(
            Setting(
                "max_size",
                str,
                "2G",
                "the largest file accepted from a device, in bytes or with a unit: 500M, 2G",
                metavar="SIZE",
                convert=parse_size,
            )
        )

    @hookimpl
    def proxim_register_channels(self, register: Callable[[Channel], None]) -> None:
        register(Channel(CHANNEL, PERMISSION, self._open, kinds=KINDS, binary=True))

    @hookimpl
    def proxim_register_web_assets(self, register: Callable[[WebAsset], None]) -> None:
        register(WebAsset(NAME, STATIC, scripts=("files.js",), styles=("files.css",)))

    @hookimpl
    def proxim_register_console_commands(self, register: Callable[[ConsoleCommand], None]) -> None:
        register(ConsoleCommand("send", "send PATH", "send a file to the connected device", self._send_command))
        register(ConsoleCommand("cancel", "cancel", "cancel the file transfers in progress", self._cancel_command))

    @hookimpl
    def proxim_startup(self, app: Host) -> None:
        self.host = app

    @hookimpl
    def proxim_tray_menu_items(self, app: Host) -> list[MenuItem]:
        channel = self.channel
        if channel is None:
            return []
        items = [MenuItem(line, enabled=False) for line in channel.transfers()]
        items.append(MenuItem("Send a file to the device...", lambda: pick_files(app, self.send_chosen)))
        if items[:-1]:
            items.append(MenuItem("Cancel file transfers", lambda: app.call_soon(self._cancel())))
        return items

    # -- the channel -------------------------------------------------------------------------------------------------

    def _open(self, port: ChannelPort) -> FileChannel:
        settings = port.host.settings(NAME)
        folder = Path(settings["folder"]).expanduser() if settings["folder"] is not None else downloads_folder()
        self._channel = FileChannel(port, folder, parse_size(settings["max_size"]), self._tell, self._changed)
        self._changed()
        return self._channel

    @property
    def channel(self) -> FileChannel | None:
        """The session's open ``files`` channel, or None."""
        channel = self._channel
        return channel if channel is not None and channel.is_open else None

    def _tell(self, text: str) -> None:
        if self.host is not None and self.host.config.console:
            print(text, flush=True)
        else:
            logger.info("%s", text)

    def _changed(self) -> None:
        host = self.host
        if host is not None and host.tray is not None:
            host.tray.refresh()

    # -- the host's user's commands ------------------------------------------------------------------------------------

    async def send_chosen(self, paths: list[Path]) -> None:
        self.send_paths(paths)

    def send_paths(self, paths: list[Path]) -> None:
        """Queue files to send to the device, saying why any cannot be."""
        channel = self.channel
        if channel is None:
            self._tell(_NOT_OPEN)
            return
        for path in paths:
            if not path.is_file():
                self._tell(f"Not sending {str(path)!r}: no such file (a folder cannot be sent).")
                continue
            channel.send_file(path)

    def _send_command(self, host: Host, rest: str) -> None:
        try:
            words = shlex.split(rest)
        except ValueError:
            words = [rest]
        if not words:
            self._tell("Usage: send PATH (quote a path with spaces, or several paths).")
            return
        self.send_paths([Path(word).expanduser() for word in words])

    async def _cancel(self) -> bool:
        return self.channel is not None and self.channel.cancel()

    async def _cancel_command(self, host: Host, rest: str) -> None:
        if not await self._cancel():
            self._tell("No file transfer in progress.")


_NOT_OPEN = (
    "Cannot send files: no device is connected with the permission to transfer files "
    "(approve with files allowed, or type allow files)."
)
