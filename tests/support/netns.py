"""Networks for tests, built on this machine: network namespaces joined by veth pairs, with their own addresses,
routes and nftables rulesets (loss and cuts are nftables drops: some kernels, this project's CI among them, have no
netem). Nothing here sends traffic outside the namespaces a test makes.

A ``Lab`` owns what it creates and deletes it at the end, even when the test fails. Processes started inside a
namespace (``Namespace.argv``) must be ended by the test that started them, before the lab closes.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from tests.support.processes import ROOT, LineProcess, child_env

CHROMIUM = os.environ.get("PROXIM_CHROMIUM", "/usr/bin/chromium")
_serial = itertools.count()


class NetworkError(RuntimeError):
    """A command that builds the test network failed."""


def _run(argv: Sequence[str], stdin: str | None = None) -> str:
    result = subprocess.run(list(argv), input=stdin, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise NetworkError(f"{shlex.join(argv)} failed ({result.returncode}): {result.stderr.strip()}")
    return result.stdout


class Namespace:
    """One network namespace: a host, a router or a NAT of the test network."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Namespace({self.name!r})"

    def argv(self, argv: Sequence[str]) -> list[str]:
        """``argv`` run inside this namespace."""
        return ["ip", "netns", "exec", self.name, *argv]

    def sh(self, *commands: str) -> None:
        """Run each command (split like a shell would, no shell features) inside the namespace."""
        for command in commands:
            _run(self.argv(shlex.split(command)))

    def output(self, command: str) -> str:
        return _run(self.argv(shlex.split(command)))

    def nft(self, ruleset: str) -> None:
        """Load an nftables ruleset (the text ``nft -f`` reads) into this namespace."""
        _run(self.argv(["nft", "-f", "-"]), stdin=ruleset)

    def forward(self) -> None:
        """Make this namespace a router, for IPv4 and IPv6."""
        self.sh("sysctl -q -w net.ipv4.ip_forward=1", "sysctl -q -w net.ipv6.conf.all.forwarding=1")

    def wait_for_address(self, interface: str, address: str, timeout: float = 5.0) -> None:
        """Wait until ``address`` on ``interface`` is usable (an IPv6 address is tentative until its DAD ends)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.output(f"ip -o addr show dev {interface}")
            line = next((line for line in shown.splitlines() if f" {address}/" in line), "")
            if line and "tentative" not in line:
                return
            time.sleep(0.05)
        raise NetworkError(f"{address} on {interface} in {self.name} did not become usable in {timeout} s")


class Lab:
    """The namespaces of one test, deleted when the lab closes."""

    def __init__(self) -> None:
        if shutil.which("ip") is None or os.geteuid() != 0:
            raise NetworkError("network tests need iproute2 and root (the README's test command provides both)")
        self._prefix = f"pxm{os.getpid()}-{next(_serial)}"
        self._namespaces: list[Namespace] = []

    def __enter__(self) -> Lab:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def namespace(self, role: str) -> Namespace:
        """A new namespace with its loopback up; ``role`` ("host", "phone", "nat-a") names it in listings."""
        namespace = Namespace(f"{self._prefix}-{role}")
        _run(["ip", "netns", "add", namespace.name])
        self._namespaces.append(namespace)
        namespace.sh("ip link set lo up")
        return namespace

    def wire(self, a: Namespace, a_interface: str, b: Namespace, b_interface: str) -> None:
        """A cable: a veth pair from ``a`` (named ``a_interface`` there) to ``b``, both ends up."""
        _run(
            [
                "ip", "link", "add", a_interface, "netns", a.name,
                "type", "veth", "peer", "name", b_interface, "netns", b.name,
            ]
        )  # fmt: skip
        a.sh(f"ip link set {a_interface} up")
        b.sh(f"ip link set {b_interface} up")

    def close(self) -> None:
        for namespace in reversed(self._namespaces):
            subprocess.run(["ip", "netns", "del", namespace.name], capture_output=True, check=False)
        self._namespaces.clear()


def lan(lab: Lab, *, host_addresses: Sequence[str], phone_addresses: Sequence[str]) -> tuple[Namespace, Namespace]:
    """Two namespaces on one link, ``eth0`` on both sides, as a phone and a desktop on a home network.

    Addresses are CIDR strings. Each side's default routes point at the other side's first address of the family,
    so the host's interface holds the default route, as on a real LAN.
    """
    host, phone = lab.namespace("host"), lab.namespace("phone")
    lab.wire(host, "eth0", phone, "eth0")
    _address(host, phone, host_addresses, phone_addresses)
    return host, phone


def lan_through_air(
    lab: Lab, *, host_addresses: Sequence[str], phone_addresses: Sequence[str]
) -> tuple[Namespace, Namespace, Namespace]:
    """As ``lan``, but the link passes through a third namespace, the air, with an interface towards each side
    (``host`` and ``phone``) for a bridge in user space to join (bench/_stream/air.py). No interface offloads
    segmentation, so that every frame the bridge reads is one it can send."""
    host, phone, air = lab.namespace("host"), lab.namespace("phone"), lab.namespace("air")
    lab.wire(host, "eth0", air, "host")
    lab.wire(phone, "eth0", air, "phone")
    for namespace, interface in ((host, "eth0"), (phone, "eth0"), (air, "host"), (air, "phone")):
        namespace.sh(f"ethtool -K {interface} tso off gso off gro off tx off")
    _address(host, phone, host_addresses, phone_addresses)
    return host, phone, air


def _address(host: Namespace, phone: Namespace, host_addresses: Sequence[str], phone_addresses: Sequence[str]) -> None:
    for namespace, mine, theirs in ((host, host_addresses, phone_addresses), (phone, phone_addresses, host_addresses)):
        for cidr in mine:
            namespace.sh(f"ip addr add {cidr} dev eth0" + (" nodad" if ":" in cidr else ""))
        for family in (4, 6):
            gateway = next((cidr.split("/")[0] for cidr in theirs if (":" in cidr) == (family == 6)), None)
            if gateway is not None:
                namespace.sh(f"ip -{family} route add default via {gateway} dev eth0")


def chromium_in(namespace: Namespace, workdir: Path) -> Path:
    """An executable that starts Debian's Chromium inside ``namespace``: give it to Playwright as
    ``executable_path``. Chromium keeps its default settings (its mDNS hiding of local addresses included)."""
    launcher = workdir / f"chromium-{namespace.name}"
    launcher.write_text(f'#!/bin/sh\nexec ip netns exec {shlex.quote(namespace.name)} {shlex.quote(CHROMIUM)} "$@"\n')
    launcher.chmod(0o755)
    return launcher


@contextlib.contextmanager
def phone_browser(phone: Namespace, workdir: Path) -> Iterator[Any]:
    """A page in Chromium running inside the phone's namespace."""
    from playwright.sync_api import sync_playwright

    from tests.conftest import CHROMIUM_ARGS  # the conftest imports this module

    with sync_playwright() as playwright:
        launcher = chromium_in(phone, workdir)
        browser = playwright.chromium.launch(executable_path=str(launcher), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page()
        finally:
            browser.close()


def host_env(workdir: Path, display: str | None = None) -> dict[str, str]:
    """The environment of a host process in a namespace: its own config and runtime folders (so hosts in other
    namespaces on the same port do not take it for themselves), no developer config file, and the X display if any
    (an X server's socket is a file, so it reaches across namespaces)."""
    runtime = workdir / "runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = child_env(XDG_CONFIG_HOME=str(workdir / "config"), XDG_RUNTIME_DIR=str(runtime))
    for name in ("PROXIM_CONFIG", "WAYLAND_DISPLAY", "DISPLAY"):
        env.pop(name, None)
    if display is not None:
        env["DISPLAY"] = display
    return env


class NamespacedHost(LineProcess):
    """``proxim host --no-tray`` as a user runs it, inside ``namespace``: no address flags unless ``extra`` has them.
    ``command`` replaces the whole command line (the README's, for example)."""

    def __init__(
        self,
        namespace: Namespace,
        workdir: Path,
        *extra: str,
        env: dict[str, str] | None = None,
        verbose: bool = True,
        command: Sequence[str] | None = None,
        cwd: Path = ROOT,
    ) -> None:
        self.namespace = namespace
        argv = [sys.executable, "-m", "proxim_tray", "host", "--no-tray", *(["-v"] if verbose else []), *extra]
        argv = list(command) if command is not None else argv
        super().__init__(
            namespace.argv(argv),
            env=env or host_env(workdir),
            stderr_path=workdir / f"host-{namespace.name}.log",
            cwd=cwd,
        )

    def next_link(self, timeout: float = 15.0) -> str:
        """The next pairing link the console prints."""
        return self.wait_for(r"^\s+(http://\S+)$", timeout).group(1)
