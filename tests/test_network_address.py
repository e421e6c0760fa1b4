"""The link the host prints opens on a phone, on the networks people have: the host and the phone (Chromium, default
settings) each in a network namespace, joined by a cable, and the host started with no address flag."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.desktop import Desktop, desktop_fixture, poll, qr_code
from tests.support.netns import Lab, Namespace, NamespacedHost, host_env, lan, phone_browser
from tests.support.processes import ROOT

PROXIM = ROOT / ".venv" / "bin" / "proxim"  # what scripts/run.sh runs
NO_LINK = r"^No pairing link: no network address a phone can reach: "


def dropping_port_on(address: str) -> str:
    """A firewall on the host that drops the signaling port on one address (the host's own check included)."""
    family = "ip6" if ":" in address else "ip"
    return f"""table inet proxim_test {{
    chain input {{
        type filter hook input priority 0; policy accept;
        {family} daddr {address} tcp dport 47600 drop
    }}
}}
"""


def proxim_in(namespace: Namespace, workdir: Path, *args: str) -> str:
    """What ``proxim ARGS`` prints inside ``namespace``, next to a host started there with the same ``workdir``."""
    argv = namespace.argv([str(PROXIM), *args])
    return subprocess.run(argv, env=host_env(workdir), capture_output=True, text=True, check=False).stdout


def printed_a_link(host: NamespacedHost) -> bool:
    return any(re.match(r"^\s+http://", line) for line in host.lines)


def shown_lines(host: NamespacedHost) -> list[str]:
    """Everything the console printed up to the end of the latest link's block (``--qr-png`` ends it)."""
    host.wait_for(r"^QR code also written to ")
    return host.lines


desktop = desktop_fixture()


@pytest.fixture
def lab() -> Iterator[Lab]:
    with Lab() as built:
        yield built


def with_clat_interface(lab: Lab, phone: Namespace) -> None:
    """The IPv4 address a real phone keeps on an IPv6-only network: Android and iOS run 464XLAT, whose CLAT interface
    holds 192.0.0.4/29 (RFC 7335). Without any IPv4 address, Chromium's mDNS hiding gathers no candidate at all (its
    page then never connects, whatever the host does); with it, Chromium connects over the IPv6 LAN."""
    clat_side = lab.namespace("clat")
    lab.wire(phone, "v4-wlan0", clat_side, "eth0")
    phone.sh("ip addr add 192.0.0.4/29 dev v4-wlan0")


def ask(page: Any, host: NamespacedHost, link: str) -> None:
    """Open ``link`` as the person with the phone: the host's console asks its user."""
    page.goto(link)
    host.wait_for(r"Approve connection from .+\? \[y/N\]")


def phone_asks(phone: Namespace, workdir: Path, host: NamespacedHost, link: str) -> None:
    with phone_browser(phone, workdir) as page:
        ask(page, host, link)


def connect(page: Any, host: NamespacedHost, link: str) -> None:
    """Open ``link`` as the person with the phone, approve at the host's console: the session goes live."""
    ask(page, host, link)
    host.send("y")
    page.wait_for_selector("body[data-state=live]", timeout=20_000)
    host.saw(r"^Connected: ")


@pytest.mark.parametrize(
    ("host_addresses", "phone_addresses", "expected_link"),
    [
        pytest.param(
            ["192.0.2.2/24", "fd00::2/64"],
            ["192.0.2.3/24", "fd00::3/64"],
            "http://[fd00::2]:47600/p/",
            id="dual-stack-public-range-ipv4-and-ula",
        ),
        pytest.param(["fd00::2/64"], ["fd00::3/64"], "http://[fd00::2]:47600/p/", id="ipv6-only-lan"),
        pytest.param(["192.168.1.2/24"], ["192.168.1.3/24"], "http://192.168.1.2:47600/p/", id="ipv4-only-private"),
    ],
)
def test_the_printed_link_opens_on_the_phone_and_connects(
    lab: Lab, tmp_path: Path, host_addresses: list[str], phone_addresses: list[str], expected_link: str
) -> None:
    host_ns, phone_ns = lan(lab, host_addresses=host_addresses, phone_addresses=phone_addresses)
    if not any("." in cidr for cidr in phone_addresses):
        with_clat_interface(lab, phone_ns)
    host = NamespacedHost(host_ns, tmp_path, "--capture", "testpattern")
    try:
        link = host.next_link()
        assert link.startswith(expected_link)
        if len(host_addresses) == 2:
            alternative = host.wait_for(r"^Phone cannot open it\? Try: (\S+)$").group(1)
            assert alternative == link.replace("[fd00::2]", "192.0.2.2")
        with phone_browser(phone_ns, tmp_path) as page:
            connect(page, host, link)
    finally:
        host.stop()


def test_the_readme_run_command_prints_a_link_that_connects(lab: Lab, tmp_path: Path, xvfb: str) -> None:
    """What a new user runs (``scripts/run.sh host --no-tray`` execs exactly this), on this project's machine kind."""
    assert PROXIM.exists(), "run scripts/setup.sh --test: the README's run command uses .venv/bin/proxim"
    host_ns, phone_ns = lan(
        lab, host_addresses=["192.0.2.2/24", "fd00::2/64"], phone_addresses=["192.0.2.3/24", "fd00::3/64"]
    )
    env = host_env(tmp_path, display=xvfb)
    host = NamespacedHost(host_ns, tmp_path, env=env, command=[str(PROXIM), "host", "--no-tray"])
    try:
        link = host.next_link()
        with phone_browser(phone_ns, tmp_path) as page:
            connect(page, host, link)
    finally:
        host.stop()


def test_with_no_network_there_is_no_qr_code_until_one_comes_up(lab: Lab, tmp_path: Path) -> None:
    """The console and ``--qr-png`` (the built-in proxim_pairing_unavailable implementation) and the doctor say why."""
    host_ns, phone_ns = lab.namespace("host"), lab.namespace("phone")
    lab.wire(host_ns, "eth0", phone_ns, "eth0")  # a cable, but no address yet: only loopback and link-local
    qr_png = tmp_path / "pairing.png"
    host = NamespacedHost(host_ns, tmp_path, "--capture", "testpattern", "--qr-png", str(qr_png))
    try:
        said = host.wait_for(NO_LINK + "connect this computer to a network, or pass --advertise-addr")
        assert not printed_a_link(host)
        assert not qr_png.exists()
        doctor = proxim_in(host_ns, tmp_path, "doctor")
        assert re.search(r"^FIX\s+network address\s+no network address a phone can reach", doctor, re.MULTILINE)
        assert re.search(r"127\.0\.0\.1 on lo: .*not used: loopback", doctor)
        shown = proxim_in(host_ns, tmp_path, "show")
        assert shown.startswith("error: no pairing link to show: no network address a phone can reach"), shown

        host_ns.sh("ip addr add 192.168.1.2/24 dev eth0")
        phone_ns.sh("ip addr add 192.168.1.3/24 dev eth0")
        link = host.next_link(timeout=10)  # the host kept checking
        assert link.startswith("http://192.168.1.2:47600/p/"), said.string
        assert qr_png.exists()
        phone_asks(phone_ns, tmp_path, host, link)
    finally:
        host.stop()


def test_a_candidate_that_does_not_answer_is_skipped_and_logged(lab: Lab, tmp_path: Path) -> None:
    addresses = ["192.168.1.2/24", "fd00::2/64"]
    host_ns, phone_ns = lan(lab, host_addresses=addresses, phone_addresses=["192.168.1.3/24", "fd00::3/64"])
    host_ns.nft(dropping_port_on("192.168.1.2"))
    host = NamespacedHost(host_ns, tmp_path, "--capture", "testpattern", "--qr-png", str(tmp_path / "qr.png"))
    try:
        link = host.next_link()
        assert link.startswith("http://[fd00::2]:47600/p/"), "the private IPv4 address comes first, but it is dropped"
        assert not any(line.startswith("Phone cannot open it?") for line in shown_lines(host))
        log = (tmp_path / f"host-{host_ns.name}.log").read_text()
        assert "http://192.168.1.2:47600 (eth0) does not answer from this computer: no answer within 2 s" in log
        phone_asks(phone_ns, tmp_path, host, link)
    finally:
        host.stop()


def test_when_the_only_candidate_does_not_answer_the_host_says_why(lab: Lab, tmp_path: Path) -> None:
    host_ns, _ = lan(lab, host_addresses=["192.168.1.2/24"], phone_addresses=["192.168.1.3/24"])
    host_ns.nft(dropping_port_on("192.168.1.2"))
    host = NamespacedHost(host_ns, tmp_path, "--capture", "testpattern")
    try:
        host.wait_for(NO_LINK + r"none answers \(http://192\.168\.1\.2:47600: no answer within 2 s")
        assert not printed_a_link(host)
    finally:
        host.stop()
    # --advertise-addr forces the address: used, with a loud warning that it does not answer
    forced = NamespacedHost(host_ns, tmp_path, "--capture", "testpattern", "--advertise-addr", "192.168.1.2")
    try:
        assert forced.next_link().startswith("http://192.168.1.2:47600/p/")
        log = (tmp_path / f"host-{host_ns.name}.log").read_text()
        assert (
            "WARNING proxim_tray.links: --advertise-addr 192.168.1.2: http://192.168.1.2:47600 does not answer" in log
        )
    finally:
        forced.stop()


def test_an_ipv4_only_bind_never_advertises_ipv6(lab: Lab, tmp_path: Path) -> None:
    host_ns, _ = lan(lab, host_addresses=["192.0.2.2/24", "fd00::2/64"], phone_addresses=["192.0.2.3/24", "fd00::3/64"])
    qr_png = str(tmp_path / "qr.png")
    host = NamespacedHost(host_ns, tmp_path, "--capture", "testpattern", "--bind", "0.0.0.0", "--qr-png", qr_png)
    try:
        assert host.next_link().startswith("http://192.0.2.2:47600/p/")
        assert not any(line.startswith("Phone cannot open it?") for line in shown_lines(host))
    finally:
        host.stop()


def tray_title(desktop: Desktop) -> str:
    """The tray icon's title: its tooltip, and what a screen reader says for it."""
    found = subprocess.run(
        ["xdotool", "search", "--name", "^Proxim: "], env=desktop.env, capture_output=True, text=True, check=False
    )
    names = [
        subprocess.run(["xdotool", "getwindowname", window], env=desktop.env, capture_output=True, text=True).stdout
        for window in found.stdout.split()
    ]
    return " | ".join(name.strip() for name in names)


def test_the_tray_says_there_is_no_network_then_shows_the_link(lab: Lab, tmp_path: Path, desktop: Desktop) -> None:
    host_ns, phone_ns = lab.namespace("host"), lab.namespace("phone")
    lab.wire(host_ns, "eth0", phone_ns, "eth0")
    qr_png = tmp_path / "pairing.png"
    command = [sys.executable, "-m", "proxim_tray", "host", "-v", "--capture", "testpattern", "--qr-png", str(qr_png)]
    host = NamespacedHost(host_ns, tmp_path, env=desktop.env, command=command)
    try:
        poll(lambda: tray_title(desktop) == "Proxim: no network a phone can reach", 15, "the tray to say why")
        assert not qr_png.exists()
        host_ns.sh("ip addr add 192.168.1.2/24 dev eth0")
        assert poll(lambda: qr_code(qr_png), 15, "a pairing QR code").startswith("http://192.168.1.2:47600/p/")
        poll(lambda: tray_title(desktop).startswith("Proxim: ready"), 10, "the tray to be ready")
    finally:
        host.stop()
