"""Opt-in audit log: one JSON line per pairing attempt, approval decision, resume after a network drop, session end
and record a plugin hands over with ``app.audit(...)`` (``--audit-log PATH``)."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from proxim_tray import ApprovalRequest, Decision, Host, HostConfig, PairingAttempt, Session, hookimpl

__version__ = "0.1.0"

logger = logging.getLogger(__name__)
SETTING = "audit_log"
_write_lock = threading.Lock()


def _append(path: Path, record: dict[str, Any]) -> None:
    line = json.dumps({"time": datetime.now(UTC).isoformat(timespec="milliseconds"), **record})
    with _write_lock, path.open("a", encoding="utf-8") as log:
        log.write(line + "\n")


async def _record(app: Host, **record: Any) -> None:
    path = app.config.plugin_settings.get(SETTING)
    if path is None:
        return
    try:
        await asyncio.get_running_loop().run_in_executor(None, _append, path, record)
    except OSError as exc:
        logger.error("cannot write the audit log %s: %s", path, exc)


@hookimpl
def proxim_add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--audit-log", type=Path, metavar="PATH", help="append a JSON line per pairing event to PATH")


@hookimpl
def proxim_configure(config: HostConfig, args: argparse.Namespace) -> None:
    path = getattr(args, "audit_log", None)
    if path is not None:
        config.plugin_settings[SETTING] = Path(path).expanduser()


@hookimpl
async def proxim_pairing_attempt(app: Host, attempt: PairingAttempt) -> None:
    await _record(
        app,
        event="pairing_attempt",
        outcome=attempt.outcome,
        address=attempt.address,
        device=attempt.device_name,
        user_agent=attempt.user_agent,
    )


@hookimpl
async def proxim_approval_decided(app: Host, request: ApprovalRequest, decision: Decision) -> None:
    await _record(
        app,
        event="decision",
        approved=decision.approved,
        permissions=sorted(decision.permissions),
        by=decision.by,
        device=request.device.name,
        address=request.device.address,
        code=request.code,
    )


@hookimpl
async def proxim_session_reconnected(app: Host, session: Session) -> None:
    # a new connection let in without a new approval (its token and certificate matched): from where, is worth keeping
    await _record(app, event="session_resumed", device=session.device.name, address=session.link.address)


@hookimpl
async def proxim_session_ended(app: Host, session: Session, reason: str) -> None:
    await _record(app, event="session_end", reason=reason, device=session.device.name, address=session.device.address)


@hookimpl
async def proxim_audit_record(app: Host, record: dict[str, Any]) -> None:
    await _record(app, **record)
