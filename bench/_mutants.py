"""Broken protocol messages, made from valid ones: each mutant is invalid by construction (a wrong value for its field,
a required field missing, an unknown type, broken JSON, too deep, too large), so a host that acts on one is wrong.

Seeded: the same seed gives the same messages, so a failure can be replayed.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from proxim_tray.protocol import MAX_CONTROL_BYTES, MAX_SIGNALING_BYTES, VERSION

# one valid message of each control type (docs/protocol.md)
VALID_CONTROL: list[dict[str, Any]] = [
    {"t": "move", "x": 0.25, "y": 0.75},
    {"t": "rmove", "dx": 40, "dy": -30},
    {"t": "down", "b": "left", "x": 0.5, "y": 0.5},
    {"t": "up", "b": "left"},
    {"t": "wheel", "dx": 0, "dy": 120},
    {"t": "kd", "key": "q", "code": "KeyQ", "mods": []},
    {"t": "ku", "key": "q", "code": "KeyQ"},
    {"t": "text", "text": "fuzz"},
    {"t": "cmd", "name": "volume_up"},
    {"t": "clip_get"},
    {"t": "clip_set", "text": "fuzz"},
    {"t": "release"},
    {"t": "hb"},
]
VALID_HELLO: dict[str, Any] = {
    "type": "hello",
    "v": VERSION,
    "session": "AAAAAAAAAAAAAAAAAAAAAA",
    "secret": "AAAAAAAAAAAAAAAAAAAAAA",
    "device": {"name": "Fuzzer"},
    "offer": "v=0\r\n",
    "commitment": "A" * 43,
}
OPTIONAL = {"mods"} | {"x", "y"}  # "x" and "y" are optional on down and up only: never deleted
NOT_A_NUMBER: list[object] = ["0.5", None, True, [], {}, float("nan"), float("inf"), -float("inf"), 2**70, 1e12]
NOT_A_SHORT_STRING: list[object] = ["", None, 7, ["a"], {}, "k" * 65]
# values invalid for the field whatever the message type, per field name
WRONG: dict[str, list[Any]] = {
    "x": [*NOT_A_NUMBER, -0.001, 1.001],
    "y": [*NOT_A_NUMBER, -0.001, 1.001],
    "dx": NOT_A_NUMBER,
    "dy": NOT_A_NUMBER,
    "b": ["LEFT", "", 1, None, ["left"], "left\x00"],
    "key": NOT_A_SHORT_STRING,
    "code": [None, 7, ["KeyQ"], {}, "c" * 33],
    "mods": ["Shift", ["shift"], [1], [None], {"Shift": True}, ["Shift", "Hyper"]],
    "text": ["", None, 7, ["t"], "t" * 70_000],
    "name": NOT_A_SHORT_STRING,
    "commitment": ["", None, 7, ["A" * 43], "A" * 42, "A" * 44, "=" * 43],
    "t": [None, 1, "", "MOVE", "move ", "kd\x00", ["move"], {"t": "move"}, "nope"],
    "type": [None, 1, "", "HELLO", "hello ", ["hello"], "nope"],
    "v": [VERSION + 1, str(VERSION), None, 0, VERSION + 0.5, True, float(VERSION)],
    "session": NOT_A_SHORT_STRING,
    "secret": NOT_A_SHORT_STRING,
    "device": [None, "phone", [], {}, {"name": ""}, {"name": "n" * 65}, {"name": 1}],
    "offer": ["", None, 1, ["v=0"]],
}


@dataclass(frozen=True)
class Mutant:
    kind: str
    raw: str | bytes


class Mutator:
    """Mutants of one channel's valid messages."""

    KINDS = ("wrong_value", "missing_field", "truncated", "not_an_object", "deep_nesting", "too_large", "bytes")

    def __init__(self, seed: int, valid: list[dict[str, Any]], without: frozenset[str] = frozenset()) -> None:
        self.random = random.Random(seed)
        self.valid = valid
        self.kinds = [kind for kind in self.KINDS if kind not in without]

    def __iter__(self) -> Iterator[Mutant]:
        while True:
            kind = self.random.choice(self.kinds)
            yield Mutant(kind, getattr(self, kind)(dict(self.random.choice(self.valid))))

    def wrong_value(self, message: dict[str, Any]) -> str:
        name = self.random.choice(sorted(message))
        message[name] = self.random.choice(WRONG[name])
        return json.dumps(message)

    def missing_field(self, message: dict[str, Any]) -> str:
        required = sorted(set(message) - OPTIONAL) or ["t"]
        message.pop(self.random.choice(required), None)
        return json.dumps(message)

    def truncated(self, message: dict[str, Any]) -> str:
        raw = json.dumps(message)
        return raw[: self.random.randrange(len(raw))]

    def not_an_object(self, message: dict[str, Any]) -> str:
        return json.dumps(self.random.choice([[message], list(message.items()), json.dumps(message), 1, None]))

    def deep_nesting(self, message: dict[str, Any]) -> str:
        depth = self.random.randrange(1_000, 20_000)
        return self.random.choice("[{") * depth

    def too_large(self, message: dict[str, Any]) -> str:
        message["pad"] = "x" * (max(MAX_CONTROL_BYTES, MAX_SIGNALING_BYTES) + 1)
        return json.dumps(message)

    def bytes(self, message: dict[str, Any]) -> bytes:
        raw = bytearray(json.dumps(message).encode())
        for _ in range(self.random.randrange(1, 4)):
            raw[self.random.randrange(len(raw))] = self.random.choice([0x80, 0xFF, 0xC0, 0x00])
        return bytes(raw)


def harmless(seed: int) -> Iterator[Mutant]:
    """Valid control messages and valid ones with unknown fields added: for a session that may not control."""
    rng = random.Random(seed)
    while True:
        message = dict(rng.choice(VALID_CONTROL))
        if rng.random() < 0.5:
            message[rng.choice(["extra", "t2", "__proto__", "\u202e"])] = rng.choice(WRONG["t"])
            yield Mutant("valid_extra_field", json.dumps(message))
        else:
            yield Mutant("valid", json.dumps(message))
