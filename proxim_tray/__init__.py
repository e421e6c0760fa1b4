"""Proxim: peer-to-peer remote desktop from a phone's browser.

The public API for plugin authors is what this module exports (and the test kit, ``proxim_tray.testing``); everything
else is private to the host and may change without notice. ``HOOK_API`` is the version of the hooks and of these
names (see the hook API changelog in docs/plugin_hooks.md).
"""

from proxim_tray.approval import (
    ACCESS_LEVELS,
    FULL_CONTROL,
    VIEW_ONLY,
    WITH_COMMANDS,
    Access,
    ApprovalRequest,
    Decision,
    DeviceInfo,
    PairingAttempt,
    access_of,
    with_access,
)
from proxim_tray.backends import CaptureSource, InputBackend, Rect, ScreenGeometry, bounding_box
from proxim_tray.channels import Channel, ChannelHandler, ChannelPort
from proxim_tray.commands import CLIPBOARD_GET, CLIPBOARD_SET, Command, CommandContext
from proxim_tray.config import HostConfig
from proxim_tray.console_commands import ConsoleCommand
from proxim_tray.errors import (
    BackendUnavailable,
    ConfigError,
    PluginLoadError,
    ProtocolError,
    ProximError,
)
from proxim_tray.gtk import missing as gtk_missing
from proxim_tray.hookspecs import hookimpl
from proxim_tray.host import Host, Sessions
from proxim_tray.keysym import char_keysym
from proxim_tray.pairing import Pairing
from proxim_tray.permissions import Grant, Permission, PermissionSpec
from proxim_tray.session import Session, SessionState
from proxim_tray.settings import Setting
from proxim_tray.subcommands import CliCommand
from proxim_tray.tray import MenuItem, Tray
from proxim_tray.webassets import WebAsset

__version__ = "0.1.0"
HOOK_API = "2.1"

__all__ = [
    "ACCESS_LEVELS",
    "CLIPBOARD_GET",
    "CLIPBOARD_SET",
    "FULL_CONTROL",
    "HOOK_API",
    "VIEW_ONLY",
    "WITH_COMMANDS",
    "Access",
    "ApprovalRequest",
    "BackendUnavailable",
    "CaptureSource",
    "Channel",
    "ChannelHandler",
    "ChannelPort",
    "CliCommand",
    "Command",
    "CommandContext",
    "ConfigError",
    "ConsoleCommand",
    "Decision",
    "DeviceInfo",
    "Grant",
    "Host",
    "HostConfig",
    "InputBackend",
    "MenuItem",
    "Pairing",
    "PairingAttempt",
    "Permission",
    "PermissionSpec",
    "PluginLoadError",
    "ProtocolError",
    "ProximError",
    "Rect",
    "ScreenGeometry",
    "Session",
    "SessionState",
    "Sessions",
    "Setting",
    "Tray",
    "WebAsset",
    "__version__",
    "access_of",
    "bounding_box",
    "char_keysym",
    "gtk_missing",
    "hookimpl",
    "with_access",
]
