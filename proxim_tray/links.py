"""The links a phone can open: the addresses the signaling server listens on, ranked, each checked from this computer
before a link through it is shown."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from proxim_tray.netaddr import Address, inventory, url_host
from proxim_tray.routes import IPAddress

logger = logging.getLogger(__name__)

NO_ADDRESS = "no network address a phone can reach"
# a base URL -> None when this host answered through it, else why not
Probe = Callable[[str], Awaitable[str | None]]


@dataclass(frozen=True)
class Links:
    """What a new pairing link can use: the base URL that answered first and the others that answered, or why none."""

    base_url: str | None = None
    alternatives: tuple[str, ...] = ()
    problem: str | None = None


def base_url(host: str, port: int) -> str:
    return f"http://{url_host(host)}:{port}"


def _literal(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.split("%")[0])
    except ValueError:
        return None


@dataclass(frozen=True)
class Listening:
    """The (address, port) of each listening socket; ``0.0.0.0`` and ``::`` stand for every address of a family."""

    sockets: tuple[tuple[IPAddress, int], ...]

    @classmethod
    def of(cls, socket_addresses: Iterable[Any]) -> Listening:
        """From socket addresses as ``getsockname()`` gives them (an aiohttp runner's ``addresses``)."""
        pairs = [(_literal(str(address[0])), int(address[1])) for address in socket_addresses]
        return cls(tuple((ip, port) for ip, port in pairs if ip is not None))

    @classmethod
    def planned(cls, bind: str, port: int) -> Listening:
        """Where a server given ``--bind`` will listen: as asyncio binds, every family when ``bind`` is empty."""
        try:
            infos = socket.getaddrinfo(bind or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        except OSError:
            return cls(())
        return cls.of(info[4] for info in infos)

    def port_for(self, ip: IPAddress) -> int | None:
        """The port through which a connection to ``ip`` reaches the server, or None when it listens elsewhere."""
        for bound, port in self.sockets:
            if bound.version == ip.version and (bound.is_unspecified or bound == ip):
                return port
        return None

    def chose(self, ip: IPAddress) -> bool:
        """Whether a socket listens on exactly ``ip`` (the user narrowed ``--bind`` to it)."""
        return any(bound == ip for bound, _ in self.sockets)

    def describe(self) -> str:
        def one(ip: IPAddress) -> str:
            return f"every IPv{ip.version} address" if ip.is_unspecified else str(ip)

        places = " and ".join(dict.fromkeys(one(ip) for ip, _ in self.sockets)) or "nothing"
        ports = ", ".join(dict.fromkeys(str(port) for _, port in self.sockets))
        return f"{places}, port {ports}"


def plan(listening: Listening, addresses: list[Address]) -> list[tuple[Address, str | None]]:
    """Every address with why a link cannot use it (None: a candidate), the candidates first in the order tried.
    An address ``--bind`` names is a candidate whatever its kind: the user chose it."""
    result = []
    for entry in addresses:
        if listening.port_for(entry.ip) is None:
            why: str | None = f"the server does not listen there (it listens on {listening.describe()}; see --bind)"
        elif listening.chose(entry.ip):
            why = None
        else:
            why = entry.excluded
        result.append((entry, why))
    return sorted(result, key=lambda pair: pair[1] is not None)  # stable: the inventory's order stays


class LinkFinder:
    """Finds the links that answer, again for every new pairing link (the network may have changed)."""

    def __init__(self, listening: Listening, override: str | None, probe: Probe) -> None:
        self.listening = listening
        self.override = override
        self.probe = probe
        self._known_failures: dict[str, str] = {}

    async def find(self) -> Links:
        if self.override:
            return await self._forced(self.override)
        candidates = [entry for entry, why in plan(self.listening, inventory()) if why is None]
        if not candidates:
            return Links(problem=f"{NO_ADDRESS}: connect this computer to a network, or pass --advertise-addr")
        urls = [base_url(entry.address, self.listening.port_for(entry.ip) or 0) for entry in candidates]
        failures = await asyncio.gather(*(self.probe(url) for url in urls))
        answering = []
        for entry, url, failure in zip(candidates, urls, failures, strict=True):
            if failure is None:
                answering.append(url)
            else:
                text = f"{url} ({entry.interface}) does not answer from this computer: {failure}"
                self._log_failure(url, failure, text)
        self._known_failures = {url: why for url, why in zip(urls, failures, strict=True) if why is not None}
        if not answering:
            tried = "; ".join(f"{url}: {why}" for url, why in self._known_failures.items())
            return Links(problem=f"{NO_ADDRESS}: none answers ({tried}); check the firewall, or pass --advertise-addr")
        return Links(answering[0], tuple(answering[1:]))

    async def _forced(self, host: str) -> Links:
        ip = _literal(host)
        port = self.listening.port_for(ip) if ip is not None else None
        url = base_url(host, port or self.listening.sockets[0][1])
        failure = await self.probe(url)
        if failure is not None:
            if ip is not None and port is None:
                failure = f"the server listens on {self.listening.describe()} (see --bind)"
            self._log_failure(
                url,
                failure,
                f"--advertise-addr {host}: {url} does not answer from this computer ({failure}); the pairing link "
                "uses it as asked, but a phone may not open it",
            )
        self._known_failures = {url: failure} if failure is not None else {}
        return Links(url)

    def _log_failure(self, url: str, failure: str, text: str) -> None:
        """Loud the first time; while the same failure repeats (checked again every few seconds) only in debug."""
        level = logging.DEBUG if self._known_failures.get(url) == failure else logging.WARNING
        logger.log(level, "%s", text)
