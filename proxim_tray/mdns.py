"""Resolving the ``.local`` names behind which browsers hide their host addresses (multicast DNS, RFC 6762).

aioice resolves them itself, but it parses the whole response strictly, and Chromium's responses carry an NSEC record
with a compressed name that dnspython refuses: aioice never sees the address. Only the answer section matters here.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
from collections.abc import AsyncIterator

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import ifaddr

logger = logging.getLogger(__name__)

MDNS_GROUP = "224.0.0.251"
MDNS_PORT = 5353
QUERY_INTERVAL = 1.0  # seconds between repeated queries (a datagram can be lost); RFC 6762 asks for at least 1 s
RESOLVE_TIMEOUT = 3.0  # seconds; resolving runs beside the session and delays nothing
_ADDRESS_TYPES = {dns.rdatatype.A: socket.AF_INET, dns.rdatatype.AAAA: socket.AF_INET6}
_CACHE_FLUSH = 0x8000  # the top bit of an mDNS record's class


def is_mdns_name(host: str) -> bool:
    return host.lower().endswith(".local")


def interface_facing(peer: str) -> str | None:
    """The IPv4 address of this machine's interface on the network that holds ``peer`` (queries go out there), or
    None when ``peer`` is loopback, not on a network of ours, or that interface has no IPv4 address."""
    try:
        ip = ipaddress.ip_address(peer.split("%")[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return None
    for adapter in ifaddr.get_adapters():
        networks = []
        for entry in adapter.ips:
            raw = entry.ip if isinstance(entry.ip, str) else entry.ip[0]
            with contextlib.suppress(ValueError):
                networks.append(ipaddress.ip_interface(f"{raw.split('%')[0]}/{entry.network_prefix}"))
        if any(ip in network.network for network in networks):
            ipv4 = [network.ip for network in networks if network.version == 4]
            return str(ipv4[0]) if ipv4 else None
    return None


def queries(names: list[str]) -> list[bytes]:
    """One query per name and address family: Chromium's responder ignores a query with more than one question. Each
    asks for a multicast answer, which the firewalls that let mDNS in (ufw's defaults among them) let in."""
    wire = []
    for name in names:
        for rdtype in _ADDRESS_TYPES:
            message = dns.message.Message(id=0)
            message.question.append(dns.rrset.RRset(dns.name.from_text(name), dns.rdataclass.IN, rdtype))
            wire.append(message.to_wire())
    return wire


def answers(data: bytes) -> list[tuple[str, str]]:
    """The (name, address) pairs a response's answer section gives; everything else in it is ignored."""
    try:
        message = dns.message.from_wire(data, continue_on_error=True)
    except dns.exception.DNSException:
        return []
    if not message.flags & dns.flags.QR:
        return []
    found = []
    for rrset in message.answer:
        family = _ADDRESS_TYPES.get(rrset.rdtype)
        if family is None or rrset.rdclass & ~_CACHE_FLUSH != dns.rdataclass.IN:
            continue
        for rdata in rrset:
            with contextlib.suppress(ValueError, OSError):
                address = socket.inet_ntop(family, rdata.to_generic().data)
                found.append((rrset.name.to_text(omit_final_dot=True).lower(), address))
    return found


class _Listener(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.found: asyncio.Queue[tuple[str, str]] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        for found in answers(data):
            self.found.put_nowait(found)


def _socket(interface: str) -> socket.socket:
    """A socket on the mDNS port (shared with any responder of this machine), in the group on ``interface``."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if hasattr(socket, "SO_REUSEPORT"):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(("", MDNS_PORT))
        sock.setsockopt(
            socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton(MDNS_GROUP) + socket.inet_aton(interface)
        )
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(interface))
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255)  # RFC 6762 section 11
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


async def resolve(names: list[str], interface: str, timeout: float = RESOLVE_TIMEOUT) -> AsyncIterator[tuple[str, str]]:
    """Yield (name, address) for each of ``names`` as its answer arrives on ``interface`` (an IPv4 address of ours),
    until all are answered or ``timeout`` seconds pass. Raises OSError when the query cannot be sent there."""
    wanted = {name.lower() for name in names}
    loop = asyncio.get_running_loop()
    transport, listener = await loop.create_datagram_endpoint(_Listener, sock=_socket(interface))
    deadline = loop.time() + timeout
    try:
        while wanted and loop.time() < deadline:
            for query in queries(sorted(wanted)):
                transport.sendto(query, (MDNS_GROUP, MDNS_PORT))
            repeat = min(loop.time() + QUERY_INTERVAL, deadline)
            while wanted and (left := repeat - loop.time()) > 0:
                try:
                    name, address = await asyncio.wait_for(listener.found.get(), left)
                except TimeoutError:
                    break
                if name in wanted:
                    wanted.discard(name)
                    yield name, address
    finally:
        transport.close()
    if wanted:
        logger.info("no mDNS answer for %s", ", ".join(sorted(wanted)))
