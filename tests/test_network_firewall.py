"""A host behind a default-deny firewall, and a phone whose Chromium hides its addresses behind mDNS names (its
default): the host in one network namespace, Chromium in another, nothing but the signaling port open."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from proxim_tray.config import DEFAULT_MEDIA_PORT, DEFAULT_PORT
from proxim_tray.firewall import advice
from proxim_tray.peer import FIREWALL_HINT_AFTER
from tests.support.desktop import poll
from tests.support.netns import Lab, Namespace, NamespacedHost, lan, phone_browser
from tests.support.processes import ROOT

HOST_ADDRESSES = ["192.168.47.2/24", "fd00:47::2/64"]
PHONE_ADDRESSES = ["192.168.47.3/24", "fd00:47::3/64"]
PHONE_IPV4 = PHONE_ADDRESSES[0].split("/")[0]

# firewalld's default zone as nftables: new inbound traffic dropped, except what the zone allows (here the signaling
# port); ICMP stays open, as IPv6 needs it to find neighbours
FIREWALL = """
table inet filter {{
  chain input {{
    type filter hook input priority 0; policy drop;
    ct state established,related accept
    iif lo accept
    meta l4proto {{ icmp, ipv6-icmp }} accept
    tcp dport {port} accept
    {extra}
  }}
}}
"""
# ufw's before.rules let mDNS answers in; Debian's firewalld "public" zone does not
MDNS_ACCEPTED = "ip daddr 224.0.0.251 udp dport 5353 accept"
_HOST_CANDIDATE_PORT = re.compile(r"^a=candidate:\S+ \d+ udp \d+ \S+ (\d+) typ host", re.MULTILINE)


def firewall(extra: str = "") -> str:
    return FIREWALL.format(port=DEFAULT_PORT, extra=extra)


@pytest.fixture
def network(lab: Lab) -> tuple[Namespace, Namespace]:
    """The host and the phone on one LAN (a private IPv4 and a ULA each), with no flag telling the host about it."""
    return lan(lab, host_addresses=HOST_ADDRESSES, phone_addresses=PHONE_ADDRESSES)


@pytest.fixture
def host(network: tuple[Namespace, Namespace], tmp_path: Path) -> Iterator[NamespacedHost]:
    process = NamespacedHost(network[0], tmp_path, "--capture", "testpattern")
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def phone(network: tuple[Namespace, Namespace], tmp_path: Path) -> Iterator[Any]:
    with phone_browser(network[1], tmp_path) as page:
        yield page


def connect(host: NamespacedHost, page: Any) -> float:
    """Open the host's link on the phone, approve, and wait for the picture; the seconds from approval to it."""
    page.goto(host.next_link())
    host.wait_for(r"Approve connection from .+\? \[y/N\]")
    approved = time.monotonic()
    host.send("y")
    page.wait_for_selector("body[data-state=live]", timeout=20_000)
    page.wait_for_function("document.querySelector('#screen').videoWidth > 0", timeout=10_000)
    return time.monotonic() - approved


def answered_media_ports(page: Any) -> set[int]:
    answer = page.evaluate("window.proxim.pc.remoteDescription.sdp")
    return {int(port) for port in _HOST_CANDIDATE_PORT.findall(answer)}


def test_a_phone_connects_through_a_firewall_that_lets_mdns_in(
    network: tuple[Namespace, Namespace], host: NamespacedHost, phone: Any
) -> None:
    network[0].nft(firewall(MDNS_ACCEPTED))
    seconds = connect(host, phone)
    print(f"connected {seconds:.2f} s after approval")
    assert answered_media_ports(phone) == {DEFAULT_MEDIA_PORT}


def test_where_mdns_is_dropped_the_host_says_what_to_open_and_the_doctors_commands_let_the_phone_in(
    network: tuple[Namespace, Namespace], host: NamespacedHost, phone: Any, tmp_path: Path
) -> None:
    host_namespace = network[0]
    host_namespace.nft(firewall())
    phone.goto(host.next_link())
    host.wait_for(r"Approve connection from .+\? \[y/N\]")
    host.send("y")
    log = tmp_path / f"host-{host_namespace.name}.log"
    hint = f"let in UDP port {DEFAULT_MEDIA_PORT}; `proxim doctor` prints the commands"
    poll(lambda: hint in log.read_text(), FIREWALL_HINT_AFTER + 10, "the host's hint at its firewall")
    host.send("disconnect")
    doctor = subprocess.run(
        host_namespace.argv([sys.executable, "-m", "proxim_tray", "doctor"]),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    advice = next(line for line in doctor.stdout.splitlines() if "firewall" in line)
    assert advice.startswith("FIX"), doctor.stdout
    commands = re.findall(r"sudo (nft insert rule [^;]+?accept)", advice)
    assert len(commands) == 2, advice
    assert f"udp dport {DEFAULT_MEDIA_PORT} accept" in commands[1]
    for command in commands:  # as root already: what follows "sudo"
        host_namespace.sh(command)
    seconds = connect(host, phone)
    print(f"connected {seconds:.2f} s after approval")
    assert answered_media_ports(phone) == {DEFAULT_MEDIA_PORT}


def test_unresolvable_local_candidates_do_not_delay_the_answer(network: tuple[Namespace, Namespace]) -> None:
    """The answer goes out while the names are still being resolved: here no browser answers for them."""
    run = subprocess.run(
        network[0].argv([sys.executable, "-m", "tests.support.answer_time", PHONE_IPV4]),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    print(f"answer in {result['plain_ms']:.0f} ms as offered, {result['hidden_ms']:.0f} ms with .local candidates")
    assert result["hidden_candidates"] > 0
    # aioice's resolver held the answer for its one-second timeout
    assert result["hidden_ms"] < 500, result
    assert any("no mDNS answer for" in message for message in result["log"]), result["log"]


# Neither runs here (each rewrites the machine's own firewall configuration): stand-ins print what the real tools print
@pytest.mark.parametrize(
    ("tool", "script", "expected"),
    [
        (
            "firewall-cmd",
            'case "$1" in --state) echo running;; *) exit 2;; esac',
            "sudo firewall-cmd --permanent --add-port=47600/tcp --add-port=47601/udp && sudo firewall-cmd --reload",
        ),
        ("ufw", 'echo "Status: active"', "sudo ufw allow 47600/tcp && sudo ufw allow 47601/udp"),
    ],
)
def test_the_doctor_names_the_commands_of_an_active_ufw_or_firewalld(
    tool: str, script: str, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / tool).write_text(f"#!/bin/sh\n{script}\n")
    (tmp_path / tool).chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    ok, text = advice(47600, 47601)
    assert not ok
    assert text.endswith(expected), text
