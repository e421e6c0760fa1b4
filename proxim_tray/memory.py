"""The C allocator's memory between sessions: few arenas, and freed pages given back (glibc only)."""

from __future__ import annotations

import ctypes
import functools
import sys

# glibc gives each thread that allocates its own heap ("arena", up to 8 per CPU) and keeps what is freed in it; each
# session's encoder, capture and input threads land in arenas whose freed holes the next session's allocations only
# partly fill, so the host's memory crept for 100+ sessions (200-session soak: +18 MiB between the halves' peaks) with
# no Python object left over. Two arenas and a trim after each session hold it flat (160 sessions: halves' peaks
# within 1 MiB, about 140 MiB).
M_ARENA_MAX = -8
SESSION_ARENAS = 2


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    """The C library's malloc tuning when it is glibc's; None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None


def cap_arenas() -> None:
    libc = _glibc()
    if libc is not None:
        libc.mallopt(M_ARENA_MAX, SESSION_ARENAS)


def give_back_freed() -> None:
    """Return the free pages of every arena to the system."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
