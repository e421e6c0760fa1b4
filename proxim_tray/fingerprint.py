"""The one DTLS certificate an SDP names, read the way aiortc's DTLS check reads it.

aiortc checks the peer's certificate against the fingerprints of a single media section (the first, when bundled). A
verification code or an identity check that read some other line could be shown one certificate while DTLS accepts
another, so every media section must name the same SHA-256 fingerprint, or the SDP is refused.
"""

from __future__ import annotations

import re

from aiortc.sdp import SessionDescription

from proxim_tray.errors import ProtocolError

_HEX_FINGERPRINT = re.compile(r"([0-9A-F]{2}:){31}[0-9A-F]{2}")


def sdp_fingerprint(sdp: str) -> str:
    """The SHA-256 fingerprint (upper-case hex pairs joined by colons) that every media section of ``sdp`` names."""
    try:
        description = SessionDescription.parse(sdp)
    except Exception as exc:  # aiortc's parser signals bad input with asserts, ValueError, KeyError, IndexError...
        raise ProtocolError("bad_message", f"the SDP cannot be read ({type(exc).__name__})") from None
    if not description.media:
        raise ProtocolError("bad_message", "the SDP has no media section, so no DTLS fingerprint")
    named: set[str] = set()
    for media in description.media:
        # session-level fingerprints are already part of each section's list, as aiortc's check sees them
        fingerprints = media.dtls.fingerprints if media.dtls is not None else []
        values = {f.value.upper() for f in fingerprints if f.algorithm.lower() == "sha-256"}
        if not values:
            raise ProtocolError("bad_message", f"the SDP's {media.kind} section has no sha-256 DTLS fingerprint")
        named |= values
    if len(named) != 1:
        raise ProtocolError("bad_message", "the SDP names more than one sha-256 DTLS fingerprint")
    value = named.pop()
    if not _HEX_FINGERPRINT.fullmatch(value):
        raise ProtocolError("bad_message", "the SDP's sha-256 DTLS fingerprint is malformed")
    return value
