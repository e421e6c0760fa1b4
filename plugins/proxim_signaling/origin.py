"""Which web origins may open the signaling WebSocket: pages served from an address this host listens on or advertises.

A DNS-rebinding page (``evil.example`` made to resolve to this host) sends ``Origin`` and ``Host`` both
``evil.example``: comparing the two proves nothing, since the browser takes both from the page's own URL. The origin
must instead name this host by one of its own addresses or advertised names (or ``localhost``), at a port it listens on.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from proxim_tray.app import App
from proxim_tray.links import Listening
from proxim_tray.netaddr import lan_candidates

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
DEFAULT_PORTS = {"http": 80, "https": 443}


def own_hosts(app: App, listening: Listening) -> set[str]:
    """The names a page of this host is served from (lower case, IPv6 without brackets): loopback, every LAN address,
    the addresses it listens on, ``--advertise-addr``, and the hosts of the pairing link shown now and its
    alternatives."""
    hosts = set(LOOPBACK_NAMES) | {candidate.address for candidate in lan_candidates()}
    hosts |= {str(ip) for ip, _ in listening.sockets if not ip.is_unspecified}
    if app.config.advertise_addr:
        hosts.add(app.config.advertise_addr)
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
    return (parts.hostname or "") in own_hosts(app, listening)
