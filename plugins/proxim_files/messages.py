"""The messages of the ``files`` data channel, and their validation (docs/files.md is the reference).

Text messages are JSON objects with a ``t``; the bytes of a file travel as binary messages between that file's
``accept`` and its ``done``. The same messages go both ways: whoever sends a file offers it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

CHANNEL = "files"
PERMISSION = "files"
# a file's bytes go in binary messages of at most this size (what every SCTP stack takes)
CHUNK_SIZE = 64 * 1024
# a sender keeps at most this many bytes sent but not yet acknowledged by a `progress`
WINDOW = 16 * 1024 * 1024
# a receiver acknowledges at least every this many bytes
PROGRESS_STEP = 1024 * 1024
MAX_NAME_CHARS = 1024
MAX_SIZE = 2**53 - 1  # what a JavaScript number holds exactly
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_TEXT_LIMIT = 1000

KINDS = ("offer", "accept", "refuse", "progress", "done", "received", "cancel", "error")


class BadMessage(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Offer:
    id: str
    name: str
    size: int
    mime: str


def transfer_id(message: dict[str, Any]) -> str:
    value = message.get("id")
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise BadMessage(f"{message.get('t')}: id must be 1-64 letters, digits, - or _")
    return value


def parse_offer(message: dict[str, Any]) -> Offer:
    name, size, mime = message.get("name"), message.get("size"), message.get("mime", "")
    if not isinstance(name, str) or not 0 < len(name) <= MAX_NAME_CHARS:
        raise BadMessage(f"offer: name must be text of 1-{MAX_NAME_CHARS} characters")
    if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= MAX_SIZE:
        raise BadMessage("offer: size must be a whole number of bytes")
    if not isinstance(mime, str) or len(mime) > 255:
        raise BadMessage("offer: mime must be text of at most 255 characters")
    return Offer(transfer_id(message), name, size, mime or "application/octet-stream")


def acknowledged(message: dict[str, Any]) -> int:
    """The byte count of a `progress`."""
    count = message.get("bytes")
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_SIZE:
        raise BadMessage("progress: bytes must be a whole number")
    return count


def reason(message: dict[str, Any]) -> tuple[str, str]:
    """The ``code`` and ``message`` of a `refuse`, `cancel` or `error`, cut to a sane length."""
    code, text = message.get("code", "cancelled"), message.get("message", "")
    if not isinstance(code, str) or not isinstance(text, str):
        raise BadMessage(f"{message.get('t')}: code and message must be text")
    return code[:64], text[:_TEXT_LIMIT]
