"""Property-based tests of message parsing: any input either parses into a valid message or is a ProtocolError."""

from __future__ import annotations

import json
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
        message.get("v") == protocol.VERSION
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
