"""Property-based tests of message parsing: any input either parses into a valid message or is a ProtocolError."""

from __future__ import annotations

import json
import math
import unicodedata
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from proxim_tray import protocol
from proxim_tray.errors import ProtocolError

ERROR_CODES = {"bad_message", "too_large", "unsupported_version"}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
short_text = st.text(min_size=1, max_size=64)


@st.composite
def hello_like(draw: st.DrawFn) -> dict[str, Any]:
    """Hellos that are valid, or broken in one field (type, value or presence)."""
    message: dict[str, Any] = {
        "type": "hello",
        "v": protocol.VERSION,
        "session": draw(short_text),
        "secret": draw(short_text),
        "device": {"name": draw(short_text)},
        "offer": draw(st.text(min_size=1, max_size=200)),
        "commitment": draw(st.sampled_from(["A" * 43, "_-" * 21 + "z", "A" * 42, "A" * 44, "A" * 42 + "="])),
    }
    if draw(st.booleans()):
        field = draw(st.sampled_from(sorted(message)))
        if draw(st.booleans()):
            del message[field]
        else:
            message[field] = draw(json_values)
    return message


@given(st.binary(max_size=300) | st.text(max_size=300))
def test_arbitrary_bytes_never_crash_the_parsers(raw: bytes | str) -> None:
    for parse in (protocol.parse_signaling, protocol.parse_control):
        try:
            parse(raw)
        except ProtocolError as exc:
            assert exc.code in ERROR_CODES | {"bad_message"}
            assert exc.message


@given(hello_like())
@settings(max_examples=300)
def test_a_hello_parses_exactly_when_every_field_is_valid(message: dict[str, Any]) -> None:
    device = message.get("device")
    commitment = message.get("commitment")
    valid = (
        type(message.get("v")) is int
        and message["v"] == protocol.VERSION
        and isinstance(commitment, str)
        and len(commitment) == 43
        and "=" not in commitment
        and all(isinstance(message.get(k), str) and 0 < len(message[k]) <= 64 for k in ("session", "secret"))
        and isinstance(message.get("offer"), str)
        and 0 < len(message["offer"]) <= protocol.MAX_SIGNALING_BYTES
        and isinstance(device, dict)
        and isinstance(device.get("name"), str)
        and 0 < len(device["name"]) <= protocol.MAX_DEVICE_NAME
        and message.get("type") == "hello"
    )
    try:
        parsed = protocol.parse_signaling(json.dumps(message))
    except ProtocolError as exc:
        assert not valid, f"a valid hello was refused: {exc.message}"
        return
    assert valid
    assert isinstance(parsed, protocol.Hello)
    assert (parsed.session, parsed.secret, parsed.offer) == (message["session"], message["secret"], message["offer"])
    assert parsed.device_name == protocol.printable_name(message["device"]["name"])


@given(st.integers(min_value=1, max_value=20_000), st.sampled_from(["[", '{"a":', '{"t": [']))
@settings(max_examples=30)
def test_deeply_nested_json_is_a_bad_message(depth: int, opening: str) -> None:
    for parse, limit in ((protocol.parse_signaling, protocol.MAX_SIGNALING_BYTES), (protocol.parse_control, 4000)):
        raw = (opening * depth)[:limit]
        try:
            parse(raw)
        except ProtocolError as exc:
            assert exc.code in ("bad_message", "too_large")
        else:
            raise AssertionError("nested JSON parsed as a message")


@given(st.text(max_size=80))
def test_a_printable_name_has_no_controls_and_one_line(name: str) -> None:
    shown = protocol.printable_name(name)
    assert shown and shown == shown.strip() and protocol.printable_name(shown) == shown
    for char in shown:
        assert unicodedata.category(char) not in ("Cc", "Zl", "Zp"), repr(char)
        assert unicodedata.bidirectional(char) not in ("LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI")
        assert char not in "\u200e\u200f\u061c"


@given(st.sampled_from([float(protocol.VERSION), str(protocol.VERSION), [protocol.VERSION]]))
def test_the_version_is_an_integer_not_something_equal_to_it(version: Any) -> None:
    hello = {"type": "hello", "v": version, "session": "s", "secret": "k", "device": {"name": "n"}, "offer": "o"}
    try:
        protocol.parse_signaling(json.dumps(hello))
    except ProtocolError as exc:
        assert exc.code == "unsupported_version"
    else:
        raise AssertionError(f"version {version!r} was taken for {protocol.VERSION}")


@given(st.integers(min_value=protocol.MAX_SIGNALING_BYTES - 64, max_value=protocol.MAX_SIGNALING_BYTES * 2))
@settings(max_examples=25)
def test_the_size_limit_is_exact(size: int) -> None:
    raw = json.dumps({"type": "bye", "pad": ""})
    raw = raw[:-2] + "x" * (size - len(raw)) + '"}'
    assert len(raw) == size
    if size > protocol.MAX_SIGNALING_BYTES:
        try:
            protocol.parse_signaling(raw)
        except ProtocolError as exc:
            assert exc.code == "too_large"
        else:
            raise AssertionError("an oversized message was accepted")
    else:
        assert isinstance(protocol.parse_signaling(raw), protocol.Bye)


@given(st.floats(allow_nan=True, allow_infinity=True), st.floats(allow_nan=True, allow_infinity=True))
def test_pointer_coordinates_outside_the_screen_are_refused(x: float, y: float) -> None:
    raw = json.dumps({"t": "move", "x": x, "y": y})
    inside = all(value == value and 0 <= value <= 1 for value in (x, y))
    try:
        move = protocol.parse_control(raw)
    except ProtocolError as exc:
        assert not inside and exc.code == "bad_message"
    else:
        assert inside and move == protocol.PointerMove(x, y)


# -- control messages: structure-aware ---------------------------------------------------------------------------------

unit = st.floats(min_value=0, max_value=1)
KEY_TEXT = st.text(min_size=1, max_size=protocol.MAX_KEY_FIELD)
# each control type, its fields and a strategy for a valid value of each (docs/protocol.md)
CONTROL_SHAPES: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "move": {"x": unit, "y": unit},
    "rmove": {
        "dx": st.floats(-protocol.MAX_RELATIVE_MOVE, protocol.MAX_RELATIVE_MOVE),
        "dy": st.floats(-protocol.MAX_RELATIVE_MOVE, protocol.MAX_RELATIVE_MOVE),
    },
    "down": {"b": st.sampled_from(protocol.BUTTONS), "x": unit, "y": unit},
    "up": {"b": st.sampled_from(protocol.BUTTONS)},
    "wheel": {"dx": st.floats(-protocol.MAX_WHEEL, protocol.MAX_WHEEL), "dy": st.integers(-100, 100)},
    "kd": {
        "key": KEY_TEXT,
        "code": st.text(max_size=protocol.MAX_KEY_FIELD),
        "mods": st.lists(st.sampled_from(protocol.MODIFIERS), unique=True),
    },
    "ku": {"key": KEY_TEXT, "code": st.text(max_size=protocol.MAX_KEY_FIELD)},
    "text": {"text": st.text(min_size=1, max_size=protocol.MAX_TEXT)},
    "cmd": {"name": st.text(min_size=1, max_size=protocol.MAX_COMMAND_NAME)},
    "clip_set": {"text": st.text(min_size=1, max_size=2000)},
    "release": {},
    "hb": {},
    "clip_get": {},
}
OPTIONAL_FIELDS = {("down", "x"), ("down", "y"), ("kd", "mods")}
hostile_values: st.SearchStrategy[Any] = (
    json_values
    | st.floats(allow_nan=False, allow_infinity=True)
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.text(alphabet=st.characters(codec="utf-8"), min_size=0, max_size=5000)
    | st.sampled_from(["", "\x00", "\u202e", "\x1b[2J", "Shift", "left", True, False, None, [], {}])
)


def _is_number_in(value: Any, low: float, high: float) -> bool:
    return (
        isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and low <= value <= high
    )


def _is_text(value: Any, low: int, high: int) -> bool:
    return isinstance(value, str) and low <= len(value) <= high


def control_is_valid(message: dict[str, Any], raw: str) -> bool:
    """docs/protocol.md's rules for a control message, written again independently of the parser."""
    kind = message.get("t")
    limit = protocol.MAX_CONTROL_BYTES if kind == "clip_set" else protocol.MAX_INPUT_BYTES
    if not isinstance(kind, str) or kind not in CONTROL_SHAPES or len(raw) > limit:
        return False
    relative, wheel = protocol.MAX_RELATIVE_MOVE, protocol.MAX_WHEEL
    get = message.get
    match kind:
        case "move":
            return _is_number_in(get("x"), 0, 1) and _is_number_in(get("y"), 0, 1)
        case "rmove":
            return _is_number_in(get("dx"), -relative, relative) and _is_number_in(get("dy"), -relative, relative)
        case "down" | "up":
            point = ("x" not in message and "y" not in message) or (
                _is_number_in(get("x"), 0, 1) and _is_number_in(get("y"), 0, 1)
            )
            return get("b") in protocol.BUTTONS and point
        case "wheel":
            return _is_number_in(get("dx"), -wheel, wheel) and _is_number_in(get("dy"), -wheel, wheel)
        case "kd" | "ku":
            mods = get("mods", [])
            return (
                _is_text(get("key"), 1, protocol.MAX_KEY_FIELD)
                and _is_text(get("code"), 0, protocol.MAX_KEY_FIELD)
                and isinstance(mods, list)
                and all(isinstance(mod, str) and mod in protocol.MODIFIERS for mod in mods)
            )
        case "text":
            return _is_text(get("text"), 1, protocol.MAX_TEXT)
        case "cmd":
            return _is_text(get("name"), 1, protocol.MAX_COMMAND_NAME)
        case "clip_set":
            return _is_text(get("text"), 1, protocol.MAX_CONTROL_BYTES)
    return True  # release, hb, clip_get: no fields


@st.composite
def control_like(draw: st.DrawFn) -> dict[str, Any]:
    """Control messages that are valid, or broken in one field (type, value, presence), or of an unknown type."""
    kind = draw(st.sampled_from(sorted(CONTROL_SHAPES)) | st.text(max_size=8))
    shape = CONTROL_SHAPES.get(kind, {})
    message: dict[str, Any] = {"t": kind}
    for name, valid in shape.items():
        if (kind, name) not in OPTIONAL_FIELDS or draw(st.booleans()):
            message[name] = draw(valid)
    if draw(st.booleans()):
        name = draw(st.sampled_from(sorted(message)))
        if draw(st.booleans()):
            del message[name]
        else:
            message[name] = draw(hostile_values)
    return message


@given(control_like())
@settings(max_examples=1500)
def test_a_control_message_parses_exactly_when_it_is_valid(message: dict[str, Any]) -> None:
    raw = json.dumps(message)
    valid = control_is_valid(message, raw)
    try:
        parsed = protocol.parse_control(raw)
    except ProtocolError as exc:
        assert not valid, f"a valid control message was refused: {exc.message}"
        assert exc.code in ("bad_message", "too_large")
        return
    assert valid, f"an invalid control message was accepted as {parsed}"
