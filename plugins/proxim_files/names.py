"""File names a sender chose, made safe to create in one folder on any operating system.

A name arrives as whatever the other device says. What comes out is one plain file name: no folder part, no control
or direction-override characters, nothing Windows refuses, not hidden, and short enough for any file system to take
with a ``" (NN)"`` and ``".part"`` added.
"""

from __future__ import annotations

import re
import unicodedata

FALLBACK = "file"
# bytes of UTF-8 a name may take: NAME_MAX is 255, and " (9999)" plus ".part" must still fit
MAX_NAME_BYTES = 200
MAX_SUFFIX_CHARS = 16
# what Windows refuses in a name (the separators are gone already)
_FORBIDDEN = re.compile(r'[<>:"|?*]')
# Windows reserves these names, whatever the extension
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\.|$)", re.IGNORECASE)
# control, format (bidirectional overrides), separators of lines and paragraphs, surrogates, unassigned
_DROPPED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs", "Cn"}


def safe_name(name: str) -> str:
    """A file name for ``name`` that stays inside the folder it is created in."""
    name = unicodedata.normalize("NFC", name)
    name = re.split(r"[/\\]", name)[-1]  # the last part of any path, Unix or Windows
    name = "".join(" " if ch.isspace() else ch for ch in name)  # a tab or line break becomes a space
    name = "".join(ch for ch in name if unicodedata.category(ch) not in _DROPPED_CATEGORIES)
    name = _FORBIDDEN.sub("_", name)
    name = " ".join(name.split())
    name = name.strip(" .")  # a leading dot hides a file; Windows drops trailing dots and spaces
    if not name:
        return FALLBACK
    if _RESERVED.match(name):
        name = f"_{name}"
    return _shorten(name)


def split_suffix(name: str) -> tuple[str, str]:
    """``("report", ".pdf")`` for ``"report.pdf"``; a long or missing extension is part of the stem."""
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem or len(suffix) + 1 > MAX_SUFFIX_CHARS:
        return name, ""
    return stem, f".{suffix}"


def _shorten(name: str) -> str:
    if len(name.encode()) <= MAX_NAME_BYTES:
        return name
    stem, suffix = split_suffix(name)
    budget = MAX_NAME_BYTES - len(suffix.encode())
    stem = stem.encode()[:budget].decode(errors="ignore").rstrip(" .")
    return f"{stem or FALLBACK}{suffix}"
