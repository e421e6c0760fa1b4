"""Pairing links: a session id, a secret and the host's DTLS fingerprint, valid once."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def fingerprint_to_b64url(hex_fingerprint: str) -> str:
    return b64url(bytes.fromhex(hex_fingerprint.replace(":", "")))


def verification_code(host_fingerprint: str, client_fingerprint: str) -> str:
    """Six digits both sides compute from the two DTLS fingerprints (see docs/protocol.md)."""
    text = f"proxim-v1|{host_fingerprint.upper()}|{client_fingerprint.upper()}"
    digest = hashlib.sha256(text.encode()).digest()
    return f"{int.from_bytes(digest[:4], 'big') % 1_000_000:06d}"


@dataclass
class Pairing:
    """One pairing link. ``url`` is what the QR code carries; ``alternative_urls`` are the same link through the
    host's other addresses that answered, for a phone that cannot open ``url``."""

    base_url: str
    host_fingerprint: str
    ttl: float
    alternatives: tuple[str, ...] = ()
    session_id: str = field(default_factory=lambda: b64url(secrets.token_bytes(16)))
    secret: str = field(default_factory=lambda: b64url(secrets.token_bytes(16)), repr=False)
    created: float = field(default_factory=time.monotonic)

    @property
    def url(self) -> str:
        return self._url_through(self.base_url)

    @property
    def alternative_urls(self) -> list[str]:
        return [self._url_through(base_url) for base_url in self.alternatives]

    def _url_through(self, base_url: str) -> str:
        fp = fingerprint_to_b64url(self.host_fingerprint)
        return f"{base_url}/p/{self.session_id}#k={self.secret}&fp={fp}"

    @property
    def expires_at(self) -> float:
        return self.created + self.ttl

    def seconds_left(self) -> float:
        return max(0.0, self.expires_at - time.monotonic())

    def secret_matches(self, candidate: str) -> bool:
        return hmac.compare_digest(candidate.encode(), self.secret.encode())
