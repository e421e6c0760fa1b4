"""Parsing and validating protocol messages (docs/protocol.md). Every failure is a ProtocolError with a code."""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from proxim_tray.errors import ProtocolError

VERSION = 2
MAX_SIGNALING_BYTES = 64 * 1024
MAX_CONTROL_BYTES = 64 * 1024  # clipboard text; every other control message is at most MAX_INPUT_BYTES
MAX_INPUT_BYTES = 4 * 1024
MAX_DEVICE_NAME = 64
UNNAMED_DEVICE = "unnamed device"
# bidirectional formatting characters: they reorder what a terminal or a label shows after them
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_LINE_BREAKING = ("Cc", "Zl", "Zp")  # C0, DEL and C1 controls; line and paragraph separators
# base64url of 32 bytes (a SHA-256 commitment) and of 16 bytes (a nonce)
_COMMITMENT = re.compile(r"[A-Za-z0-9_-]{43}")
_NONCE = re.compile(r"[A-Za-z0-9_-]{22}")
MAX_TEXT = 1000
MAX_KEY_FIELD = 32
MAX_COMMAND_NAME = 64
MAX_RELATIVE_MOVE = 2000
MAX_WHEEL = 10_000
MAX_PING_ID = 2**31 - 1
MAX_ICE_SERVERS = 8
MAX_ICE_FIELD = 256
# what both aiortc and browsers accept: a host name or IPv4 address (aiortc cannot parse an IPv6 literal), a port, and
# for TURN the transport (TURN over TLS runs over TCP only)
ICE_URL = re.compile(r"(stun|turns?):[A-Za-z0-9.-]+(?::(\d{1,5}))?(?:\?transport=(udp|tcp))?")
BUTTONS = ("left", "middle", "right", "back", "forward")
MODIFIERS = ("Shift", "Control", "Alt", "AltGraph", "Meta")


@dataclass(frozen=True)
class Hello:
    session: str
    secret: str
    device_name: str
    offer: str
    commitment: str


@dataclass(frozen=True)
class Reveal:
    nonce: str


@dataclass(frozen=True)
class Resume:
    session: str
    token: str
    offer: str


@dataclass(frozen=True)
class IceRequest:
    """The client asks for the ICE servers before it gathers; only the link's holder may have TURN credentials."""

    session: str
    secret: str


@dataclass(frozen=True)
class Bye:
    reason: str | None = None  # ``no_network_path``: the client's ICE failed before the session connected


BYE_REASONS = ("no_network_path",)

SignalingMessage = Hello | Resume | Reveal | IceRequest | Bye


def is_ice_url(url: str) -> bool:
    match = ICE_URL.fullmatch(url)
    if match is None:
        return False
    scheme, port, transport = match.groups()
    transports = {"stun": (None,), "turn": (None, "udp", "tcp"), "turns": (None, "tcp")}[scheme]
    return transport in transports and 0 < int(port or 1) < 65536


@dataclass(frozen=True)
class IceServer:
    """One entry of the ``ice_servers`` message, shaped as a browser's ``RTCIceServer``."""

    urls: tuple[str, ...]
    username: str | None = None
    credential: str | None = field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"urls": list(self.urls)}
        if self.username is not None and self.credential is not None:
            entry["username"] = self.username
            entry["credential"] = self.credential
        return entry

    @classmethod
    def from_json(cls, data: Any) -> IceServer:
        if not isinstance(data, dict):
            raise ProtocolError("bad_message", "an ICE server must be an object")
        urls = data.get("urls")
        if not isinstance(urls, list) or not urls or len(urls) > MAX_ICE_SERVERS:
            raise ProtocolError("bad_message", f"'urls' must be a list of 1 to {MAX_ICE_SERVERS} URLs")
        for url in urls:
            if not isinstance(url, str) or len(url) > MAX_ICE_FIELD or not is_ice_url(url):
                raise ProtocolError("bad_message", f"{url!r} is not a stun:, turn: or turns: URL")
        has_credentials = "username" in data or "credential" in data
        username = _str(data, "username", MAX_ICE_FIELD) if has_credentials else None
        credential = _str(data, "credential", MAX_ICE_FIELD) if has_credentials else None
        return cls(tuple(urls), username, credential)


def ice_servers_message(servers: list[IceServer]) -> dict[str, Any]:
    """The host's answer to an ``ice`` request."""
    return {"type": "ice_servers", "servers": [server.to_json() for server in servers]}


def parse_ice_servers(message: dict[str, Any]) -> list[IceServer]:
    """The servers of an ``ice_servers`` message (what a client checks before using them)."""
    servers = message.get("servers")
    if not isinstance(servers, list) or len(servers) > MAX_ICE_SERVERS:
        raise ProtocolError("bad_message", f"'servers' must be a list of at most {MAX_ICE_SERVERS} ICE servers")
    return [IceServer.from_json(server) for server in servers]


@dataclass(frozen=True)
class PointerMove:
    x: float
    y: float


@dataclass(frozen=True)
class PointerRelative:
    dx: float
    dy: float


@dataclass(frozen=True)
class PointerButton:
    button: str
    down: bool
    x: float | None
    y: float | None


@dataclass(frozen=True)
class Wheel:
    dx: float
    dy: float


@dataclass(frozen=True)
class Key:
    key: str
    code: str
    down: bool
    mods: frozenset[str] | None = None  # None when the client did not say


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class ReleaseAll:
    pass


@dataclass(frozen=True)
class Heartbeat:
    pass


@dataclass(frozen=True)
class Ping:
    id: int


@dataclass(frozen=True)
class RunCommand:
    name: str


@dataclass(frozen=True)
class ClipboardGet:
    pass


@dataclass(frozen=True)
class ClipboardSet:
    text: str


ControlMessage = (
    PointerMove
    | PointerRelative
    | PointerButton
    | Wheel
    | Key
    | Text
    | ReleaseAll
    | Heartbeat
    | Ping
    | RunCommand
    | ClipboardGet
    | ClipboardSet
)


def _load(raw: str | bytes, limit: int, type_field: str) -> tuple[str, dict[str, Any]]:
    if len(raw) > limit:
        raise ProtocolError("too_large", f"message of {len(raw)} bytes is over the {limit}-byte limit")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProtocolError("bad_message", f"not valid JSON: {exc}") from None
    except RecursionError:
        raise ProtocolError("bad_message", "JSON nested too deeply") from None
    if not isinstance(data, dict):
        raise ProtocolError("bad_message", "a message must be a JSON object")
    kind = data.get(type_field)
    if not isinstance(kind, str):
        raise ProtocolError("bad_message", f"missing {type_field!r} field")
    return kind, data


def _str(data: dict[str, Any], name: str, max_len: int, allow_empty: bool = False) -> str:
    value = data.get(name)
    if not isinstance(value, str) or (not value and not allow_empty):
        raise ProtocolError("bad_message", f"{name!r} must be a non-empty string")
    if len(value) > max_len:
        raise ProtocolError("bad_message", f"{name!r} is longer than {max_len} characters")
    return value


def _number(data: dict[str, Any], name: str, low: float, high: float) -> float:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ProtocolError("bad_message", f"{name!r} must be a number")
    if not low <= value <= high:
        raise ProtocolError("bad_message", f"{name!r} must be between {low} and {high}")
    return float(value)


def _matching(data: dict[str, Any], name: str, pattern: re.Pattern[str]) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ProtocolError("bad_message", f"{name!r} must be base64url of the protocol's length")
    return value


def printable_name(text: str) -> str:
    """``text`` without control or bidirectional formatting characters, on one line: a device name as people see it
    (terminals, logs, menus), which cannot clear a screen, set a clipboard, reorder text or forge a line."""
    kept = "".join(" " if unicodedata.category(c) in _LINE_BREAKING else c for c in text if c not in _BIDI_CONTROLS)
    return " ".join(kept.split()) or UNNAMED_DEVICE


def _check_version(data: dict[str, Any]) -> None:
    version = data.get("v")
    if type(version) is not int or version != VERSION:  # true and 1.0 equal 1 in Python, not in the protocol
        raise ProtocolError("unsupported_version", f"protocol version {version!r} is not supported (use {VERSION})")


def parse_signaling(raw: str | bytes) -> SignalingMessage:
    kind, data = _load(raw, MAX_SIGNALING_BYTES, "type")
    if kind == "resume":
        _check_version(data)
        return Resume(
            session=_str(data, "session", 64),
            token=_str(data, "token", 64),
            offer=_str(data, "offer", MAX_SIGNALING_BYTES),
        )
    if kind == "hello":
        _check_version(data)
        device = data.get("device")
        if not isinstance(device, dict):
            raise ProtocolError("bad_message", "'device' must be an object")
        return Hello(
            session=_str(data, "session", 64),
            secret=_str(data, "secret", 64),
            device_name=printable_name(_str(device, "name", MAX_DEVICE_NAME)),
            offer=_str(data, "offer", MAX_SIGNALING_BYTES),
            commitment=_matching(data, "commitment", _COMMITMENT),
        )
    if kind == "reveal":
        return Reveal(_matching(data, "nonce", _NONCE))
    if kind == "ice":
        _check_version(data)
        return IceRequest(session=_str(data, "session", 64), secret=_str(data, "secret", 64))
    if kind == "bye":
        reason = data.get("reason")
        if reason is not None and reason not in BYE_REASONS:
            raise ProtocolError("bad_message", f"'reason' must be one of {', '.join(BYE_REASONS)}")
        return Bye(reason)
    raise ProtocolError("bad_message", f"unknown message type {kind!r}")


def parse_control(raw: str | bytes) -> ControlMessage:
    kind, data = _load(raw, MAX_CONTROL_BYTES, "t")
    if kind == "clip_set":
        return ClipboardSet(_str(data, "text", MAX_CONTROL_BYTES))
    if len(raw) > MAX_INPUT_BYTES:
        raise ProtocolError("too_large", f"a {kind!r} message is limited to {MAX_INPUT_BYTES} bytes")
    if kind == "move":
        return PointerMove(_number(data, "x", 0, 1), _number(data, "y", 0, 1))
    if kind == "rmove":
        limit = MAX_RELATIVE_MOVE
        return PointerRelative(_number(data, "dx", -limit, limit), _number(data, "dy", -limit, limit))
    if kind in ("down", "up"):
        button = data.get("b")
        if button not in BUTTONS:
            raise ProtocolError("bad_message", f"'b' must be one of {', '.join(BUTTONS)}")
        has_point = "x" in data or "y" in data
        x = _number(data, "x", 0, 1) if has_point else None
        y = _number(data, "y", 0, 1) if has_point else None
        return PointerButton(button, kind == "down", x, y)
    if kind == "wheel":
        return Wheel(_number(data, "dx", -MAX_WHEEL, MAX_WHEEL), _number(data, "dy", -MAX_WHEEL, MAX_WHEEL))
    if kind in ("kd", "ku"):
        return Key(
            _str(data, "key", MAX_KEY_FIELD),
            _str(data, "code", MAX_KEY_FIELD, allow_empty=True),
            kind == "kd",
            _modifiers(data),
        )
    if kind == "text":
        return Text(_str(data, "text", MAX_TEXT))
    if kind == "release":
        return ReleaseAll()
    if kind == "hb":
        return Heartbeat()
    if kind == "ping":
        number = _number(data, "id", 0, MAX_PING_ID)
        if not number.is_integer():
            raise ProtocolError("bad_message", "'id' must be a whole number")
        return Ping(int(number))
    if kind == "cmd":
        return RunCommand(_str(data, "name", MAX_COMMAND_NAME))
    if kind == "clip_get":
        return ClipboardGet()
    raise ProtocolError("bad_message", f"unknown control message {kind!r}")


def _modifiers(data: dict[str, Any]) -> frozenset[str] | None:
    if "mods" not in data:
        return None
    mods = data["mods"]
    if not isinstance(mods, list) or not all(isinstance(mod, str) and mod in MODIFIERS for mod in mods):
        raise ProtocolError("bad_message", f"'mods' must be a list of {', '.join(MODIFIERS)}")
    return frozenset(mods)
