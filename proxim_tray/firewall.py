"""Finding a host firewall that drops new inbound traffic, and the commands that open Proxim's two ports."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

# administration tools live in sbin, which a user's PATH often lacks
_SBIN = ("/usr/local/sbin", "/usr/sbin", "/sbin")
UFW_CONF = Path("/etc/ufw/ufw.conf")
_TABLE = re.compile(r"^table (\S+) (\S+) \{")
_CHAIN = re.compile(r"^\s+chain (\S+) \{")
_DROPPING_INPUT = re.compile(r"type filter hook input .*policy drop;")


@dataclass(frozen=True)
class Firewall:
    name: str  # what was found, as the user knows it
    commands: list[str]  # that open the signaling port (TCP) and the media port (UDP)


Ports = list[tuple[int, str]]  # (port, "tcp" or "udp")


def detect(ports: Ports) -> Firewall | None:
    """An active ufw or firewalld, or else an nftables input chain whose policy drops (readable as root only); its
    commands open ``ports``."""
    return _firewalld(ports) or _ufw(ports) or _nftables(ports)


def _tool(name: str) -> str | None:
    path = os.pathsep.join([os.environ.get("PATH", ""), *_SBIN])
    return shutil.which(name, path=path)


def _output(argv: list[str]) -> tuple[int, str]:
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return -1, ""
    return result.returncode, result.stdout + result.stderr


def _firewalld(ports: Ports) -> Firewall | None:
    tool = _tool("firewall-cmd")
    if tool is None:
        return None
    status, text = _output([tool, "--state"])
    if status != 0 or text.strip() != "running":
        return None
    added = " ".join(f"--add-port={port}/{protocol}" for port, protocol in ports)
    return Firewall("firewalld", [f"sudo firewall-cmd --permanent {added} && sudo firewall-cmd --reload"])


def _ufw(ports: Ports) -> Firewall | None:
    tool = _tool("ufw")
    if tool is None:
        return None
    status, text = _output([tool, "status"])
    if status == 0:
        active = text.startswith("Status: active")
    else:  # only root may ask; the configuration file says whether it is enabled
        try:
            active = re.search(r"^ENABLED=yes\b", UFW_CONF.read_text(), re.MULTILINE) is not None
        except OSError:
            active = False
    if not active:
        return None
    rules = " && ".join(f"sudo ufw allow {port}/{protocol}" for port, protocol in ports)
    return Firewall("ufw", [rules])


def _nftables(ports: Ports) -> Firewall | None:
    tool = _tool("nft")
    if tool is None:
        return None
    status, text = _output([tool, "list", "ruleset"])
    if status != 0:
        return None
    table = chain = ""
    for line in text.splitlines():
        if match := _TABLE.match(line):
            table = f"{match.group(1)} {match.group(2)}"
        elif match := _CHAIN.match(line):
            chain = match.group(1)
        elif _DROPPING_INPUT.search(line):
            # insert, not add: the rule must come before any final drop or reject
            commands = [
                f"sudo nft insert rule {table} {chain} {protocol} dport {port} accept" for port, protocol in ports
            ]
            return Firewall(f"nftables (table {table}, chain {chain}: policy drop)", commands)
    return None


def advice(signaling_port: int, media_port: int, platform: str = sys.platform) -> tuple[bool, str]:
    """The doctor's line: whether nothing needs doing, and what to do."""
    if platform == "win32":
        rules = [
            f'netsh advfirewall firewall add rule name="Proxim {protocol.upper()} {port}" dir=in action=allow '
            f"protocol={protocol.upper()} localport={port} profile=private"
            for port, protocol in ((signaling_port, "tcp"), (media_port, "udp"))
            if port
        ]
        return True, (
            "Windows Defender Firewall asks at the first start whether Python may accept connections: allow it on "
            "private networks; or, as administrator: " + "; ".join(rules)
        )
    if platform == "darwin":
        return True, (
            "when the macOS firewall is on it asks at the first start whether Python may accept incoming "
            "connections: allow it (System Settings > Network > Firewall > Options lists the answer)"
        )
    firewall = detect([(signaling_port, "tcp")] + ([(media_port, "udp")] if media_port else []))
    media = f"UDP {media_port}" if media_port else "the media port (random: set --media-port to open one)"
    if firewall is None:
        return True, f"no active ufw, firewalld or dropping nftables input (uses TCP {signaling_port} and {media})"
    return False, (
        f"{firewall.name} is active: unless it already lets them in, open TCP {signaling_port} (the pairing page) and "
        f"{media} (video and input): " + "; ".join(firewall.commands)
    )
