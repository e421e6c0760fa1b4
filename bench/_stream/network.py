"""Where the benchmark's browser runs: in a network namespace of its own, joined to the host's namespace through a
third, the air, where a bridge in user space delays every frame by a chosen jitter (air.py), while nftables drops a
chosen share of the UDP packets crossing the link (both ways) and counts every UDP datagram the host's end sends and
receives (the bitrate on the wire); or, without root, on this machine's loopback, where no condition can be imposed
and nothing is counted on the wire.

Loss comes from nftables (``numgen random``) and jitter from the bridge rather than netem because netem is missing
from some kernels (``tc qdisc ... netem`` then fails with "Specified qdisc kind is unknown"), as are the fq and etf
disciplines that could delay packets by their departure time.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.support.netns import CHROMIUM, Lab, Namespace, NetworkError, chromium_in, lan_through_air
from tests.support.processes import LineProcess

HOST_ADDRESS = "10.77.0.1"
PHONE_ADDRESS = "10.77.0.2"
TABLE = "proxim_bench"
WIRE_TABLE = "proxim_bench_wire"
WIRE_RULESET = f"""table ip {WIRE_TABLE} {{
    counter sent {{ }}
    counter received {{ }}
    chain leaving {{ type filter hook output priority 0; policy accept;
        ip daddr {PHONE_ADDRESS} meta l4proto udp counter name sent; }}
    chain arriving {{ type filter hook input priority 0; policy accept;
        ip saddr {PHONE_ADDRESS} meta l4proto udp counter name received; }}
}}
"""


def loss_ruleset(per_mille: int) -> str:
    """nftables text that drops ``per_mille`` of every 1000 UDP packets arriving or leaving, counting them."""
    drop = f"meta l4proto udp numgen random mod 1000 < {per_mille} counter name dropped drop"
    return f"""table inet {TABLE}
delete table inet {TABLE}
table inet {TABLE} {{
    counter dropped {{ }}
    chain arriving {{ type filter hook input priority 0; policy accept; {drop + ";" if per_mille else ""} }}
    chain leaving {{ type filter hook output priority 0; policy accept; {drop + ";" if per_mille else ""} }}
}}
"""


@dataclass
class Network:
    host_address: str
    chromium: str
    phone: Namespace | None = None
    host: Namespace | None = None
    air: LineProcess | None = None
    why_no_conditions: str = ""

    def host_argv(self, argv: Sequence[str]) -> list[str]:
        return self.host.argv(argv) if self.host else list(argv)

    def lose(self, per_mille: int) -> None:
        """Drop ``per_mille`` of every 1000 UDP packets between the browser and the host, from now on."""
        if self.phone is None:
            raise NetworkError(self.why_no_conditions)
        self.phone.nft(loss_ruleset(per_mille))

    def jitter(self, low_ms: float, high_ms: float) -> None:
        """Delay every frame crossing the link, each way, by between ``low_ms`` and ``high_ms``, from now on."""
        if self.air is None:
            raise NetworkError(self.why_no_conditions)
        self.air.send(f"delay {low_ms:g} {high_ms:g}")
        self.air.wait_for(r"^delay ", timeout=5)

    def air_counts(self) -> dict[str, float]:
        """Frames the air forwarded each way so far, and the delay it added to them in all (ms)."""
        if self.air is None:
            return {}
        self.air.send("count")
        words = self.air.wait_for(r"^count ", timeout=5).string.split()
        return {"to_phone": int(words[1]), "to_host": int(words[2]), "delay_ms": float(words[3])}

    def dropped(self) -> int:
        """Packets dropped since the last ``lose``."""
        if self.phone is None:
            return 0
        shown = self.phone.output(f"nft list counter inet {TABLE} dropped")
        return int(shown.split("packets")[1].split()[0])

    def wire(self) -> dict[str, int] | None:
        """UDP bytes and datagrams (IP headers included) the host's end of the link has sent to the browser and
        received from it so far: media, RTCP, retransmissions, the data channels and ICE checks; None on loopback."""
        if self.host is None:
            return None
        figures = {}
        for name in ("sent", "received"):
            shown = self.host.output(f"nft list counter ip {WIRE_TABLE} {name}").split()
            figures[f"{name}_packets"] = int(shown[shown.index("packets") + 1])
            figures[f"{name}_bytes"] = int(shown[shown.index("bytes") + 1])
        return figures


@contextlib.contextmanager
def network(workdir: Path) -> Iterator[Network]:
    try:
        lab = Lab()
    except NetworkError as exc:
        yield Network("127.0.0.1", CHROMIUM, why_no_conditions=f"browser on loopback: {exc}")
        return
    with lab:
        host, phone, air = lan_through_air(
            lab, host_addresses=[f"{HOST_ADDRESS}/24"], phone_addresses=[f"{PHONE_ADDRESS}/24"]
        )
        host.nft(WIRE_RULESET)
        bridge = LineProcess(air.argv([sys.executable, "-m", "bench._stream.air", "host", "phone"]))
        try:
            bridge.wait_for("^ready$", timeout=10)
            yield Network(HOST_ADDRESS, str(chromium_in(phone, workdir)), phone=phone, host=host, air=bridge)
        finally:
            bridge.stop()
