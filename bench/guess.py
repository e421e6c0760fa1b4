"""Guessing the pairing secret: ``python -m bench guess [--seconds S] [--addresses N] [--json PATH]``.

A real host (``proxim host --no-tray`` on loopback) shows a link; guessers that know its session id (it is in the
link's path, so anyone who sees the plain-http request line has it) send ``hello`` with wrong secrets as fast as the
host answers, one connection at a time per source address, for ``--seconds``: first from one address, then from
``--addresses`` addresses at once (loopback is 127.0.0.0/8: each guesser binds its own). Measured: attempts answered,
guesses the host actually checked (``bad_secret``), attempts refused unchecked (``rate_limited``), and from these the
checked-guess rate and the expected time to find a 128-bit secret at that rate. Last, the owner presents the correct
secret from yet another address: it must be accepted (issue 11 item 5).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import json
import os
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench._host import running_host
from proxim_tray.client import PairingLink
from proxim_tray.protocol import VERSION
from tests.support.hostkit import make_offer  # an offer as a client makes it

SECRET_BITS = 128
SECONDS_PER_YEAR = 365.25 * 24 * 3600
OWNER_ADDRESS = "127.0.0.1"
ANSWER_TIMEOUT = 10.0
COMMITMENT_LENGTH = 43  # base64url of a SHA-256 digest
# the host's first answer to a hello with the right secret
ACCEPTED = "challenge"


def guesser_addresses(count: int, first: int = 2) -> list[str]:
    """``count`` loopback addresses other than the owner's: 127.0.0.2, 127.0.0.3, ..., 127.0.1.0, ..."""
    return [f"127.0.{(first + i) // 256}.{(first + i) % 256}" for i in range(count)]


def hello(link: PairingLink, secret: str, offer: str) -> dict[str, Any]:
    return {
        "type": "hello",
        "v": VERSION,
        "session": link.session_id,
        "secret": secret,
        "device": {"name": "Guesser"},
        "offer": offer,
        "commitment": "A" * COMMITMENT_LENGTH,
    }


async def attempt(http: aiohttp.ClientSession, link: PairingLink, secret: str, offer: str) -> str:
    """One pairing attempt; the error code the host answers with (or the type of its first message)."""
    async with http.ws_connect(link.websocket_url) as ws:
        await ws.send_json(hello(link, secret, offer))
        reply = await ws.receive_json(timeout=ANSWER_TIMEOUT)
    return str(reply["code"] if reply.get("type") == "error" else reply.get("type"))


def wrong_secret() -> str:
    return base64.urlsafe_b64encode(os.urandom(SECRET_BITS // 8)).rstrip(b"=").decode()


async def guess_from(
    address: str, link: PairingLink, offer: str, deadline: float, counts: collections.Counter[str]
) -> None:
    connector = aiohttp.TCPConnector(local_addr=(address, 0), force_close=True)
    async with aiohttp.ClientSession(connector=connector) as http:
        while time.monotonic() < deadline:
            try:
                counts[await attempt(http, link, wrong_secret(), offer)] += 1
            except (aiohttp.ClientError, TimeoutError) as exc:
                counts[f"failed: {type(exc).__name__}"] += 1


async def campaign(link: PairingLink, addresses: list[str], seconds: float) -> dict[str, Any]:
    counts: collections.Counter[str] = collections.Counter()
    offer = await make_offer()
    started = time.monotonic()
    await asyncio.gather(*(guess_from(a, link, offer, started + seconds, counts) for a in addresses))
    elapsed = time.monotonic() - started
    checked = counts["bad_secret"]
    rate = checked / elapsed
    return {
        "addresses": len(addresses),
        "seconds": round(elapsed, 2),
        "answers": dict(counts),
        "attempts_per_s": round(sum(counts.values()) / elapsed, 1),
        "checked_guesses": checked,
        "checked_per_s": rate,
        "expected_years_to_guess": 2 ** (SECRET_BITS - 1) / rate / SECONDS_PER_YEAR if rate else None,
    }


async def owner_pairs(link: PairingLink) -> str:
    connector = aiohttp.TCPConnector(local_addr=(OWNER_ADDRESS, 0), force_close=True)
    async with aiohttp.ClientSession(connector=connector) as http:
        return await attempt(http, link, link.secret, await make_offer())


def run(seconds: float, addresses: int) -> dict[str, Any]:
    figures: dict[str, Any] = {"secret_bits": SECRET_BITS}
    # a fresh host for each campaign: the limits of one must not colour the next
    for name, sources in (("one_address", guesser_addresses(1)), ("many_addresses", guesser_addresses(addresses))):
        with running_host(None, "--capture", "testpattern") as host:
            link = PairingLink.parse(host.next_link())
            figures[name] = asyncio.run(campaign(link, sources, seconds))
            figures[name]["owner_answer"] = asyncio.run(owner_pairs(link))
    return figures


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench guess", description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures as JSON to PATH")
    parser.add_argument("--seconds", type=float, default=130.0, help="length of each campaign (default: 130)")
    parser.add_argument("--addresses", type=int, default=64, help="source addresses at once (default: 64)")
    args = parser.parse_args(argv)
    figures = run(args.seconds, args.addresses)
    for name in ("one_address", "many_addresses"):
        row = figures[name]
        years = row["expected_years_to_guess"]
        print(
            f"{name:<15} {row['addresses']:>4} addresses  {row['attempts_per_s']:>7.1f} attempts/s  "
            f"{row['checked_guesses']:>5} checked ({row['checked_per_s']:.3f}/s)  "
            f"expected {years:.2e} years  owner: {row['owner_answer']}  answers {row['answers']}"
        )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0
