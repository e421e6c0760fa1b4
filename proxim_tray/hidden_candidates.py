"""The client's host candidates hidden behind mDNS names: kept out of the offer, resolved beside the session.

Handing a ``.local`` candidate to aiortc stalls the answer while aioice resolves it (and it never resolves Chromium's,
see :mod:`proxim_tray.mdns`). Without the phone's address the host cannot check towards the phone, and behind a
default-deny firewall the phone's own checks are dropped: the host's checks are what open the firewall's state. So the
answer goes out at once, and each name is added as a remote candidate as soon as it resolves.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass

from aiortc import RTCPeerConnection
from aiortc.sdp import candidate_from_sdp

from proxim_tray import mdns

logger = logging.getLogger(__name__)

_SECTION = re.compile(r"^(?=m=)", re.MULTILINE)
_MID = re.compile(r"^a=mid:(\S+)", re.MULTILINE)
_CANDIDATE = re.compile(r"^a=candidate:(\S+ \d+ \S+ \d+ (\S+) .*)$")


@dataclass(frozen=True)
class HiddenCandidate:
    name: str  # the .local name standing for the address
    attribute: str  # the candidate attribute's value after "candidate:"
    mid: str | None
    mline_index: int


def split_offer(sdp: str) -> tuple[str, list[HiddenCandidate]]:
    """The offer without its ``.local`` candidates, and those candidates.

    ``a=end-of-candidates`` goes too: after it aiortc ignores every candidate added, and aioice fails at once when
    it has none, before a resolved or peer-reflexive candidate can arrive.
    """
    sections = _SECTION.split(sdp)
    kept = [sections[0]]
    hidden: list[HiddenCandidate] = []
    for mline_index, section in enumerate(sections[1:]):
        mid = _MID.search(section)
        lines = []
        for line in section.splitlines(keepends=True):
            text = line.rstrip("\r\n")
            candidate = _CANDIDATE.match(text)
            if candidate and mdns.is_mdns_name(candidate.group(2)):
                name = candidate.group(2).lower()
                hidden.append(HiddenCandidate(name, candidate.group(1), mid.group(1) if mid else None, mline_index))
            elif text != "a=end-of-candidates":
                lines.append(line)
        kept.append("".join(lines))
    return "".join(kept), hidden


async def reveal(pc: RTCPeerConnection, hidden: list[HiddenCandidate], client_address: str) -> None:
    """Resolve ``hidden`` on the network ``client_address`` is on, adding each address to ``pc`` as it arrives."""
    if not hidden:
        return
    interface = mdns.interface_facing(client_address)
    if interface is None:
        logger.info("not resolving the client's mDNS candidates: no IPv4 interface of ours faces %s", client_address)
        return
    started = time.monotonic()
    try:
        async for name, address in mdns.resolve(sorted({c.name for c in hidden}), interface):
            logger.info("client candidate %s is %s (%.0f ms)", name, address, (time.monotonic() - started) * 1000)
            for candidate in hidden:
                if candidate.name == name:
                    ice = candidate_from_sdp(candidate.attribute)
                    ice.ip = address
                    ice.sdpMid = candidate.mid
                    ice.sdpMLineIndex = candidate.mline_index
                    await pc.addIceCandidate(ice)
    except OSError as exc:
        logger.info("cannot resolve the client's mDNS candidates on %s: %s", interface, exc)
