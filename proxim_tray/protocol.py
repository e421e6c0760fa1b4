"""Parsing and validating protocol messages (docs/protocol.md). Every failure is a ProtocolError with a code."""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass
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
class Bye:
    pass


SignalingMessage = Hello | Reveal | Bye


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


def parse_signaling(raw: str | bytes) -> SignalingMessage:
    kind, data = _load(raw, MAX_SIGNALING_BYTES, "type")
    if kind == "hello":
        version = data.get("v")
        if version != VERSION:
            raise ProtocolError("unsupported_version", f"protocol version {version!r} is not supported (use {VERSION})")
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
    if kind == "bye":
        return Bye()
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
