"""Which network interfaces hold a default route: the ones that lead to the rest of the network."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import sys
from collections.abc import Iterable
from pathlib import Path

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

RTF_UP = 0x0001
RTF_REJECT = 0x0200
PROC_ROUTE = Path("/proc/net/route")
PROC_IPV6_ROUTE = Path("/proc/net/ipv6_route")
# documentation addresses (RFC 5737, RFC 3849): connecting a UDP socket to one picks a route and sends nothing
ROUTE_PROBES = ((socket.AF_INET, "198.51.100.1"), (socket.AF_INET6, "2001:db8::1"))


def default_route_interfaces(addresses: Iterable[tuple[str, IPAddress]]) -> list[str]:
    """Names of the interfaces holding a default route, the preferred (lowest metric) first; ``addresses`` are the
    (interface, address) pairs of this computer."""
    if sys.platform == "linux":
        try:
            return _from_proc()
        except (OSError, ValueError, IndexError):
            pass
    return _from_source_addresses(addresses)


def _from_proc() -> list[str]:
    routes: list[tuple[int, str]] = []
    for line in PROC_ROUTE.read_text().splitlines()[1:]:
        fields = line.split()
        interface, destination, flags, metric, mask = fields[0], fields[1], fields[3], fields[6], fields[7]
        if int(destination, 16) == 0 and int(mask, 16) == 0 and int(flags, 16) & RTF_UP:
            routes.append((int(metric), interface))
    with contextlib.suppress(FileNotFoundError):  # IPv6 disabled
        for line in PROC_IPV6_ROUTE.read_text().splitlines():
            fields = line.split()
            destination, prefix, metric, flags, interface = fields[0], fields[1], fields[5], fields[8], fields[9]
            usable = int(flags, 16) & RTF_UP and not int(flags, 16) & RTF_REJECT
            if int(destination, 16) == 0 and int(prefix, 16) == 0 and usable and interface != "lo":
                routes.append((int(metric, 16), interface))
    return list(dict.fromkeys(interface for _, interface in sorted(routes)))


def _from_source_addresses(addresses: Iterable[tuple[str, IPAddress]]) -> list[str]:
    """Elsewhere: the interfaces holding the source addresses the system picks for faraway destinations."""
    sources = []
    for family, destination in ROUTE_PROBES:
        with contextlib.suppress(OSError), socket.socket(family, socket.SOCK_DGRAM) as sock:
            sock.connect((destination, 9))
            sources.append(ipaddress.ip_address(sock.getsockname()[0].split("%")[0]))
    return list(dict.fromkeys(interface for interface, address in addresses if address in sources))
