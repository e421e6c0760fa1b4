"""This computer's addresses, ranked by how likely a phone on the same network can reach them."""

from __future__ import annotations

import contextlib
import ipaddress
from dataclasses import dataclass

import ifaddr

from proxim_tray.routes import IPAddress, default_route_interfaces

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
)
_LOOPBACK_INTERFACES = ("lo", "lo0")
# home and office networks (RFC 1918); Python's is_private would also admit documentation and reserved ranges
_PRIVATE_IPV4 = tuple(ipaddress.ip_network(net) for net in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
_UNIQUE_LOCAL = ipaddress.ip_network("fc00::/7")

# within an interface, the kinds of address in the order they are tried
PRIVATE_IPV4 = "private IPv4 (RFC 1918)"
UNIQUE_LOCAL_IPV6 = "unique local IPv6 (ULA)"
IPV6 = "IPv6"
OTHER_IPV4 = "IPv4 outside the private ranges"
KIND_ORDER = (PRIVATE_IPV4, UNIQUE_LOCAL_IPV6, IPV6, OTHER_IPV4)


@dataclass(frozen=True)
class Address:
    """One address of this computer, and whether a pairing link may use it."""

    interface: str
    ip: IPAddress
    kind: str
    default_route: bool
    # why a phone cannot use it; None when it is a candidate
    excluded: str | None = None

    @property
    def address(self) -> str:
        return str(self.ip)

    def describe(self) -> str:
        """Where it is and, for a candidate, why it ranks where it does."""
        if self.excluded is not None:
            return f"{self.address} on {self.interface}"
        route = "holds the default route" if self.default_route else "no default route"
        return f"{self.address} on {self.interface}: {self.kind}, {route}"


def _kind(ip: IPAddress) -> str:
    if ip.version == 4:
        return PRIVATE_IPV4 if any(ip in net for net in _PRIVATE_IPV4) else OTHER_IPV4
    return UNIQUE_LOCAL_IPV6 if ip in _UNIQUE_LOCAL else IPV6


def _excluded(interface: str, ip: IPAddress) -> str | None:
    if ip.is_loopback or interface in _LOOPBACK_INTERFACES:
        return "loopback: reachable from this computer only"
    if ip.is_link_local:
        return "link-local: a link cannot name the interface it belongs to"
    if interface.lower().startswith(_VIRTUAL_PREFIXES):
        return "container, VPN or virtual-machine interface (pass --advertise-addr to use it)"
    return None


def interface_addresses() -> list[tuple[str, IPAddress]]:
    """Every (interface, address) pair of this computer, multicast and unspecified ones left out."""
    found = []
    for adapter in ifaddr.get_adapters():
        for entry in adapter.ips:
            raw = entry.ip if isinstance(entry.ip, str) else entry.ip[0]
            with contextlib.suppress(ValueError):
                ip = ipaddress.ip_address(raw.split("%")[0])
                if not (ip.is_multicast or ip.is_unspecified):
                    found.append((adapter.nice_name, ip))
    return found


def inventory() -> list[Address]:
    """Every address, the candidates first in the order they are tried: the interfaces holding the default route
    first, then within an interface by :data:`KIND_ORDER`; then the excluded addresses."""
    pairs = interface_addresses()
    routed = default_route_interfaces(pairs)
    addresses = [
        Address(interface, ip, _kind(ip), interface in routed, _excluded(interface, ip)) for interface, ip in pairs
    ]

    def order(entry: Address) -> tuple[bool, int, int, str, int, str]:
        route_rank = routed.index(entry.interface) if entry.default_route else len(routed)
        kind = KIND_ORDER.index(entry.kind)
        return (entry.excluded is not None, route_rank, kind, entry.interface, entry.ip.version, entry.address)

    return sorted(addresses, key=order)


def lan_candidates() -> list[Address]:
    """The addresses a phone may reach, best first."""
    return [entry for entry in inventory() if entry.excluded is None]


def url_host(address: str) -> str:
    return f"[{address}]" if ":" in address else address
