"""The STUN and TURN servers both ends of a session use, with TURN credentials: static, or minted from a secret shared
with coturn (its ``use-auth-secret`` REST scheme)."""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from proxim_tray.errors import ConfigError
from proxim_tray.protocol import IceServer, is_ice_url

if TYPE_CHECKING:
    from proxim_tray.config import HostConfig

# the name part of a minted username, ``<expiry>:proxim``; coturn logs it
REST_USER = "proxim"
# seconds a minted credential stays valid after the latest moment its peer may open its allocation; coturn checks it
# then, not when the allocation is refreshed, so a session outlives it
CREDENTIAL_LIFETIME = 600.0


def _url_type(schemes: tuple[str, ...], shape: str) -> Callable[[str], str]:
    def check(text: str) -> str:
        if not text.startswith(schemes) or not is_ice_url(text):
            raise argparse.ArgumentTypeError(f"{text!r} is not {shape}")
        return text

    return check


stun_url = _url_type(("stun:",), "a STUN URL like stun:stun.example.org:3478 (a host name or an IPv4 address)")
turn_url = _url_type(
    ("turn:", "turns:"),
    "a TURN URL like turn:turn.example.org:3478?transport=udp (a host name or an IPv4 address; transport udp or tcp, "
    "and tcp only for turns:)",
)


def rest_credentials(secret: str, expires: int) -> tuple[str, str]:
    """coturn's REST credentials: ``<expiry unix time>:proxim``, and base64(HMAC-SHA1(secret, that user name))."""
    username = f"{expires}:{REST_USER}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode("ascii")


def read_secret_file(path: Path) -> str:
    try:
        secret = path.expanduser().read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the TURN secret file {path}: {exc}") from None
    if not secret:
        raise ConfigError(f"the TURN secret file {path} is empty")
    return secret


@dataclass(frozen=True)
class IceSettings:
    """What ``--stun``, ``--turn`` and the TURN credentials say, checked together."""

    stun: tuple[str, ...] = ()
    turn: tuple[str, ...] = ()
    turn_user: str | None = None
    turn_password: str | None = field(default=None, repr=False)
    turn_secret: str | None = field(default=None, repr=False)

    @classmethod
    def from_config(cls, config: HostConfig) -> IceSettings:
        settings = cls(
            tuple(config.stun_servers),
            tuple(config.turn_servers),
            config.turn_user or None,
            config.turn_password or None,
            config.turn_secret or None,
        )
        settings._check()
        return settings

    def _check(self) -> None:
        static = self.turn_user is not None or self.turn_password is not None
        if static and (self.turn_user is None or self.turn_password is None):
            raise ConfigError("TURN needs both --turn-user and --turn-password")
        if static and self.turn_secret is not None:
            raise ConfigError("give TURN either a shared secret (--turn-secret) or a user and password, not both")
        if self.turn and not static and self.turn_secret is None:
            raise ConfigError(
                "--turn needs credentials: --turn-secret or --turn-secret-file (coturn's use-auth-secret), "
                "or --turn-user and --turn-password"
            )
        if not self.turn and (static or self.turn_secret is not None):
            raise ConfigError("TURN credentials were given without a TURN server (--turn URL)")

    def servers(self, valid_for: float) -> list[IceServer]:
        """The servers for one peer; minted TURN credentials stay valid ``valid_for`` seconds from now."""
        servers = [IceServer(self.stun)] if self.stun else []
        if self.turn_secret is not None:
            username, password = rest_credentials(self.turn_secret, int(time.time() + valid_for))
            servers.append(IceServer(self.turn, username, password))
        elif self.turn:
            servers.append(IceServer(self.turn, self.turn_user, self.turn_password))
        return servers

    def no_path_advice(self) -> str:
        """What to try when the two ends found no path to each other."""
        if self.turn:
            return (
                f"even the TURN server {self.turn[0]} did not relay: check that both ends can reach it and that "
                "its credentials (secret, user, password, realm) match coturn's"
            )
        return (
            "put both on the same network or VPN, or give the host a TURN server (--turn; see docs/networks.md in "
            "Proxim's documentation)"
        )
