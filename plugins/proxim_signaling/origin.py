"""Which web origins may open the signaling WebSocket: pages served from an address this host has or advertises.

A DNS-rebinding page (``evil.example`` made to resolve to this host) sends ``Origin`` and ``Host`` both
``evil.example``: comparing the two proves nothing, since the browser takes both from the page's own URL. The origin
must instead name this host by one of its own addresses or advertised names (or ``localhost``), at a port it listens on.
A page whose origin is one of the host's own addresses was served by the host itself, so every address counts.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from proxim_tray.app import App
from proxim_tray.links import Listening
from proxim_tray.netaddr import interface_addresses

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
DEFAULT_PORTS = {"http": 80, "https": 443}


def advertised_hosts(app: App) -> set[str]:
    """Names the host puts in links (lower case, IPv6 without brackets): ``--advertise-addr`` and the hosts of the
    pairing link shown now and of its alternatives."""
    hosts = {app.config.advertise_addr or ""}
    pairing = app.sessions.pairing
    if pairing is not None:
        hosts |= {urlsplit(base_url).hostname or "" for base_url in (pairing.base_url, *pairing.alternatives)}
    return {host.lower() for host in hosts if host}


def origin_allowed(app: App, listening: Listening, origin: str | None) -> bool:
    """Browsers always send ``Origin`` on a WebSocket upgrade; without one the client is not a browser (the Python
    client), and the pairing secret still guards the session."""
    if origin is None:
        return True
    parts = urlsplit(origin)
    try:
        port = parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return False
    if parts.scheme not in DEFAULT_PORTS or port not in {bound for _, bound in listening.sockets}:
        return False
    host = parts.hostname or ""
    if host in LOOPBACK_NAMES or host in advertised_hosts(app):
        return True
    return any(str(ip) == host for _, ip in interface_addresses())  # the slowest check last: it asks the system
