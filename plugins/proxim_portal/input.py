"""Input through the RemoteDesktop portal, in the ScreenCast session the capture source started: the pointer moves
in the shared stream's coordinates; everything pressed is released when the session ends, whichever way it ends."""

from __future__ import annotations

import logging
import threading

from proxim_portal import availability, keys
from proxim_portal.session import NO_REMOTE_DESKTOP, PortalSession, current
from proxim_tray import InputBackend
from proxim_tray.errors import BackendUnavailable

logger = logging.getLogger(__name__)

# linux/input-event-codes.h
BUTTONS = {"left": 0x110, "right": 0x111, "middle": 0x112, "back": 0x113, "forward": 0x114}
VERTICAL, HORIZONTAL = 0, 1
PRESSED, RELEASED = 1, 0
VIEW_ONLY = (
    "view only: remote interaction was not allowed in the desktop's sharing dialog "
    "(turn on 'Allow remote interaction' there at the next session)"
)


class PortalInputBackend(InputBackend):
    name = "portal"

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._keys: dict[str, tuple[str, int]] = {}  # what each held key (by code) pressed: keycode or keysym
        self._buttons: set[int] = set()
        self._released_on: PortalSession | None = None

    def unavailable_reason(self) -> str | None:
        session = current()
        if session is not None:
            return None if session.input_allowed else (session.input_refusal or VIEW_ONLY)
        try:
            offer = availability.probe()
        except BackendUnavailable as exc:
            return str(exc)
        if not offer.remote_desktop:
            return NO_REMOTE_DESKTOP
        return None

    def describe(self) -> str:
        return availability.probe().describe() + "; the desktop asks at every session"

    def _session(self) -> PortalSession:
        session = current()
        if session is None or session.closed.is_set():
            raise BackendUnavailable("no screen is being shared through the portal")
        if not session.input_allowed:
            raise BackendUnavailable(session.input_refusal or VIEW_ONLY)
        if self._released_on is not session:
            self._released_on = session
            session.before_close.append(self.release_all)
        return session

    def move(self, x: int, y: int) -> None:
        session = self._session()
        assert session.stream is not None
        session.notify("NotifyPointerMotionAbsolute", "(oa{sv}udd)", session.stream.node, float(x), float(y))

    # Presses, releases and release_all hold the lock while they call the portal: a release taken off the books is
    # sent before the session can close, and one that has not been is sent by release_all.

    def button(self, button: str, down: bool) -> None:
        number = BUTTONS[button]
        with self._lock:
            session = self._session()
            (self._buttons.add if down else self._buttons.discard)(number)
            session.notify("NotifyPointerButton", "(oa{sv}iu)", number, PRESSED if down else RELEASED)

    def scroll(self, dx: int, dy: int) -> None:
        session = self._session()
        for axis, steps in ((VERTICAL, dy), (HORIZONTAL, dx)):
            if steps:
                session.notify("NotifyPointerAxisDiscrete", "(oa{sv}ui)", axis, steps)

    def key(self, key: str, code: str, down: bool) -> None:
        """A key-up releases what its key-down pressed, whatever the client reports now."""
        if key in keys.IGNORED_KEYS:
            return
        with self._lock:
            self._key(self._session(), key, code, down)

    def _key(self, session: PortalSession, key: str, code: str, down: bool) -> None:
        held_as = code or key
        if not down:
            pressed = self._keys.pop(held_as, None)
            if pressed is not None:
                self._send_key(session, *pressed, down=False)
            return
        evdev = keys.evdev_code(key, code)
        if evdev is not None:
            pressed = ("code", evdev)
        elif len(key) == 1 and not keys.in_every_layout(key):
            self._unicode_entry(session, key)  # typed whole; its key-up has nothing to release
            return
        elif len(key) == 1:
            pressed = ("sym", keys.char_keysym(key))
        else:
            logger.info("no keycode for key %r (code %r); ignored", key, code)
            return
        if held_as in self._keys:
            return  # the desktop repeats a held key by itself
        self._keys[held_as] = pressed
        self._send_key(session, *pressed, down=True)

    def type_text(self, text: str) -> None:
        session = self._session()
        for char in text:
            if char == "\n":
                self._tap(session, "code", keys.ENTER)
            elif keys.in_every_layout(char):
                self._tap(session, "sym", keys.char_keysym(char))
            else:
                self._unicode_entry(session, char)

    def _tap(self, session: PortalSession, kind: str, value: int) -> None:
        self._send_key(session, kind, value, down=True)
        self._send_key(session, kind, value, down=False)

    def _unicode_entry(self, session: PortalSession, char: str) -> None:
        """Type a character the layout may lack as Ctrl+Shift+U, its code point in hex, Space: GNOME's input methods
        (GTK, IBus) read that as the character. The portal itself drops keysyms the layout has no key for."""
        for code in (keys.CONTROL, keys.SHIFT):
            self._send_key(session, "code", code, down=True)
        self._tap(session, "code", keys.KEY_U)
        for code in (keys.SHIFT, keys.CONTROL):
            self._send_key(session, "code", code, down=False)
        for digit in f"{ord(char):x}":
            self._tap(session, "sym", keys.char_keysym(digit))
        self._tap(session, "code", keys.SPACE)

    @staticmethod
    def _send_key(session: PortalSession, kind: str, value: int, down: bool) -> None:
        method = "NotifyKeyboardKeycode" if kind == "code" else "NotifyKeyboardKeysym"
        session.notify(method, "(oa{sv}iu)", value, PRESSED if down else RELEASED)

    def release_all(self) -> None:
        """Release every key and button still held (the session is ending, or the backend closes)."""
        with self._lock:
            held, self._keys = list(self._keys.values()), {}
            buttons, self._buttons = list(self._buttons), set()
            session = self._released_on
            if session is None or session.closed.is_set() or not session.input_allowed:
                return
            for kind, value in held:
                self._send_key(session, kind, value, down=False)
            for number in buttons:
                session.notify("NotifyPointerButton", "(oa{sv}iu)", number, RELEASED)

    def close(self) -> None:
        self.release_all()
