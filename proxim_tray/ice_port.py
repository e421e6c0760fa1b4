"""Binding the host's ICE host candidates on one chosen UDP port, so a firewall needs only that port opened.

aioice has no option for it: ``Connection.get_component_candidates`` binds each host address with
``loop.create_datagram_endpoint(..., local_addr=(address, 0))``. While one connection gathers, this module shadows the
running loop's ``create_datagram_endpoint`` so that exactly those binds get the chosen port. Every other bind (a TURN
allocation, another socket of the program) is passed through unchanged. Proxim gathers for one session at a time.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

from aioice import Candidate, Connection
from aiortc import RTCPeerConnection

logger = logging.getLogger(__name__)

# the receive buffer asked for the host's ICE sockets: a file sent from the device arrives in bursts of packets, and
# while the loop is busy the default (208 KiB) overflowed and SCTP halved its rate for every packet dropped (measured:
# ~3,000 drops per 100 MB, 70 with this). The kernel grants at most net.core.rmem_max.
RECEIVE_BUFFER = 4 * 1024 * 1024


def bind_host_candidates(pc: RTCPeerConnection, port: int) -> None:
    """Make ``pc`` gather its host candidates on UDP ``port``; call between setRemoteDescription and
    setLocalDescription. A busy port falls back to a random one, with a warning."""
    for connection in _ice_connections(pc):
        _gather_on_port(connection, port)


def _ice_connections(pc: RTCPeerConnection) -> list[Connection]:
    transports = [transceiver.sender.transport for transceiver in pc.getTransceivers()]
    if pc.sctp is not None:
        transports.append(pc.sctp.transport)
    connections: list[Connection] = []
    for dtls in transports:
        connection = dtls.transport.iceGatherer._connection  # aiortc keeps it private to its gatherer
        if connection not in connections:  # bundled sections share one
            connections.append(connection)
    return connections


def _gather_on_port(connection: Connection, port: int) -> None:
    gather = connection.get_component_candidates

    async def gather_on_port(component: int, addresses: list[str], timeout: int = 5) -> list[Candidate]:
        loop = asyncio.get_running_loop()
        create = loop.create_datagram_endpoint

        async def create_endpoint(factory: Any, local_addr: Any = None, **kwargs: Any) -> Any:
            if local_addr is not None and local_addr[0] in addresses and local_addr[1] == 0:
                try:
                    return _roomy(await create(factory, local_addr=(local_addr[0], port), **kwargs))
                except OSError as exc:
                    logger.warning(
                        "cannot use UDP port %d on %s for the video (%s); this session uses a random port, which a "
                        "firewall may block: free the port or choose another with --media-port",
                        port,
                        local_addr[0],
                        exc.strerror or exc,
                    )
                return _roomy(await create(factory, local_addr=local_addr, **kwargs))
            return await create(factory, local_addr=local_addr, **kwargs)

        loop.create_datagram_endpoint = create_endpoint  # type: ignore[method-assign,assignment]
        try:
            return await gather(component, addresses, timeout)
        finally:
            del loop.create_datagram_endpoint

    connection.get_component_candidates = gather_on_port  # type: ignore[method-assign]


def _roomy(endpoint: tuple[asyncio.DatagramTransport, Any]) -> tuple[asyncio.DatagramTransport, Any]:
    sock = endpoint[0].get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
        except OSError as exc:
            logger.debug("cannot enlarge the ICE socket's receive buffer: %s", exc)
    return endpoint
