"""One portal session: the screen (ScreenCast) and, when input is wanted, the keyboard and pointer (RemoteDesktop)
in one combined session, so pointer coordinates are those of the shared stream.

Starting it shows the desktop's sharing dialog. A ScreenCast-only session is persisted with a restore token kept in
the user's state folder, so the next one needs no dialog; RemoteDesktop sessions cannot persist on GNOME, so with input
the dialog shows at every session.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from proxim_portal.dbus import REMOTE_DESKTOP, SCREENCAST, Portal, token
from proxim_portal.keys import SHIFT
from proxim_tray.errors import BackendUnavailable

logger = logging.getLogger(__name__)

# the person at the desktop decides in the dialog: give them time, but not forever
DIALOG_TIMEOUT = 60.0
SETUP_TIMEOUT = 10.0
KEYBOARD, POINTER = 1, 2
MONITOR, WINDOW = 1, 2
CURSOR_EMBEDDED, CURSOR_METADATA = 2, 4
PERSIST_UNTIL_REVOKED = 2
NO_REMOTE_DESKTOP = (
    "view only: this desktop's portal shares the screen but offers no remote input (no RemoteDesktop backend, as "
    "with xdg-desktop-portal-wlr)"
)


def restore_token_path() -> Path:
    return Path(platformdirs.user_state_dir("proxim", appauthor=False)) / "screencast-restore-token"


@dataclass(frozen=True)
class Stream:
    node: int
    width: int
    height: int


class PortalSession:
    """Started with :meth:`start` (blocks while the dialog is up), ended with :meth:`close`."""

    def __init__(self, portal: Portal, with_input: bool, on_closed: Callable[[], None] | None = None) -> None:
        self.portal = portal
        self.with_input = with_input
        self._on_closed_by_desktop = on_closed
        self.handle = ""
        self.devices = 0
        self.input_refusal: str | None = None  # why input is impossible in this session, beyond the dialog
        self.stream: Stream | None = None
        self.closed = threading.Event()
        self.before_close: list[Callable[[], None]] = []
        self._closed_subscription: int | None = None

    @property
    def input_allowed(self) -> bool:
        return bool(self.devices & POINTER) and bool(self.devices & KEYBOARD)

    def start(self) -> None:
        portal = self.portal
        if self.with_input:
            try:
                self.handle = self._create(REMOTE_DESKTOP)
            except BackendUnavailable as exc:
                # xdg-desktop-portal may list RemoteDesktop with no backend behind it (xdg-desktop-portal-wlr)
                logger.warning("no remote input through this desktop's portal (%s); sharing the screen only", exc)
                self.input_refusal = NO_REMOTE_DESKTOP
                self.with_input = False
        creator = REMOTE_DESKTOP if self.with_input else SCREENCAST
        if not self.handle:
            self.handle = self._create(SCREENCAST)
        self._closed_subscription = portal.on_session_closed(self.handle, self._on_closed)
        if self.with_input:
            devices = {"types": portal.variant("u", KEYBOARD | POINTER)}
            portal.request(REMOTE_DESKTOP, "SelectDevices", "(oa{sv})", (self.handle, devices), SETUP_TIMEOUT)
        portal.request(SCREENCAST, "SelectSources", "(oa{sv})", (self.handle, self._source_options()), SETUP_TIMEOUT)
        started = portal.request(creator, "Start", "(osa{sv})", (self.handle, "", {}), DIALOG_TIMEOUT)
        streams = started.get("streams") or []
        if not streams:
            raise BackendUnavailable("the desktop shared no screen or window; start the session again and pick one")
        node, properties = streams[0]
        width, height = properties.get("size", (0, 0))
        self.stream = Stream(node, width, height)
        self.devices = int(started.get("devices", 0))
        if self.input_allowed:
            # a headless seat drops the first key it is sent: spend it on a Shift tap
            self.notify("NotifyKeyboardKeycode", "(oa{sv}iu)", SHIFT, 1)
            self.notify("NotifyKeyboardKeycode", "(oa{sv}iu)", SHIFT, 0)
        if "restore_token" in started:
            path = restore_token_path()
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(started["restore_token"])
        logger.info(
            "portal session: stream %d (%dx%d), input %s",
            node, width, height, "allowed" if self.input_allowed else "not allowed",
        )  # fmt: skip

    def _create(self, interface: str) -> str:
        options = {"session_handle_token": self.portal.variant("s", token())}
        created = self.portal.request(interface, "CreateSession", "(a{sv})", (options,), SETUP_TIMEOUT)
        return str(created["session_handle"])

    def _source_options(self) -> dict[str, object]:
        portal = self.portal
        available = portal.property(SCREENCAST, "AvailableCursorModes")
        options: dict[str, object] = {
            "types": portal.variant("u", MONITOR | (portal.property(SCREENCAST, "AvailableSourceTypes") & WINDOW)),
            "multiple": portal.variant("b", False),
            "cursor_mode": portal.variant("u", CURSOR_EMBEDDED if available & CURSOR_EMBEDDED else 1),
        }
        if not self.with_input and portal.property(SCREENCAST, "version") >= 4:
            options["persist_mode"] = portal.variant("u", PERSIST_UNTIL_REVOKED)
            path = restore_token_path()
            if path.exists():
                options["restore_token"] = portal.variant("s", path.read_text().strip())
        return options

    def notify(self, method: str, signature: str, *args: object) -> None:
        """One RemoteDesktop input call on this session."""
        self.portal.call(REMOTE_DESKTOP, method, signature, (self.handle, {}, *args))

    def open_pipewire_remote(self) -> int:
        _, fds = self.portal.call(SCREENCAST, "OpenPipeWireRemote", "(oa{sv})", (self.handle, {}))
        if not fds:
            raise BackendUnavailable("the desktop portal gave no PipeWire connection for the screen")
        return fds[0]

    def _on_closed(self) -> None:
        logger.warning("the desktop ended screen sharing (its sharing indicator was used)")
        self.closed.set()
        if self._on_closed_by_desktop is not None:
            self._on_closed_by_desktop()

    def close(self) -> None:
        for release in self.before_close:
            release()
        if self.handle and not self.closed.is_set():
            self.portal.close_session(self.handle, self._closed_subscription)
        self.closed.set()


_current: PortalSession | None = None
_current_lock = threading.Lock()


def current() -> PortalSession | None:
    """The portal session of the live Proxim session (the capture source owns it; the input backend uses it)."""
    with _current_lock:
        return _current


def make_current(session: PortalSession | None) -> None:
    global _current
    with _current_lock:
        _current = session
