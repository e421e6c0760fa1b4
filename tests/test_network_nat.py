"""Beyond the LAN: the host and the phone each behind its own NAT, with coturn on the "internet" between them.

    host ── nat-a ── internet (coturn: STUN and TURN) ── nat-b ── phone (Chromium, default settings)

nat-a forwards the signaling port to the host, which advertises nat-a's public address (the "port forwarded"
deployment of docs/networks.md). Symmetric NATs (nftables ``masquerade random``) defeat STUN's hole punching; only a
relay gets through, and without one both sides must say there is no network path.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CHROMIUM_ARGS
from tests.support.netns import Lab, Namespace, NamespacedHost, chromium_in
from tests.support.processes import LineProcess, child_env
from tests.support.webclient import PHONE, wait_for_text

NETWORKS_DOC = Path(__file__).resolve().parents[1] / "docs" / "networks.md"
PORT = 47600
PUBLIC_A = "198.51.100.2"  # nat-a on the internet
PUBLIC_B = "203.0.113.2"  # nat-b on the internet
COTURN = "192.0.2.10"  # coturn, on the internet namespace itself
TURN_SECRET = "proxim-test-shared-secret"
STUN = f"stun:{COTURN}:3478"
TURN = f"turn:{COTURN}:3478?transport=udp"

# a home router: new connections from the internet are dropped unless forwarded
ROUTER_FILTER = """
table ip filter {
  chain forward {
    type filter hook forward priority filter; policy accept;
    iifname "wan" ct state new ct status dnat accept
    iifname "wan" ct state new drop
  }
}
"""
# a new source port for every destination: what a server saw is useless to anyone else
SYMMETRIC = """
table ip nat {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "wan" masquerade random
  }
}
"""
# one mapping per host port whoever the destination, and anyone may send to it (endpoint-independent both ways)
FULL_CONE = f"""
table ip nat {{
  chain prerouting {{
    type nat hook prerouting priority dstnat; policy accept;
    iifname "wan" meta l4proto udp dnat to 10.1.0.2
  }}
  chain postrouting {{
    type nat hook postrouting priority srcnat; policy accept;
    oifname "wan" snat to {PUBLIC_A}
  }}
}}
"""
# the signaling port forwarded to the host, from the internet and from the LAN itself (NAT loopback), so the host can
# open its own link too
SIGNALING_FORWARD = f"""
table ip forwarding {{
  chain prerouting {{
    type nat hook prerouting priority dstnat - 10; policy accept;
    ip daddr {PUBLIC_A} tcp dport {PORT} dnat to 10.1.0.2
  }}
  chain postrouting {{
    type nat hook postrouting priority srcnat - 10; policy accept;
    ip saddr 10.1.0.0/24 ip daddr 10.1.0.2 tcp dport {PORT} masquerade
  }}
}}
"""


@dataclass
class NatNetwork:
    host: Namespace
    nat_a: Namespace
    internet: Namespace
    nat_b: Namespace
    phone: Namespace


def nat_network(lab: Lab, host_nat: str) -> NatNetwork:
    """The five namespaces, nat-b symmetric, nat-a as ``host_nat`` says, the signaling port forwarded by nat-a."""
    net = NatNetwork(*(lab.namespace(role) for role in ("host", "nat-a", "internet", "nat-b", "phone")))
    lab.wire(net.host, "eth0", net.nat_a, "lan")
    lab.wire(net.nat_a, "wan", net.internet, "to-a")
    lab.wire(net.internet, "to-b", net.nat_b, "wan")
    lab.wire(net.nat_b, "lan", net.phone, "eth0")
    net.host.sh("ip addr add 10.1.0.2/24 dev eth0", "ip route add default via 10.1.0.1")
    net.nat_a.sh("ip addr add 10.1.0.1/24 dev lan", f"ip addr add {PUBLIC_A}/24 dev wan")
    net.nat_a.sh("ip route add default via 198.51.100.1")
    net.internet.sh("ip addr add 198.51.100.1/24 dev to-a", "ip addr add 203.0.113.1/24 dev to-b")
    net.internet.sh(f"ip addr add {COTURN}/32 dev lo")
    net.nat_b.sh(f"ip addr add {PUBLIC_B}/24 dev wan", "ip addr add 10.2.0.1/24 dev lan")
    net.nat_b.sh("ip route add default via 203.0.113.1")
    net.phone.sh("ip addr add 10.2.0.2/24 dev eth0", "ip route add default via 10.2.0.1")
    for router in (net.nat_a, net.internet, net.nat_b):
        router.forward()
    net.nat_a.nft(ROUTER_FILTER + host_nat + SIGNALING_FORWARD)
    net.nat_b.nft(ROUTER_FILTER + SYMMETRIC)
    return net


def documented_coturn_config() -> str:
    """The coturn configuration docs/networks.md gives, with this test's secret and realm."""
    text = NETWORKS_DOC.read_text(encoding="utf-8").split("### coturn for Proxim", 1)[1]
    config = text.split("```ini\n", 1)[1].split("```", 1)[0]
    assert "static-auth-secret=SECRET\n" in config and "use-auth-secret\n" in config
    return config.replace("static-auth-secret=SECRET", f"static-auth-secret={TURN_SECRET}").replace(
        "realm=turn.example.org", "realm=proxim.test"
    )


class Coturn:
    """Debian's coturn in the internet namespace, configured as docs/networks.md says: STUN, and TURN with coturn's
    shared-secret REST credentials. Its own files (log, pid, database) stay in the test's folder."""

    def __init__(self, namespace: Namespace, workdir: Path) -> None:
        self.log = workdir / "coturn.log"
        config = workdir / "turnserver.conf"
        config.write_text(documented_coturn_config(), encoding="utf-8")
        argv = [
            "turnserver", "-c", str(config), "--listening-ip", COTURN, "--relay-ip", COTURN, "--no-tls", "--no-dtls",
            "--verbose", "--simple-log", "--log-file", str(self.log), "--pidfile", str(workdir / "coturn.pid"),
            "--userdb", str(workdir / "turndb"),
        ]  # fmt: skip
        self.proc = subprocess.Popen(namespace.argv(argv), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while f"{COTURN}:3478" not in namespace.output("ss -Hlun"):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError(f"coturn did not start listening; its log:\n{self.log_text()}")
            time.sleep(0.05)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else "(no log)"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as running:
        yield running


@dataclass
class Deployment:
    net: NatNetwork
    host: NamespacedHost
    host_log: Path
    phone: Any  # a Playwright page in the phone's namespace, or None


@pytest.fixture
def deploy(lab: Lab, playwright: Any, tmp_path: Path) -> Iterator[Any]:
    """Builds the network with nat-a as given, starts coturn, the host (with ``flags``) and the phone's browser."""
    started: list[Any] = []

    def start(host_nat: str, *flags: str, browser: bool = True) -> Deployment:
        net = nat_network(lab, host_nat)
        started.append(Coturn(net.internet, tmp_path))
        host = NamespacedHost(
            net.host, tmp_path, "--capture", "testpattern", "--port", str(PORT), "--advertise-addr", PUBLIC_A, *flags
        )
        started.append(host)
        phone = None
        if browser:
            chromium = playwright.chromium.launch(
                executable_path=str(chromium_in(net.phone, tmp_path)), headless=True, args=CHROMIUM_ARGS
            )
            started.append(chromium)
            phone = chromium.new_context(**PHONE).new_page()
        return Deployment(net, host, tmp_path / f"host-{net.host.name}.log", phone)

    yield start
    for thing in reversed(started):
        if isinstance(thing, Coturn | LineProcess):
            thing.stop()
        else:
            thing.close()


SELECTED_PAIR = """async () => {
  const report = await window.proxim.pc.getStats();
  const stats = [...report.values()];
  const transport = stats.find((s) => s.type === 'transport' && s.selectedCandidatePairId);
  const pair = transport && report.get(transport.selectedCandidatePairId);
  const video = stats.find((s) => s.type === 'inbound-rtp' && s.kind === 'video');
  return pair ? {
    local: report.get(pair.localCandidateId).candidateType,
    remote: report.get(pair.remoteCandidateId).candidateType,
    frames: video ? video.framesDecoded : 0,
  } : null;
}"""


def open_and_approve(deployment: Deployment) -> float:
    """Opens the printed link on the phone and approves it on the host's console; returns when the link was opened."""
    link = deployment.host.next_link()
    assert link.startswith(f"http://{PUBLIC_A}:{PORT}/p/"), link
    opened = time.monotonic()
    deployment.phone.goto(link)
    deployment.host.wait_for(r"Approve connection from .+\? \[y/N\]", timeout=15)
    deployment.host.send("y")
    return opened


def selected_pair(page: Any) -> dict[str, Any]:
    """The phone's selected candidate pair, once frames have been decoded through it."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        pair = page.evaluate(SELECTED_PAIR)
        if pair and pair["frames"] > 5:
            return dict(pair)
        time.sleep(0.1)
    pytest.fail(f"no frames decoded through a selected candidate pair: {pair}")


def test_symmetric_nats_without_turn_say_there_is_no_network_path(deploy: Any, artifacts: Path) -> None:
    deployment = deploy(SYMMETRIC, "--stun", STUN)
    opened = open_and_approve(deployment)
    phone = deployment.phone
    phone.wait_for_selector("body[data-state=nopath]", timeout=25_000)
    waited = time.monotonic() - opened
    wait_for_text(phone, "#headline", "No network path")
    wait_for_text(phone, "#status", "TURN server")
    phone.screenshot(path=str(artifacts / "phone-no-network-path.png"))
    ended = deployment.host.wait_for(r"ended: no network path between the device and this host .*TURN server")
    assert "--turn" in ended.string
    deployment.host.next_link()  # a fresh link follows
    print(f"\nno network path shown {waited:.1f} s after the link was opened")
    assert waited < 25


def test_symmetric_nats_connect_through_turn(deploy: Any) -> None:
    deployment = deploy(SYMMETRIC, "--stun", STUN, "--turn", TURN, "--turn-secret", TURN_SECRET)
    opened = open_and_approve(deployment)
    deployment.phone.wait_for_selector("body[data-state=live]", timeout=20_000)
    live = time.monotonic() - opened
    pair = selected_pair(deployment.phone)
    assert "relay" in (pair["local"], pair["remote"]), pair
    logged = "\n".join(deployment.host.lines) + deployment.host_log.read_text()
    assert TURN_SECRET not in logged, "the TURN secret must never be logged"
    print(f"\nlive through the relay {live:.1f} s after the link was opened (approval included); pair {pair}")


def test_stun_connects_directly_when_one_side_is_full_cone(deploy: Any) -> None:
    deployment = deploy(FULL_CONE, "--stun", STUN)
    open_and_approve(deployment)
    deployment.phone.wait_for_selector("body[data-state=live]", timeout=20_000)
    pair = selected_pair(deployment.phone)
    assert "relay" not in (pair["local"], pair["remote"]), pair
    assert re.fullmatch(r"srflx|prflx", pair["remote"]), pair
    offer = deployment.phone.evaluate("window.proxim.pc.localDescription.sdp")
    assert f"{PUBLIC_B} " in offer and "typ srflx" in offer, "the page asked the host's STUN server too"
    print(f"\ndirect through nat-a's full-cone mapping; pair {pair}")


def test_the_python_client_connects_through_turn(deploy: Any, tmp_path: Path) -> None:
    """Both NATs symmetric: only the relay gets through, so a session proves the client used the host's TURN server."""
    deployment = deploy(SYMMETRIC, "--turn", TURN, "--turn-secret", TURN_SECRET, browser=False)
    link = deployment.host.next_link()
    client = LineProcess(
        deployment.net.phone.argv([sys.executable, "-m", "tests.support.client_process", link]),
        env=child_env(),
        stderr_path=tmp_path / "client.log",
    )
    try:
        deployment.host.wait_for(r"Approve connection from .+\? \[y/N\]", timeout=15)
        deployment.host.send("y")
        client.wait_for("^connected$", timeout=20)
        deployment.host.wait_for('Connected: "Client process"')
    finally:
        client.stop()
