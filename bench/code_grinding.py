"""How fast a client can try certificates against a verification code: ``python -m bench code_grinding [--json PATH]
[--seconds S]``.

Protocol version 1 derived the code from the two certificates only, so a client could mint certificates until the
code was the one the owner's phone showed. This measures, on one core, the three ways to get a new fingerprint: a new
key and certificate (what aiortc does), a new certificate for the same key (re-signed), and a changed certificate
that is not re-signed (aiortc's DTLS check compares fingerprints and never checks the certificate's own signature;
the benchmark shows it by completing a DTLS handshake with such a certificate), and the expected time to match a
given six-digit code each way.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import hashlib
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiortc import RTCCertificate
from aiortc.rtcdtlstransport import SRTP_PROFILES
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from OpenSSL import SSL

CODES = 1_000_000  # six decimal digits


def rate(attempt: Callable[[], object], seconds: float) -> float:
    """Attempts a second, measured over ``seconds``."""
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(50):
            attempt()
        count += 50
    return count / elapsed


def resigned(key: ec.EllipticCurvePrivateKey, name: x509.Name) -> Callable[[], object]:
    now = datetime.datetime.now(datetime.UTC)

    def mint() -> bytes:
        builder = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=30))
        )
        return hashlib.sha256(builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)).digest()

    return mint


def unsigned(der: bytes) -> Callable[[], object]:
    body = bytearray(der)
    counter = [0]

    def tweak() -> bytes:
        counter[0] += 1
        body[-8:] = counter[0].to_bytes(8, "big")  # stands for any byte no check reads (the signature's, say)
        return hashlib.sha256(body).digest()

    return tweak


def v1_code(host_hex: str) -> Callable[[], object]:
    counter = [0]

    def code() -> str:
        counter[0] += 1
        client_hex = hashlib.sha256(counter[0].to_bytes(8, "big")).hexdigest().upper()
        digest = hashlib.sha256(f"proxim-v1|{host_hex}|{client_hex}".encode()).digest()
        return f"{int.from_bytes(digest[:4], 'big') % CODES:06d}"

    return code


def unsigned_certificate_accepted() -> bool:
    """Whether a DTLS handshake between aiortc's own contexts completes when the client's certificate no longer
    verifies (a signature byte changed); aiortc then only compares the certificate's fingerprint with the SDP."""
    genuine = RTCCertificate.generateCertificate()
    der = bytearray(genuine._cert.public_bytes(serialization.Encoding.DER))  # aiortc's certificate, read-only
    der[-3] ^= 0x01  # in the signature's last integer
    changed = RTCCertificate(key=genuine._key, cert=x509.load_der_x509_certificate(bytes(der)))
    client = SSL.Connection(changed._create_ssl_context(SRTP_PROFILES))
    server = SSL.Connection(RTCCertificate.generateCertificate()._create_ssl_context(SRTP_PROFILES))
    client.set_connect_state()
    server.set_accept_state()
    for _ in range(10):  # flights over memory BIOs until both sides are done
        for sender, receiver in ((client, server), (server, client)):
            with contextlib.suppress(SSL.WantReadError):
                sender.do_handshake()
            with contextlib.suppress(SSL.WantReadError):
                while data := sender.bio_read(65536):
                    receiver.bio_write(data)
    peer = server.get_peer_certificate(as_cryptography=True)
    return peer is not None and peer.fingerprint(hashes.SHA256()) == changed._cert.fingerprint(hashes.SHA256())


def run(seconds: float) -> dict[str, Any]:
    certificate = RTCCertificate.generateCertificate()
    der = certificate._cert.public_bytes(serialization.Encoding.DER)  # aiortc keeps it private; read-only here
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "bench")])
    ways = {
        "new key and certificate (aiortc)": RTCCertificate.generateCertificate,
        "same key, re-signed certificate": resigned(key, name),
        "changed certificate, not re-signed": unsigned(der),
        "v1 code from a fingerprint (Python)": v1_code("AB:" * 31 + "AB"),
    }
    figures: dict[str, Any] = {
        "cpu_count": os.cpu_count(),
        "seconds_each": seconds,
        "unsigned_certificate_accepted": unsigned_certificate_accepted(),
        "ways": {},
    }
    for label, attempt in ways.items():
        per_second = rate(attempt, seconds)
        figures["ways"][label] = {"per_second": round(per_second), "expected_seconds": round(CODES / per_second, 2)}
    return figures


def print_table(figures: dict[str, Any]) -> None:
    print(f"DTLS handshake with a certificate whose signature is broken: {figures['unsigned_certificate_accepted']}")
    print(f"{'way to a new fingerprint':<40} {'per second':>12} {'expected s to a given code':>28}")
    for label, row in figures["ways"].items():
        print(f"{label:<40} {row['per_second']:>12,} {row['expected_seconds']:>28,.2f}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench code_grinding", description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures as JSON to PATH")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each measurement (default: 3)")
    args = parser.parse_args(argv)
    figures = run(args.seconds)
    print_table(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0
