"""Which address the pairing link advertises, on interfaces a test creates in its own network namespace."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator

import pytest

from proxim_tray.useragent import describe

NAMESPACE = f"proxim-test-{os.getpid()}"


def ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


@pytest.fixture
def namespace() -> Iterator[str]:
    if shutil.which("ip") is None or os.geteuid() != 0:
        pytest.fail("these tests need iproute2 and root to create a network namespace (the test command provides both)")
    ip("netns", "add", NAMESPACE)
    try:
        yield NAMESPACE
    finally:
        ip("netns", "del", NAMESPACE)


def in_namespace(namespace: str, *commands: str) -> None:
    for command in commands:
        ip("netns", "exec", namespace, *command.split())


def python_in(namespace: str, code: str) -> str:
    """What ``code`` prints, run by this Python inside ``namespace``."""
    result = subprocess.run(
        ["ip", "netns", "exec", namespace, sys.executable, "-c", code], check=True, capture_output=True, text=True
    )
    return result.stdout.strip()


def ranked(namespace: str) -> list[str]:
    """The addresses a pairing link may use inside ``namespace``, in the order the host tries them."""
    return python_in(
        namespace, "from proxim_tray.netaddr import lan_candidates as c; print(*(a.address for a in c()))"
    ).split()


def test_the_lan_address_wins_over_bridges_tunnels_and_public_addresses(namespace: str) -> None:
    in_namespace(
        namespace,
        "ip link add docker0 type veth peer name eth1",
        "ip link add tun0 type veth peer name wlan0",
        "ip link add br-5e1f type veth peer name enp3s0",
        "ip addr add 172.17.0.1/16 dev docker0",
        "ip addr add 10.8.0.2/24 dev tun0",
        "ip addr add 172.18.0.1/16 dev br-5e1f",
        "ip addr add 203.0.113.7/24 dev enp3s0",
        "ip addr add 192.168.1.23/24 dev eth1",
        "ip -6 addr add 2001:db8::5/64 dev wlan0 nodad",
    )
    assert ranked(namespace) == ["192.168.1.23", "2001:db8::5", "203.0.113.7"]


def test_the_interface_holding_the_default_route_comes_first(namespace: str) -> None:
    """Private IPv4, then ULA or global IPv6, then other IPv4 within it; another interface's private address after."""
    in_namespace(
        namespace,
        "ip link add eth0 type veth peer name eth1",
        "ip addr add 192.168.1.23/24 dev eth1",
        "ip addr add 192.0.2.2/24 dev eth0",
        "ip -6 addr add fd00::2/64 dev eth0 nodad",
        "ip -6 addr add 2001:db8::2/64 dev eth0 nodad",
        "ip addr add 10.0.0.2/24 dev eth0",
        "ip link set eth0 up",
        "ip link set eth1 up",
        "ip route add default via 192.0.2.1 dev eth0",
    )
    assert ranked(namespace) == ["10.0.0.2", "fd00::2", "2001:db8::2", "192.0.2.2", "192.168.1.23"]


def test_other_systems_find_the_same_default_route_interface(namespace: str) -> None:
    """Without Linux's routing tables the host asks the system which source address it would use; same answer."""
    in_namespace(
        namespace,
        "ip link add eth0 type veth peer name eth1",
        "ip addr add 192.168.1.23/24 dev eth1",
        "ip addr add 10.0.0.2/24 dev eth0",
        "ip -6 addr add fd00::2/64 dev eth0 nodad",
        "ip link set eth0 up",
        "ip link set eth1 up",
        "ip route add default via 10.0.0.1 dev eth0",
        "ip -6 route add default via fd00::1 dev eth0",
    )
    code = (
        "from proxim_tray import routes, netaddr; pairs = netaddr.interface_addresses(); "
        "print(routes._from_proc(), routes._from_source_addresses(pairs))"
    )
    assert python_in(namespace, code) == "['eth0'] ['eth0']"


def test_ipv6_is_advertised_when_it_is_all_there_is(namespace: str) -> None:
    in_namespace(
        namespace,
        "ip link add tun0 type veth peer name wlan0",
        "ip addr add 10.8.0.2/24 dev tun0",
        "ip -6 addr add fd12:3456::9/64 dev wlan0 nodad",
    )
    assert ranked(namespace) == ["fd12:3456::9"]


def test_loopback_and_link_local_addresses_are_never_candidates(namespace: str) -> None:
    in_namespace(
        namespace,
        "ip link set lo up",
        "ip link add eth0 type veth peer name eth1",
        "ip link set eth0 up",
        "ip link set eth1 up",
    )
    assert ranked(namespace) == []


@pytest.mark.parametrize(
    ("user_agent", "expected"),
    [
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/156.0 Mobile Safari/537.36",
            ("Android", "Chrome"),
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Version/18.0 Mobile/15E148 "
            "Safari/604.1",
            ("iPhone", "Safari"),
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/156.0 Safari/537.36 Edg/156.0",
            ("Windows", "Edge"),
        ),
        ("Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0", ("Linux", "Firefox")),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/18.0 Safari/605.1.15",
            ("macOS", "Safari"),
        ),
        ("", ("unknown", "unknown")),
    ],
)
def test_the_approval_prompt_names_system_and_browser(user_agent: str, expected: tuple[str, str]) -> None:
    assert describe(user_agent) == expected
