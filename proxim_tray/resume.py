"""Resume tickets: what lets an approved client come back after a network blip without a new approval."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field

from proxim_tray.errors import ProtocolError
from proxim_tray.fingerprint import sdp_fingerprint
from proxim_tray.pairing import random_token


@dataclass
class ResumeTicket:
    """Bound to one session and to the DTLS certificate its client was approved with.

    A resume must present a valid token and an offer made with the same certificate: a token seen on the network is
    useless without that certificate's private key, which never leaves the client. Each resume hands the client the
    next token; once the resumed connection is up, the one it replaced is refused. Until then both work, so a client
    that lost the answer to its resume can try again.
    """

    client_fingerprint: str
    token: str = field(default_factory=random_token, repr=False)
    _next: str | None = field(default=None, repr=False)

    def check(self, token: str, offer: str) -> None:
        valid = [self.token] if self._next is None else [self.token, self._next]
        # every candidate is compared, in constant time each: the time taken says nothing about which one was close
        if not sum(hmac.compare_digest(token.encode(), candidate.encode()) for candidate in valid):
            raise ProtocolError("bad_token", "this resume token is not valid; scan the host's QR code to connect again")
        if sdp_fingerprint(offer) != self.client_fingerprint:
            raise ProtocolError(
                "bad_certificate",
                "the resume comes with another certificate than the approved device's; "
                "scan the host's QR code to connect again",
            )

    def next_token(self) -> str:
        """The token that replaces the current one once the resumed connection is up (see :meth:`confirm`)."""
        if self._next is None:
            self._next = random_token()
        return self._next

    def confirm(self) -> None:
        """The resumed connection is up: the client has the next token, the old one is retired."""
        if self._next is not None:
            self.token, self._next = self._next, None
