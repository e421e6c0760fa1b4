"""Which web origins may open the signaling WebSocket: pages served from an address this host listens on or advertises.

A DNS-rebinding page (``evil.example`` made to resolve to this host) sends ``Origin`` and ``Host`` both
``evil.example``: comparing the two proves nothing, since the browser takes both from the page's own URL. The origin
must instead name this host by one of its own addresses (or ``localhost``), at the port it listens on.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from proxim_tray.app import App
from proxim_tray.netaddr import lan_candidates

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARD_BINDS = frozenset({"", "0.0.0.0", "::"})
DEFAULT_PORTS = {"http": 80, "https": 443}


def own_hosts(app: App) -> set[str]:
    """The names a page of this host is served from: the advertised address, the bound one, loopback and every LAN
    address (lower case, IPv6 without brackets)."""
    hosts = set(LOOPBACK_NAMES) | {candidate.address for candidate in lan_candidates()}
    advertised = urlsplit(app.base_url).hostname
    if advertised:
        hosts.add(advertised)
    if app.config.bind not in WILDCARD_BINDS:
        hosts.add(app.config.bind)
    return {host.lower() for host in hosts}


def origin_allowed(app: App, origin: str | None) -> bool:
    """Browsers always send ``Origin`` on a WebSocket upgrade; without one the client is not a browser (the Python
    client), and the pairing secret still guards the session."""
    if origin is None:
        return True
    parts = urlsplit(origin)
    try:
        port = parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return False
    if parts.scheme not in DEFAULT_PORTS or port != urlsplit(app.base_url).port:
        return False
    return (parts.hostname or "") in own_hosts(app)
