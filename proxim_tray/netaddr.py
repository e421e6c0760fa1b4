"""Choosing the address a phone on the same network can reach."""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass

import ifaddr

logger = logging.getLogger(__name__)

# interfaces a phone on the LAN cannot reach: container bridges, VPN tunnels, virtual machines
_VIRTUAL_PREFIXES = (
    "docker",
    "br-",
    "virbr",
    "veth",
    "tun",
    "tap",
    "wg",
    "tailscale",
    "zt",
    "vmnet",
    "vboxnet",
    "lo",
)


@dataclass(frozen=True)
class Candidate:
    interface: str
    address: str
    rank: int


# home and office networks; Python's is_private would also admit documentation and reserved ranges
_LAN_NETWORKS = tuple(
    ipaddress.ip_network(net) for net in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)


def _rank(interface: str, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> int | None:
    if ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_unspecified:
        return None
    if interface.lower().startswith(_VIRTUAL_PREFIXES):
        return None
    rank = 0 if any(ip in net for net in _LAN_NETWORKS) else 10
    if ip.version == 6:
        rank += 1
    return rank


def lan_candidates() -> list[Candidate]:
    found = []
    for adapter in ifaddr.get_adapters():
        for entry in adapter.ips:
            raw = entry.ip if isinstance(entry.ip, str) else entry.ip[0]
            try:
                ip = ipaddress.ip_address(raw.split("%")[0])
            except ValueError:
                continue
            rank = _rank(adapter.nice_name, ip)
            if rank is not None:
                found.append(Candidate(adapter.nice_name, str(ip), rank))
    return sorted(found, key=lambda c: (c.rank, c.interface, c.address))


def advertised_address(override: str | None = None) -> str:
    """The override if given, else the best LAN address, else loopback (with a warning)."""
    if override:
        return override
    candidates = lan_candidates()
    if not candidates:
        logger.warning("no LAN address found; the pairing link uses 127.0.0.1 and works on this machine only")
        return "127.0.0.1"
    return candidates[0].address


def url_host(address: str) -> str:
    return f"[{address}]" if ":" in address else address
