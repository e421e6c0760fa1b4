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


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def random_token() -> str:
    """128 random bits, base64url: session ids, secrets, nonces and resume tokens."""
    return b64url(secrets.token_bytes(16))


def fingerprint_to_b64url(hex_fingerprint: str) -> str:
    return b64url(bytes.fromhex(hex_fingerprint.replace(":", "")))


def fingerprint_from_b64url(text: str) -> str:
    return ":".join(f"{byte:02X}" for byte in b64url_decode(text))


def new_nonce() -> str:
    """Each side's part of the verification code."""
    return random_token()


def commitment(client_fingerprint: str, client_nonce: str) -> str:
    """What the client sends in ``hello`` before it may learn the host's nonce (see docs/protocol.md)."""
    text = f"proxim-v2-commit|{client_fingerprint.upper()}|{client_nonce}"
    return b64url(hashlib.sha256(text.encode()).digest())


def commitment_matches(expected: str, client_fingerprint: str, client_nonce: str) -> bool:
    return hmac.compare_digest(expected.encode(), commitment(client_fingerprint, client_nonce).encode())


def verification_code(host_fingerprint: str, client_fingerprint: str, client_nonce: str, host_nonce: str) -> str:
    """Six digits both sides compute from both certificates and both nonces (see docs/protocol.md)."""
    text = f"proxim-v2|{host_fingerprint.upper()}|{client_fingerprint.upper()}|{client_nonce}|{host_nonce}"
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
    session_id: str = field(default_factory=random_token)
    secret: str = field(default_factory=random_token, repr=False)
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
